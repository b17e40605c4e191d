"""What organisers change by hand: runs (added, moved, resized, deleted) and where a
delegate sits. Every change is made under the run's lock; capacity changes and moves
are audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegates.badges.services import badge_schedule_render
from events.models import Room

from ..models import (
    TimeBlock,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopRun,
)
from .common import audit_record, run_label
from .seats import lock_registration, lock_runs, seat_delta


def workshop_run_capacity_validate(*, run: WorkshopRun, capacity: int | None) -> None:
    """Refuse a ``capacity`` below the seats already taken in ``run``.

    The one statement of the rule: the services check it under the run's lock, and
    admin forms call it to show the same words as a form error before saving.
    """
    if capacity is None or run.pk is None or capacity >= run.seats_taken:
        return
    raise ValidationError(
        _(
            "%(taken)s people already hold a seat in this run, %(run)s, so the "
            "capacity cannot go below %(taken)s. Move delegates to another run first."
        )
        % {"taken": run.seats_taken, "run": run_label(run)},
        code="capacity_below_seats_taken",
    )


def _capacity_audit(*, run: WorkshopRun, old: int, actor) -> None:
    audit_record(
        edition=run.workshop.edition,
        action=WorkshopAuditEntry.Action.CAPACITY,
        detail=_("Capacity of %(run)s changed from %(old)s to %(new)s")
        % {"run": run_label(run), "old": old, "new": run.capacity},
        actor=actor,
        run=run,
    )


@transaction.atomic
def workshop_run_capacity_set(
    *, run: WorkshopRun, capacity: int, actor=None
) -> WorkshopRun:
    """Change a run's capacity, never below the seats already taken nor above its
    room's seats (unless the run is marked ``over_room_capacity``); audited."""
    run = lock_runs([run.pk])[run.pk]
    workshop_run_capacity_validate(run=run, capacity=capacity)
    old = run.capacity
    if old == capacity:
        return run
    run.capacity = capacity
    problem = run.room_problems().get("capacity")
    if problem:
        raise ValidationError({"capacity": problem})
    run.save(update_fields=["capacity"])
    _capacity_audit(run=run, old=old, actor=actor)
    return run


@transaction.atomic
def workshop_run_create(
    *,
    workshop: Workshop,
    block: TimeBlock,
    room: Room | None = None,
    capacity: int | None = None,
    over_room_capacity: bool = False,
) -> WorkshopRun:
    """Add a run of ``workshop`` in ``block``, in ``room``, for ``capacity`` people
    (the room's capacity when None).

    Validated by the model: a block and a room of the workshop's conference, a
    capacity or a room, one run per block, the room free at the block's time and
    seating the capacity (unless ``over_room_capacity``). Nobody holds a seat in it
    yet; no audit entry, no email.
    """
    run = WorkshopRun(
        workshop=workshop,
        block=block,
        room=room,
        capacity=capacity,
        over_room_capacity=over_room_capacity,
    )
    run.full_clean()
    run.save()
    return run


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# For ``workshop_run_update(room=...)``, where None means "no room".
UNCHANGED = _Unchanged()


@transaction.atomic
def workshop_run_update(
    *,
    run: WorkshopRun,
    block: TimeBlock | None = None,
    room: Room | None | _Unchanged = UNCHANGED,
    capacity: int | None = None,
    over_room_capacity: bool | None = None,
    actor=None,
) -> WorkshopRun:
    """Move a run to ``block`` and ``room`` and set its ``capacity``, under the run's
    lock; all or nothing. What is not given (None, or ``UNCHANGED`` for the room)
    keeps its stored value, so a concurrent change to it is not overwritten.

    Validated by the model (a run with seats stays in its block, a room at the
    conference's venue, free at that time and seating the capacity unless
    ``over_room_capacity``) and by the capacity rule. A capacity change is audited, as
    ``workshop_run_capacity_set`` does; seats and choices are not touched.
    """
    locked = lock_runs([run.pk])[run.pk]
    workshop_run_capacity_validate(run=locked, capacity=capacity)
    old = locked.capacity
    if block is not None:
        locked.block = block
    if room is not UNCHANGED:
        locked.room = room
    if capacity is not None:
        locked.capacity = capacity
    if over_room_capacity is not None:
        locked.over_room_capacity = over_room_capacity
    locked.full_clean()
    locked.save(update_fields=["block", "room", "capacity", "over_room_capacity"])
    if locked.capacity != old:
        _capacity_audit(run=locked, old=old, actor=actor)
    return locked


