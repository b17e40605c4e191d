"""Invitations to speak (resend, revoke; the secret is never shown), speakers'
deadlines and the reminders sent before them."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin

from .. import services
from ..models import (
    SpeakerDeadline,
    SpeakerReminder,
    SubmissionInvitation,
)
from .submissions import _error_text


@admin.register(SubmissionInvitation)
class SubmissionInvitationAdmin(ModelAdmin):
    """Invitations (the link's secret is stored hashed and never shown). New ones are
    sent from a speaker item's "Invite a speaker" page."""

    list_display = [
        "name",
        "email",
        "submission",
        "status_text",
        "is_copresenter",
        "expires_at",
        "created_at",
    ]
    list_filter = ["submission__edition", "is_copresenter"]
    list_select_related = ["submission"]
    search_fields = ["name", "email", "submission__working_title"]
    fields = [
        "submission",
        "name",
        "email",
        "message",
        "is_copresenter",
        "expires_at",
        "invited_by",
        "used_at",
        "used_by",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["resend", "revoke"]

    @admin.display(description=_("status"))
    def status_text(self, obj):
        return SubmissionInvitation.Status(obj.status).label

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend with a new link"), permissions=["change"])
    def resend(self, request, queryset):
        self._each(
            request, queryset, services.invitation_resend, _("%(count)d resent.")
        )

    @admin.action(description=_("Revoke the link"), permissions=["change"])
    def revoke(self, request, queryset):
        self._each(
            request, queryset, services.invitation_revoke, _("%(count)d revoked.")
        )

    def _each(self, request, queryset, service, done):
        count = 0
        for invitation in queryset.order_by("pk"):
            try:
                service(invitation=invitation, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{invitation}: {_error_text(error)}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(SpeakerDeadline)
class SpeakerDeadlineAdmin(ModelAdmin):
    list_display = ["edition", "due_on", "overdue_link"]
    autocomplete_fields = ["edition"]
    list_select_related = ["edition"]

    @admin.display(description=_("overdue items"))
    def overdue_link(self, obj):
        url = reverse("admin:events_submission_changelist")
        return format_html(
            '<a href="{}?edition__id__exact={}&amp;overdue=yes">{}</a>',
            url,
            obj.edition_id,
            _("List"),
        )


@admin.register(SpeakerReminder)
class SpeakerReminderAdmin(ModelAdmin):
    list_display = ["speaker", "edition", "deadline", "days_before", "sent_at"]
    list_filter = ["edition"]
    list_select_related = ["speaker", "edition"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
