"""The organisers' admin sidebar, grouped by the work rather than by app and model.

``UNFOLD["SIDEBAR"]["navigation"]`` names :func:`navigation`: it is called once per
admin page with the request and returns only the links the person may open (each
link names the permission its page checks, from the roles in
``socex/roles/definitions.py``), and no group left empty. A link whose page another
app does not provide (yet) is left out rather than breaking the page: see
``OPTIONAL_LINKS``.

This module names URLs, never models: ``socex`` imports no app.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Link:
    title: str
    url_name: str
    icon: str
    # Any one of these permissions opens the page (``None``: any staff member).
    permissions: tuple[str, ...] | None
    query: dict[str, str] | None = None
    # Left out, not an error, when the URL does not exist (another app's page).
    optional: bool = False

    def url(self) -> str | None:
        try:
            url = reverse(self.url_name)
        except NoReverseMatch:
            if self.optional:
                return None
            raise
        return f"{url}?{urlencode(self.query)}" if self.query else url

    def allowed(self, user) -> bool:
        if self.permissions is None:
            return True
        return any(user.has_perm(permission) for permission in self.permissions)


def _changelist(
    title, app_label, model, icon, query=None, *, optional=False, perm=None
):
    """The list of a model, opened by its view or change permission."""
    return Link(
        title=title,
        url_name=f"admin:{app_label}_{model}_changelist",
        icon=icon,
        permissions=perm
        or (f"{app_label}.view_{model}", f"{app_label}.change_{model}"),
        query=query,
        optional=optional,
    )


# Links marked ``optional`` are shown only when their admin is registered.
OPTIONAL_LINKS = ("delegates_message", "events_submission")

GROUPS: tuple[tuple[str, tuple[Link, ...]], ...] = (
    (
        _("This edition"),
        (
            Link(_("Dashboard"), "admin:index", "dashboard", None),
            _changelist(_("Editions"), "events", "edition", "event"),
            _changelist(_("Agenda"), "events", "agendasession", "calendar_month"),
            _changelist(_("Venues"), "events", "venue", "location_on"),
            _changelist(_("Rooms"), "events", "room", "meeting_room"),
            _changelist(_("Partners"), "events", "partner", "handshake"),
            _changelist(_("Series"), "events", "series", "collections_bookmark"),
        ),
    ),
    (
        _("Registrations and vetting"),
        (
            _changelist(
                _("Pending vetting"),
                "delegates",
                "registration",
                "pending_actions",
                {"status__exact": "pending"},
            ),
            _changelist(
                _("Waiting list"),
                "delegates",
                "registration",
                "hourglass_top",
                {"status__exact": "waitlisted"},
            ),
            _changelist(_("All registrations"), "delegates", "registration", "badge"),
            Link(
                _("Waiting-list positions"),
                "admin:delegates_registration_waiting_list_index",
                "hourglass_top",
                ("delegates.view_registration", "delegates.change_registration"),
            ),
            _changelist(_("Substitutions"), "delegates", "substitution", "swap_horiz"),
            _changelist(_("Trusted domains"), "delegates", "trusteddomain", "domain"),
            Link(
                _("Catering and access"),
                "admin:delegates_registration_summary_index",
                "restaurant",
                ("delegates.export_registration",),
            ),
            _changelist(_("People"), "delegates", "user", "group"),
            _changelist(_("Profiles"), "delegates", "profile", "id_card"),
        ),
    ),
    (
        _("Workshops"),
        (
            _changelist(_("Workshops"), "workshops", "workshop", "school"),
            _changelist(_("Runs"), "workshops", "workshoprun", "event_seat"),
            _changelist(_("Time blocks"), "workshops", "timeblock", "schedule"),
            _changelist(_("Choices"), "workshops", "workshopchoice", "checklist"),
            _changelist(
                _("Preferences"),
                "workshops",
                "workshoppreference",
                "format_list_numbered",
            ),
            _changelist(_("Allocations"), "workshops", "allocation", "shuffle"),
            _changelist(_("Late-choice windows"), "workshops", "choicewindow", "timer"),
            _changelist(
                _("Workshop settings"), "workshops", "workshopsettings", "tune"
            ),
            _changelist(
                _("Calls for proposals"), "workshops", "workshopcall", "campaign"
            ),
            _changelist(
                _("Workshop proposals"), "workshops", "workshopproposal", "lightbulb"
            ),
            _changelist(_("Audit"), "workshops", "workshopauditentry", "history"),
        ),
    ),
    (
        _("Speakers"),
        (
            _changelist(_("Speakers"), "events", "speaker", "record_voice_over"),
            _changelist(
                _("Speaker items"),
                "events",
                "submission",
                "inbox",
                optional=True,
            ),
            _changelist(
                _("Invitations"), "events", "submissioninvitation", "forward_to_inbox"
            ),
            _changelist(_("Deadlines"), "events", "speakerdeadline", "event_busy"),
        ),
    ),
    (
        _("Badges and check-in"),
        (
            _changelist(_("Badges"), "delegates", "badge", "id_card"),
            _changelist(_("Print runs"), "delegates", "badgeprintjob", "print"),
            _changelist(_("Badge settings"), "delegates", "badgesettings", "style"),
            _changelist(_("Check-ins"), "delegates", "checkin", "how_to_reg"),
            Link(
                _("Door check-in"),
                "badges:checkin_index",
                "qr_code_scanner",
                ("delegates.check_in",),
            ),
        ),
    ),
    (
        _("Messages"),
        (
            _changelist(
                _("Messages to delegates"),
                "delegates",
                "message",
                "campaign",
                optional=True,
            ),
            _changelist(
                _("Agenda changes"), "delegates", "agendachange", "edit_calendar"
            ),
            _changelist(_("Email outbox"), "mail", "outboxemail", "outgoing_mail"),
        ),
    ),
    (
        _("Settings"),
        (
            _changelist(_("Roles"), "auth", "group", "admin_panel_settings"),
            _changelist(_("Email addresses"), "account", "emailaddress", "mail"),
            _changelist(_("Authenticators"), "mfa", "authenticator", "key"),
            _changelist(
                _("Sessions signed in"), "usersessions", "usersession", "devices"
            ),
            _changelist(
                _("Personal data audit"), "privacy", "personaldataaccess", "policy"
            ),
            _changelist(_("Sites"), "sites", "site", "language"),
        ),
    ),
)


def navigation(request) -> list[dict]:
    """The sidebar for this person: the links they may open, grouped by task."""
    user = request.user
    groups = []
    for title, links in GROUPS:
        items = []
        for link in links:
            if not link.allowed(user):
                continue
            url = link.url()
            if url is None:
                continue
            items.append(
                {
                    "title": link.title,
                    "icon": link.icon,
                    "link": url,
                    # Links of one list with different filters: active only on theirs.
                    "active": request.get_full_path() == url
                    if link.query or link.url_name == "admin:index"
                    else request.path.startswith(url),
                }
            )
        if items:
            groups.append({"title": title, "separator": bool(groups), "items": items})
    return groups


def show_all_applications(request) -> bool:
    """The "all applications" list (every model by app) is a superuser's tool."""
    return request.user.is_superuser


def no_inline_colours(request) -> dict:
    """Unfold writes its colour palette into an inline ``<style>``, which the CSP
    refuses; the palette is in ``static/css/admin.css`` instead."""
    return {}
