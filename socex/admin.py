"""The sessions signed in (allauth.usersessions), for organisers: read-only.

allauth's own admin searches by ``user__username``, which SOCEX's user has not (a
search answered 500), offers to edit a session's IP and browser, and deletes a row
without ending the session it describes. This one searches by email and IP address,
changes nothing, and ends sessions only through an action that logs them out.
"""

from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from socex.admin_base import ModelAdmin

admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(ModelAdmin):
    list_display = ("user", "ip", "user_agent", "created_at", "last_seen_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "ip")
    date_hierarchy = "last_seen_at"
    fields = ("user", "ip", "user_agent", "created_at", "last_seen_at")
    readonly_fields = fields
    actions = ("end_sessions",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted row would leave its session logged in: end_sessions logs it out.
        return False

    def has_end_permission(self, request):
        return request.user.has_perm("usersessions.delete_usersession")

    @admin.action(description=_("Log out the selected sessions"), permissions=("end",))
    def end_sessions(self, request, queryset):
        sessions = list(queryset)
        for session in sessions:
            session.end()
        self.message_user(
            request,
            ngettext(
                "%(count)d session logged out.",
                "%(count)d sessions logged out.",
                len(sessions),
            )
            % {"count": len(sessions)},
            messages.SUCCESS,
        )