@transaction.atomic
def workshop_runs_rooms_move(*, edition, room_map: dict, actor=None) -> int:
    """Move the edition's runs from each old room of ``room_map`` to its new room
    (or none), under the runs' locks, each validated by the model's room rules
    (at the venue, seats for its capacity, free at its time); all or nothing, a
    refusal names the run. Seats and choices are not touched. Returns the count."""
    ids = list(
        WorkshopRun.objects.filter(
            workshop__edition=edition, room_id__in=list(room_map)
        ).values_list("pk", flat=True)
    )
    runs = lock_runs(ids)
    for run in sorted(runs.values(), key=lambda r: (r.block.session.starts_at, r.pk)):
        run.room = room_map[run.room_id]
        try:
            run.full_clean()
        except ValidationError as error:
            raise ValidationError(
                _("%(run)s: %(error)s")
                % {"run": run_label(run), "error": " ".join(error.messages)}
            ) from error
        run.save(update_fields=["room"])
    return len(runs)


def workshop_run_delete_validate(*, run: WorkshopRun) -> None:
    """Refuse to delete a run while delegates hold seats in it; the one statement of
    the rule (the service checks it under the run's lock, the admin before saving)."""
    if run.seats_taken:
        raise ValidationError(
            _("%(run)s still has delegates: move them first.") % {"run": run},
            code="run_has_delegates",
        )


@transaction.atomic
def workshop_run_delete(*, run: WorkshopRun) -> None:
    """Delete a run nobody holds a seat in, with its sign-in sheet and its places in
    draft allocations; refused while delegates hold seats. Not audited (the audit
    entries that name the run keep their text)."""
    locked = lock_runs([run.pk]).get(run.pk)
    if locked is None:
        return
    workshop_run_delete_validate(run=locked)
    locked.delete()


@transaction.atomic
def workshop_choice_move(
    *, choice: WorkshopChoice, to_run: WorkshopRun, actor=None, reason: str = ""
) -> WorkshopChoice:
    """Move a delegate from one run to another within capacity; audited. The
    delegate's badge is rendered again after commit and emailed to them, as what is
    printed on it changed."""
    registration = lock_registration(choice.registration)
    choice = (
        WorkshopChoice.objects.select_related("run__workshop")
        .filter(pk=choice.pk, registration=registration)
        .first()
    )
    if choice is None:
        raise ValidationError(_("That choice no longer exists."))
    if to_run.pk == choice.run_id:
        raise ValidationError(_("The delegate is already in that workshop."))
    locked = lock_runs([choice.run_id, to_run.pk])
    source, target = locked[choice.run_id], locked.get(to_run.pk)
    if target is None or target.workshop.edition_id != registration.edition_id:
        raise ValidationError(_("Choose a workshop of the same conference."))
    others = WorkshopChoice.objects.filter(registration=registration).exclude(
        pk=choice.pk
    )
    if others.filter(block_id=target.block_id).exists():
        raise ValidationError(
            _("The delegate already has a workshop in %(block)s.")
            % {"block": target.block.name}
        )
    if others.filter(workshop_id=target.workshop_id).exists():
        raise ValidationError(
            _("The delegate already attends “%(title)s” in another block.")
            % {"title": target.workshop.title}
        )
    if target.is_full:
        raise ValidationError(
            _("%(run)s is full: raise its capacity first.") % {"run": run_label(target)}
        )
    seat_delta([source.pk], -1)
    seat_delta([target.pk], +1)
    choice.run = target
    choice.block_id = target.block_id
    choice.workshop_id = target.workshop_id
    choice.source = WorkshopChoice.Source.ORGANISER
    choice.save(update_fields=["run", "block", "workshop", "source"])
    audit_record(
        edition=registration.edition,
        action=WorkshopAuditEntry.Action.MOVE,
        detail=_("%(who)s moved from %(src)s to %(dst)s. %(reason)s")
        % {
            "who": registration.reference,
            "src": run_label(source),
            "dst": run_label(target),
            "reason": reason,
        },
        actor=actor,
        registration=registration,
        run=target,
    )
    badge_schedule_render(registration=registration, notify=True)
    return choice
