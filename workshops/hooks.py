"""How workshops answers the hooks delegates and events define
(``delegates.signals``, ``events.signals``), so they show workshop content without
importing this app. Connected in
``WorkshopsConfig.ready()``."""

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegates.signals import (
    collect_badge_workshops,
    collect_dashboard_panels,
    collect_edition_dashboard,
    collect_message_audiences,
    collect_message_recipients,
    collect_registration_workshops,
)
from events.signals import (
    collect_edition_links,
    collect_edition_programme,
    collect_edition_speakers,
    collect_room_bookings,
    collect_room_uses,
    collect_speaker_appearances,
)

from . import selectors
from .models import Workshop, WorkshopChoice, WorkshopRun


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


@receiver(collect_edition_links, dispatch_uid="workshops_edition_links")
def edition_links(sender, edition, **kwargs) -> list[dict]:
    """The "Workshops" tab of every edition's public pages (no query)."""
    return [
        {
            "label": _("Workshops"),
            "url": reverse("workshops_public:edition", kwargs={"slug": edition.slug}),
        }
    ]


@receiver(collect_edition_programme, dispatch_uid="workshops_edition_programme")
def edition_programme(sender, edition, **kwargs) -> list[str]:
    """The workshops section of the edition page (three queries, any number)."""
    workshops = list(selectors.published_workshops(edition))
    if not workshops:
        return []
    return [
        render_to_string(
            "workshops/_edition_section.html",
            {"edition": edition, "workshops": workshops},
        )
    ]


@receiver(collect_edition_speakers, dispatch_uid="workshops_edition_speakers")
def edition_speakers(sender, edition, **kwargs) -> list:
    """The leaders of the edition's published workshops, for its speakers page."""
    return selectors.edition_workshop_leaders(edition)


@receiver(collect_speaker_appearances, dispatch_uid="workshops_speaker_appearances")
def speaker_appearances(sender, speaker, editions, **kwargs) -> list[dict]:
    """The published workshops a speaker leads, for their public page."""
    return [
        {
            "title": workshop.title,
            "url": workshop.get_absolute_url(),
            "edition": workshop.edition,
            "starts_at": None,
        }
        for workshop in selectors.speaker_workshops(speaker, editions)
    ]


@receiver(collect_message_audiences, dispatch_uid="workshops_message_audiences")
def message_audiences(sender, editions, **kwargs) -> list[dict]:
    """Each run of the editions' workshops, as an audience of a message: one query."""
    runs = (
        WorkshopRun.objects.filter(workshop__edition__in=editions)
        .select_related("workshop", "block__session", "room")
        .order_by(
            "workshop__edition_id", "block__session__starts_at", "workshop__title"
        )
    )
    return [
        {
            "edition_id": run.workshop.edition_id,
            "run_id": run.pk,
            "label": str(run) + (f", {run.room.name}" if run.room else ""),
        }
        for run in runs
    ]


@receiver(collect_message_recipients, dispatch_uid="workshops_message_recipients")
def message_recipients(sender, edition, audience, run_id, **kwargs) -> dict:
    """A run's attendees and its workshop's facilitators (``workshop_run``), or the
    facilitators of every published workshop of the edition (``speakers``)."""
    if audience == "workshop_run":
        run = (
            WorkshopRun.objects.filter(pk=run_id, workshop__edition=edition)
            .values("workshop_id")
            .first()
        )
        if run is None:
            return {}
        return {
            "registration_ids": set(
                WorkshopChoice.objects.filter(run_id=run_id).values_list(
                    "registration_id", flat=True
                )
            ),
            "speaker_user_ids": set(
                Workshop.facilitators.through.objects.filter(
                    workshop_id=run["workshop_id"], speaker__user__isnull=False
                ).values_list("speaker__user_id", flat=True)
            ),
        }
    if audience == "speakers":
        return {
            "speaker_user_ids": set(
                Workshop.facilitators.through.objects.filter(
                    workshop__edition=edition,
                    workshop__published=True,
                    speaker__user__isnull=False,
                ).values_list("speaker__user_id", flat=True)
            )
        }
    return {}


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
