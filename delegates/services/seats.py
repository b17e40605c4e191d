"""Locks and counters: the edition row, then its ``EditionSeats`` row.

Any change that may confirm or free a delegate place takes these locks first, always
in this order (so two transactions never deadlock), re-reads the state under the
lock, and keeps ``EditionSeats.confirmed`` in step; the seats row's check constraint
is the database's last word on overbooking.

The lock serialises every change of an edition's registrations, so it is taken late,
after everything that can be done without it (checks, rendering the emails), and is
held only for the statements that must see and write the locked state. With the
setting ``LOCK_TIMING_LOG`` (a file path; the burst benchmark's settings only), the
time from taking the lock to the commit is appended to that file, one line in
milliseconds per transaction.
"""

import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from events.models import Edition

from ..models import EditionSeats, Registration

Status = Registration.Status
Category = Registration.Category


def _lock_edition(edition_id: int) -> tuple[Edition, EditionSeats]:
    """Lock the edition, then its seats row (created on first use); sync capacity.

    Two statements on purpose: a row joined into the locking query would be read
    from the snapshot taken before the lock was granted, i.e. possibly stale.
    """
    edition = (
        Edition.objects.select_for_update(no_key=True, of=("self",))
        .select_related("series", "venue")
        .get(pk=edition_id)
    )
    _time_until_commit(time.perf_counter())
    seats = EditionSeats.objects.select_for_update().filter(edition=edition).first()
    if seats is None:
        # Count what is there (e.g. rows loaded in bulk) so the counter starts true.
        confirmed = Registration.objects.filter(
            edition=edition, category=Category.DELEGATE, status=Status.CONFIRMED
        ).count()
        last = Registration.objects.filter(edition=edition).aggregate(n=Max("number"))
        seats = EditionSeats.objects.create(
            edition=edition,
            capacity=max(edition.capacity, confirmed),
            confirmed=confirmed,
            last_number=last["n"] or 0,
        )
    # A capacity lowered below the confirmed count admits nobody until places free
    # up; the confirmed delegates keep their places.
    capacity = max(edition.capacity, seats.confirmed)
    seats.capacity_synced = seats.capacity != capacity
    if seats.capacity_synced:
        seats.capacity = capacity
        seats.save(update_fields=["capacity"])
    seats.places = max(edition.capacity - seats.confirmed, 0)
    return edition, seats


def _time_until_commit(locked_at: float) -> None:
    path = getattr(settings, "LOCK_TIMING_LOG", "")
    if not path:
        return

    def record() -> None:
        held = (time.perf_counter() - locked_at) * 1000
        with open(path, "a", encoding="ascii") as log:
            log.write(f"{held:.3f}\n")

    transaction.on_commit(record)


def _places_now(edition: Edition) -> tuple[int, bool]:
    """The free delegate places as last committed, and whether the seats row's
    capacity is out of step with the edition's (the next lock will promote), read
    without a lock: enough to guess which emails a change will send, never to
    decide one."""
    row = (
        EditionSeats.objects.filter(edition=edition)
        .values_list("confirmed", "capacity")
        .first()
    )
    if row is None:
        confirmed = Registration.objects.filter(
            edition=edition, category=Category.DELEGATE, status=Status.CONFIRMED
        ).count()
        row = (confirmed, max(edition.capacity, confirmed))
    confirmed, capacity = row
    return max(edition.capacity - confirmed, 0), capacity != max(
        edition.capacity, confirmed
    )


def _lock_registration(
    registration: Registration,
) -> tuple[Registration, Edition, EditionSeats]:
    """Lock the edition and its seats row, then the registration (re-read)."""
    edition, seats = _lock_edition(registration.edition_id)
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=registration.pk)
    )
    locked.edition = edition
    return locked, edition, seats
