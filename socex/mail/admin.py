from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import OutboxEmail
from .services import outbox_resend


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxEmail._meta.fields if f.name not in {"id"}]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend selected emails"))
    def resend(self, request, queryset):
        for email in queryset:
            outbox_resend(email=email)
        self.message_user(
            request,
            _("%(n)d email(s) queued again.") % {"n": queryset.count()},
            messages.SUCCESS,
        )
