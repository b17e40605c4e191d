"""Receivers for the signals of the lower apps; connected in WorkshopsConfig.ready()."""

from django.dispatch import receiver
from django.utils import timezone

from delegates.models import Registration
from delegates.signals import (
    collect_agenda_items,
    registration_change_prepare,
    registration_status_changed,
    registration_substituted,
)
from events.signals import edition_duplicated, edition_rooms_moved
from socex.db import compiled_query

from . import services
from .models import WorkshopChoice, WorkshopRun
from .selectors import confirmation_is_late, is_eligible

# The key this app keeps in a registration change's ``prepared``: whether a delegate
# confirmed now would get a late-choice window.
LATE_WINDOW_DUE = "workshops.late_window_due"


@compiled_query(warm=[{"edition_id": 0}])
def _published_run(*, edition_id):
    return WorkshopRun.objects.filter(
        workshop__edition_id=edition_id, workshop__published=True
    ).values("pk")[:1]


def _late_window_due(edition) -> bool:
    """The edition offers published workshops and a confirmation now is late (after
    the choice deadline or a published allocation). The first question is asked of
    every registration (``on_registration_change_prepare``): compiled once."""
    if not _published_run(edition_id=edition.pk):
        return False
    return confirmation_is_late(edition)


@receiver(registration_change_prepare, dispatch_uid="workshops_change_prepare")
def on_registration_change_prepare(sender, edition, prepared, **kwargs):
    """Before the edition lock: whether a confirmation would open a window (read
    here so the locked part of a registration runs no workshop query)."""
    prepared[LATE_WINDOW_DUE] = _late_window_due(edition)


@receiver(registration_status_changed, dispatch_uid="workshops_status_changed")
def on_registration_status_changed(
    sender, registration, from_status, to_status, prepared=None, **kwargs
):
    """A registration that is no longer confirmed frees its seats (same transaction);
    one confirmed late gets a 72-hour window to choose from the places left. A new
    registration (no ``from_status``) holds no seats: nothing to look up. A place
    passed to a colleague is left to ``on_registration_substituted``."""
    if to_status == Registration.Status.SUBSTITUTED:
        return
    if to_status != Registration.Status.CONFIRMED:
        if not from_status:
            return  # under the edition lock: not even a queryset to build
        held = WorkshopChoice.objects.filter(registration=registration)
        if held.exists():
            services.workshop_choices_release(
                registration=registration,
                reason=Registration.Status(to_status).label,
            )
        return
    if from_status == Registration.Status.CONFIRMED or not is_eligible(registration):
        return
    due = (prepared or {}).get(LATE_WINDOW_DUE)
    if due is None:
        due = _late_window_due(registration.edition)
    if due:
        services.choice_window_open(registration=registration)


@receiver(registration_substituted, dispatch_uid="workshops_substituted")
def on_registration_substituted(
    sender, registration, new_registration, pass_workshops, actor=None, **kwargs
):
    """The workshop places follow the delegate's choice: moved to the colleague (the
    same seats) or released for others; under the run locks, in the same
    transaction as the substitution."""
    if pass_workshops:
        services.workshop_choices_pass(
            registration=registration, to=new_registration, actor=actor
        )
    else:
        services.workshop_choices_release(
            registration=registration,
            actor=actor,
            reason=Registration.Status.SUBSTITUTED.label,
        )


@receiver(edition_rooms_moved, dispatch_uid="workshops_rooms_moved")
def on_edition_rooms_moved(sender, edition, room_map, actor=None, **kwargs) -> int:
    """An edition moved venue: its runs follow room by room, each held to the room
    rules (capacity, clashes); a refusal rolls the whole move back."""
    return services.workshop_runs_rooms_move(
        edition=edition, room_map=room_map, actor=actor
    )


@receiver(edition_duplicated, dispatch_uid="workshops_edition_duplicated")
def on_edition_duplicated(sender, source, copy, session_map, **kwargs):
    services.workshops_copy(source=source, copy=copy, session_map=session_map)


@receiver(collect_agenda_items, dispatch_uid="workshops_agenda_items")
def on_collect_agenda_items(sender, registration, **kwargs):
    """The registration's workshops as personal agenda items (.ics, dashboard)."""
    items = []
    venue = registration.edition.venue
    choices = WorkshopChoice.objects.filter(registration=registration).select_related(
        "run__workshop", "run__room", "block__session"
    )
    for choice in choices:
        run = choice.run
        items.append(
            {
                "starts_at": choice.block.session.starts_at,
                "ends_at": choice.block.session.ends_at,
                "title": f"Workshop: {run.workshop.title}",
                "location": ", ".join(
                    part
                    for part in (
                        run.room.name if run.room else "",
                        venue.name if venue else "",
                    )
                    if part
                ),
                "description": run.workshop.summary,
                "uid": f"workshop-run-{run.pk}-reg-{registration.pk}@socex",
                # A run changes with its own edits and its block's session's.
                "sequence": run.sequence + choice.block.session.sequence,
            }
        )
    items.sort(key=lambda item: item["starts_at"] or timezone.now())
    return items
