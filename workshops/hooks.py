"""How workshops answers the hooks delegates defines (``delegates.signals``), so
delegates shows workshop content without importing this app. Connected in
``WorkshopsConfig.ready()``."""

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone

from delegates.signals import (
    collect_badge_workshops,
    collect_dashboard_panels,
    collect_registration_workshops,
)
from events.signals import collect_room_bookings, collect_room_uses

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


@receiver(collect_registration_workshops, dispatch_uid="workshops_export_workshops")
def registration_workshops(sender, registrations, **kwargs) -> dict[int, str]:
    """Each registration's workshops for an export cell, in time order, e.g.
    "09:00 Money mules (Room 1); 11:00 Crypto tracing (Room 2)": one query however
    many registrations are asked about."""
    rows: dict[int, list[str]] = {}
    choices = (
        WorkshopChoice.objects.filter(
            registration_id__in=[registration.pk for registration in registrations]
        )
        .select_related("workshop", "run__room", "block__session")
        .order_by("registration_id", "block__session__starts_at", "pk")
    )
    for choice in choices:
        start = timezone.localtime(choice.block.session.starts_at)
        room = choice.run.room
        rows.setdefault(choice.registration_id, []).append(
            f"{start:%a %H:%M} {choice.workshop.title}"
            + (f" ({room.name})" if room else "")
        )
    return {pk: "; ".join(parts) for pk, parts in rows.items()}


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


@receiver(collect_room_bookings, dispatch_uid="workshops_room_bookings")
def room_bookings(sender, room_id, starts_at, ends_at, session, **kwargs) -> list[dict]:
    """The runs in ``room_id`` whose block overlaps the time, so an agenda session is
    not put where a workshop is held (the runs of ``session``'s own block excepted:
    they move with it)."""
    runs = (
        WorkshopRun.objects.filter(
            room_id=room_id,
            block__session__starts_at__lt=ends_at,
            block__session__ends_at__gt=starts_at,
        )
        .select_related("workshop", "block__session")
        .order_by("block__session__starts_at", "pk")
    )
    if session.pk:
        runs = runs.exclude(block__session_id=session.pk)
    return [
        {
            "title": run.workshop.title,
            "starts_at": run.block.session.starts_at,
            "ends_at": run.block.session.ends_at,
        }
        for run in runs[:1]
    ]


@receiver(collect_room_uses, dispatch_uid="workshops_room_uses")
def room_uses(sender, edition, venue, **kwargs) -> list[dict]:
    """The edition's runs at rooms of another venue than ``venue`` (one query)."""
    runs = (
        WorkshopRun.objects.filter(workshop__edition=edition, room__isnull=False)
        .exclude(room__venue=venue)
        .select_related("workshop", "block__session", "room__venue")
    )
    return [
        {
            "kind": "Workshop",
            "title": run.workshop.title,
            "starts_at": run.block.session.starts_at,
            "room": run.room,
        }
        for run in runs
    ]
