"""Seats: the locks and the counters every other service module takes seats through.

Each ``WorkshopRun`` carries a ``seats_taken`` counter. Services lock the
registration, then the runs they touch (``FOR NO KEY UPDATE``) in primary-key order,
check places left and only then write; the counter's check constraint refuses
overbooking even for code that forgets the lock. A delegate's save, which hundreds
run at once against the same popular runs, does all its other work first and locks,
counts and updates the runs in one statement just before the commit
(``seats_move``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import Case, F, When
from django.utils.translation import gettext as _

from delegates.models import Registration

from .. import selectors
from ..models import WorkshopRun


def lock_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update()
        .select_related("edition", "user")
        .get(pk=registration.pk)
    )


def lock_registration_for_choosing(registration: Registration) -> Registration:
    """Lock the registration, with what ``choice_state`` needs.

    A registration the caller loaded with ``registrations_for_choosing`` in this
    request keeps its edition, settings, window and user; only its status, which a
    cancellation (under this same lock) changes, is read again with the lock.
    """
    if hasattr(registration, "workshop_allocation_published"):
        status, category = (
            Registration.objects.select_for_update()
            .filter(pk=registration.pk)
            .values_list("status", "category")
            .get()
        )
        registration.status, registration.category = status, category
        return registration
    return (
        selectors.registrations_for_choosing()
        .select_for_update(of=("self",))
        .get(pk=registration.pk)
    )


def lock_runs(run_ids: Iterable[int]) -> dict[int, WorkshopRun]:
    """Lock runs in primary-key order (so two savers never deadlock).

    ``FOR NO KEY UPDATE``: enough to serialise the seat counters, and it does not
    wait for (or block) the key-share locks that inserting a choice takes on its run.
    """
    ids = sorted(set(run_ids))
    runs = (
        WorkshopRun.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .select_related("workshop", "block__session", "room")
        .order_by("pk")
    )
    return {run.pk: run for run in runs}


def seat_delta(run_ids: Iterable[int], delta: int) -> None:
    ids = list(run_ids)
    if not ids:
        return
    # No savepoint: callers are atomic and a refusal rolls the whole change back.
    try:
        WorkshopRun.objects.filter(pk__in=ids).update(
            seats_taken=F("seats_taken") + delta
        )
    except IntegrityError as exc:
        raise ValidationError(
            _("A workshop filled up meanwhile: nothing has changed.")
        ) from exc


_SEATS_MOVE_SQL = """
WITH locked AS (
    SELECT id, capacity, seats_taken FROM workshops_workshoprun
    WHERE id = ANY(%(changed)s::bigint[]) ORDER BY id FOR NO KEY UPDATE
), refused AS (
    SELECT id FROM locked
    WHERE id = ANY(%(added)s::bigint[]) AND seats_taken >= capacity
), moved AS (
    UPDATE workshops_workshoprun AS run
    SET seats_taken = run.seats_taken
        + CASE WHEN run.id = ANY(%(added)s::bigint[]) THEN 1 ELSE -1 END
    FROM locked
    WHERE run.id = locked.id AND NOT EXISTS (SELECT 1 FROM refused)
)
SELECT id FROM refused ORDER BY id
"""


def seats_move(*, added: Sequence[int], removed: Sequence[int]) -> list[int]:
    """Take a seat in each ``added`` run and free one in each ``removed`` run, under
    the runs' locks taken in primary-key order; returns the ``added`` runs that were
    full, in which case nothing changes.

    On PostgreSQL it is one statement (lock, count, write), so the locks are held for
    that statement and the commit only. The check constraint still refuses
    overbooking: that becomes the same friendly error.
    """
    changed = sorted({*added, *removed})
    if not changed:
        return []
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _SEATS_MOVE_SQL, {"changed": changed, "added": sorted(added)}
                )
                return [row[0] for row in cursor.fetchall()]
        locked = lock_runs(changed)
        full = [pk for pk in sorted(added) if locked[pk].is_full]
        if not full:
            WorkshopRun.objects.filter(pk__in=changed).update(
                seats_taken=F("seats_taken")
                + Case(When(pk__in=list(added), then=1), default=-1)
            )
        return full
    except IntegrityError as exc:
        raise ValidationError(
            _("A workshop filled up meanwhile: nothing has changed.")
        ) from exc
