from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin

from .models import OutboxEmail
from .services import outbox_resend, outbox_retry_failed

SECRET_SHOWN = _(
    "Not shown: this email carries a one-time link or code "
    "(password reset, verification, sign-in code or invitation)."
)
# Fields whose content may hold a link: never shown, filtered, searched or sorted on.
HIDDEN_FIELDS = {"body_text", "body_html", "attachments", "claim"}


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ModelAdmin):
    list_display = [
        "subject",
        "to",
        "status",
        "attempts",
        "secret",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "secret", "template"]
    search_fields = ["to", "subject", "key", "message_id"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "subject",
        "template",
        "status",
        "secret",
        "body",
        "attachment_names",
        "last_error",
        "attempts",
        "message_id",
        "key",
        "created_at",
        "first_attempt_at",
        "last_attempt_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "body_removed_at",
    ]
    readonly_fields = fields
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request):
        # Local-field lookups are open in the admin's query string by default; the
        # body must not become an oracle (?body_text__startswith=...).
        if lookup.split("__", 1)[0] in HIDDEN_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("body"))
    def body(self, email: OutboxEmail):
        if email.secret:
            return SECRET_SHOWN
        return format_html('<pre class="outbox-body">{}</pre>', email.body_text)

    @admin.display(description=_("attachments"))
    def attachment_names(self, email: OutboxEmail) -> str:
        return ", ".join(a.get("filename", "") for a in email.attachments) or "–"

    @admin.action(description=_("Resend selected emails"), permissions=["change"])
    def resend(self, request, queryset):
        queued = 0
        for email in queryset.order_by("pk"):
            try:
                outbox_resend(email=email)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                _("%(n)d email(s) queued again.") % {"n": queued},
                messages.SUCCESS,
            )

    def get_urls(self):
        return [
            path(
                "retry-failed/",
                self.admin_site.admin_view(self.retry_failed_view),
                name="mail_outboxemail_retry_failed",
            ),
            *super().get_urls(),
        ]

    def retry_failed_view(self, request):
        """POST: queue every failed email again (the admin index's one-click retry)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        queued, refused = outbox_retry_failed()
        self.message_user(
            request,
            _("%(n)d failed email(s) queued again.") % {"n": queued},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                _(
                    "%(n)d failed email(s) carried a one-time link or are past "
                    "retention and cannot be sent again; the person can ask for a "
                    "new link."
                )
                % {"n": refused},
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:index"))
