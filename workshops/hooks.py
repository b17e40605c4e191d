"""How workshops answers the hooks delegates defines (``delegates.signals``), so
delegates shows workshop content without importing this app. Connected in
``WorkshopsConfig.ready()``."""

from django.dispatch import receiver
from django.template.loader import render_to_string

from delegates.signals import (
    collect_badge_workshops,
    collect_dashboard_panels,
    collect_edition_dashboard,
)

from .models import WorkshopChoice, WorkshopRun


@receiver(collect_badge_workshops, dispatch_uid="workshops_badge_workshops")
def badge_workshops(sender, registrations, **kwargs) -> dict[int, list[dict]]:
    """The seats each registration holds, for the back of its badge and the door:
    one query however many registrations are asked about."""
    rows: dict[int, list[dict]] = {}
    choices = WorkshopChoice.objects.filter(
        registration_id__in=[registration.pk for registration in registrations]
    ).select_related("workshop", "run__room", "block__session")
    for choice in choices:
        session, room = choice.block.session, choice.run.room
        rows.setdefault(choice.registration_id, []).append(
            {
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "title": str(choice.workshop),
                "room": room.name if room else "",
            }
        )
    return rows


@receiver(collect_dashboard_panels, dispatch_uid="workshops_dashboard_panels")
def dashboard_panels(sender, request, registrations, **kwargs) -> dict[int, str]:
    """The workshops panel of each registration's card on My SOCEX (empty when the
    edition offers none or the registration does not choose)."""
    return {
        registration.pk: render_to_string(
            "workshops/_dashboard_registration.html",
            {"registration": registration},
            request=request,
        )
        for registration in registrations
    }


@receiver(collect_edition_dashboard, dispatch_uid="workshops_edition_dashboard")
def edition_dashboard(sender, edition, **kwargs) -> dict[str, list[dict]]:
    """Each run's fill against its capacity (and its room's), for the edition's
    dashboard in the admin: one query."""
    runs = (
        WorkshopRun.objects.filter(workshop__edition=edition)
        .select_related("workshop", "block__session", "room")
        .order_by(
            "block__session__starts_at", "workshop__order", "workshop__title", "id"
        )
    )
    return {
        "workshop_runs": [
            {
                "workshop": run.workshop.title,
                "block": run.block.name,
                "room": run.room.name if run.room else "",
                "starts_at": run.block.session.starts_at,
                "capacity": run.capacity or 0,
                "seats_taken": run.seats_taken,
                "room_capacity": run.room.capacity if run.room else None,
            }
            for run in runs
        ]
    }
