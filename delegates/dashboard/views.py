"""The admin's home (the current editions' cards) and each edition's dashboard.

Both need ``events.view_edition`` (every role that reads editions: organisers,
vetting, programme, viewers); the figures are counts, never a person's details, and
each link on the page is shown only to those who may open it.
"""

import datetime as dt

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from socex import charts
from socex.roles.decorators import staff_permission_required

from ..models import Registration
from . import selectors

DASHBOARD_PERMISSION = "events.view_edition"
MAX_ID = 2**63 - 1  # the largest primary key; a larger one is a forged address
Status = Registration.Status

# Each status's colour class in the registrations chart (static/css/admin.css).
STATUS_CSS = {
    Status.CONFIRMED: "bar-confirmed",
    Status.PENDING: "bar-pending",
    Status.WAITLISTED: "bar-waitlisted",
    Status.CANCELLED: "bar-cancelled",
    Status.DECLINED: "bar-declined",
    Status.SUBSTITUTED: "bar-substituted",
}


def admin_index_context(request, context: dict) -> dict:
    """unfold's DASHBOARD_CALLBACK: the current editions' cards on the admin home."""
    if request.user.has_perm(DASHBOARD_PERMISSION):
        context["current_editions"] = [
            (counts, reverse("edition_dashboard", args=[counts.edition.pk]))
            for counts in selectors.editions_current()
        ]
    return context


def _registration_link(request, edition_id: int, status: str | None = None):
    if not request.user.has_perm("delegates.view_registration"):
        return None
    url = reverse("admin:delegates_registration_changelist")
    query = f"?edition__id__exact={edition_id}"
    return url + query + (f"&status__exact={status}" if status else "")


def _registrations_chart(days: list[tuple[dt.date, dict[str, int]]]):
    columns = [
        (
            date_format(day, "j M"),
            [
                (STATUS_CSS[status], Status(status).label, counts.get(status, 0))
                for status in Status.values
            ],
        )
        for day, counts in days
    ]
    return charts.stacked_columns(columns=columns)


def _hours_chart(hours: list[tuple[dt.datetime, int]]):
    columns = [
        (
            timezone.localtime(hour).strftime("%H:00"),
            [("bar-primary", str(_("checked in")), n)],
        )
        for hour, n in hours
    ]
    return charts.stacked_columns(columns=columns, height=180, label_every=1)


@staff_permission_required(DASHBOARD_PERMISSION)
def edition_dashboard(request, edition_id: int):
    """One edition at a glance: places, vetting, waiting list, speakers, workshops,
    badges and the door, with four charts and their numbers in tables. Served
    inside the admin (``admin_view``: staff, signed in, second factor used)."""
    if edition_id > MAX_ID:
        raise Http404("No such edition")
    counts = selectors.edition_counts(edition_id=edition_id)
    if counts is None:
        raise Http404("No such edition")
    board = selectors.edition_dashboard(counts=counts)
    edition = board.edition
    runs = board.workshop_runs
    for run in runs:
        run["percent"] = (
            round(100 * run["seats_taken"] / run["capacity"]) if run["capacity"] else 0
        )
        run["over_room"] = bool(
            run["room_capacity"] is not None and run["capacity"] > run["room_capacity"]
        )
    statuses = [
        (Status(status).label, STATUS_CSS[status], getattr(counts, status))
        for status in Status.values
    ]
    context = {
        **admin.site.each_context(request),
        "title": str(edition),
        "subtitle": _("Dashboard"),
        "edition": edition,
        "board": board,
        "counts": counts,
        "statuses": statuses,
        "links": {
            status: _registration_link(request, edition.pk, status)
            for status in (None, *Status.values)
        },
        "registration_rows": [
            (day, [by_status.get(status, 0) for status in Status.values])
            for day, by_status in board.registrations_by_day
        ],
        "registrations_chart": _registrations_chart(board.registrations_by_day),
        "organisations_chart": charts.horizontal_bars(
            rows=[(str(label), n, None) for label, n in board.organisation_types]
        ),
        "workshops_chart": charts.horizontal_bars(
            rows=[
                (
                    f"{run['workshop']} ({run['block']})",
                    run["seats_taken"],
                    run["capacity"],
                )
                for run in runs
            ]
        ),
        "checkins_chart": _hours_chart(board.checkins_by_hour),
        "can_change_edition": request.user.has_perm("events.change_edition"),
        "can_view_speakers": request.user.has_perm("events.view_speaker"),
        "can_view_runs": request.user.has_perm("workshops.view_workshoprun"),
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/dashboard/edition.html", context)
