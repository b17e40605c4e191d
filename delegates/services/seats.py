"""Locks and counters: the edition row, then its ``EditionSeats`` row.

Any change that may confirm or free a delegate place takes these locks first, always
in this order (so two transactions never deadlock), re-reads the state under the
lock, and keeps ``EditionSeats.confirmed`` in step; the seats row's check constraint
is the database's last word on overbooking.

A new registration locks only the seats row, in the one statement that gives it a
number and a place and writes its row (``_take_place_sql``); every other change
takes both locks. The lock serialises every change of an edition's registrations,
so it is taken late, after everything that can be done without it (checks,
rendering the emails, building the SQL), and is held only for the statements that
must see and write the locked state. With the
setting ``LOCK_TIMING_LOG`` (a file path; the burst benchmark's settings only), the
time from taking the lock to the commit is appended to that file, one line in
milliseconds per transaction: for ``_take_place_sql``, from the moment PostgreSQL
granted the row lock (the statement returns ``clock_timestamp()`` read right after
it, which is compared with this host's clock once the commit returned, so the
database must run on the same host); for ``_lock_edition``, from just before its
locking statement is sent (its wait for the lock included, so an upper bound).
"""

import time
from typing import NamedTuple

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
    from the snapshot taken before the lock was granted, i.e. possibly stale. The
    lock is timed from before the first is sent: a SELECT ... FOR UPDATE evaluates
    its columns before it waits for the lock, so it cannot report when it got it.
    """
    asked_at = time.time()
    edition = (
        Edition.objects.select_for_update(no_key=True, of=("self",))
        .select_related("series", "venue")
        .get(pk=edition_id)
    )
    _time_until_commit(asked_at)
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


class SeatsNow(NamedTuple):
    """An edition's seats as last committed, read without a lock."""

    places: int  # free delegate places
    out_of_step: bool  # the seats row's capacity differs from the edition's
    exists: bool  # the seats row exists


# One statement takes the seats row's lock, reads it as the lock leaves it (the CTE's
# FOR UPDATE sees the newest committed version; the UPDATE, re-checking that row,
# writes from it), hands out the next number and, when asked and free, a place, and
# runs the writes that depend on them (the new registration's rows). ``granted`` reads
# the clock once ``locked`` has its row, i.e. the lock: the time the lock is held is
# counted from there (``_time_until_commit``) and the new status is stamped with it.
_TAKE_PLACE_SQL = """
WITH locked AS MATERIALIZED (
    SELECT edition_id, confirmed FROM delegates_editionseats
    WHERE edition_id = %s FOR UPDATE
), granted AS MATERIALIZED (
    SELECT edition_id, confirmed, clock_timestamp() AS granted_at FROM locked
), taken AS (
    UPDATE delegates_editionseats AS seats
    SET last_number = seats.last_number + 1,
        confirmed = seats.confirmed
            + CASE WHEN %s AND seats.confirmed < seats.capacity THEN 1 ELSE 0 END
    FROM granted
    WHERE seats.edition_id = granted.edition_id
    RETURNING seats.last_number AS number,
        seats.confirmed > granted.confirmed AS seated, granted.granted_at
){writes}
SELECT number, seated, granted_at{returning} FROM taken
"""


def _take_place_sql(
    edition_id: int,
    *,
    seat: bool,
    writes: dict[str, tuple[str, list]],
    returning: list[str] = (),
) -> tuple[str, list]:
    """PostgreSQL: the statement that locks the edition's seats row (only it: not
    the edition row), hands out the next registration number and, with ``seat``,
    a confirmed place if one is free, and runs ``writes`` (data-modifying
    statements by CTE name, in order, each reading ``taken``: number, seated,
    granted_at, or what an earlier one returns). It returns that row (then the
    SQL expressions ``returning``, e.g. the ids written), or none when
    the edition has no seats row yet (the caller takes ``_lock_edition`` instead;
    ``writes`` then wrote nothing).

    For a new registration only, whose checks were made before on the edition as
    committed: a change to the edition committed meanwhile is ordered after it.
    Every other change locks the edition first, then this row, so the two never
    deadlock. The capacity is the seats row's, which only holders of the edition
    lock change (and promote from the waiting list as they do), so a place free
    here is never owed to someone waiting. ``writes`` run with the statement's
    snapshot, taken before the lock was granted: they may write, not read.
    """
    params = [edition_id, seat]
    ctes = ""
    for name, (sql, write_params) in writes.items():
        ctes += f", {name} AS ({sql})"
        params += write_params
    extra = "".join(f", {expression}" for expression in returning)
    return _TAKE_PLACE_SQL.format(writes=ctes, returning=extra), params


def _take_place(edition_id: int, *, seat: bool) -> tuple[int, bool] | None:
    """Elsewhere than PostgreSQL (SQLite: one writer at a time): lock the seats
    row, hand out the next number and, with ``seat``, a free place, in two
    statements; the caller writes the registration. Returns (number, seated), or
    None when the edition has no seats row yet."""
    asked_at = time.time()
    seats = EditionSeats.objects.select_for_update().filter(pk=edition_id).first()
    if seats is None:
        return None
    _time_until_commit(asked_at)
    seated = seat and seats.confirmed < seats.capacity
    seats.last_number += 1
    seats.confirmed += seated
    seats.save(update_fields=["confirmed", "last_number"])
    return seats.last_number, seated


def _time_until_commit(locked_at: float) -> None:
    """With ``LOCK_TIMING_LOG``, log after the commit how long the lock taken at
    ``locked_at`` (seconds since the epoch, this host's clock) was held."""
    path = getattr(settings, "LOCK_TIMING_LOG", "")
    if not path:
        return

    def record() -> None:
        held = (time.time() - locked_at) * 1000
        with open(path, "a", encoding="ascii") as log:
            log.write(f"{held:.3f}\n")

    transaction.on_commit(record)


def _places_now(edition: Edition, *, row: tuple[int, int] | None = None) -> SeatsNow:
    """The free delegate places as last committed, whether the seats row's
    capacity is out of step with the edition's (the next lock will promote), and
    whether the row exists, read without a lock: enough to guess which emails a
    change will send and which lock it needs, never to decide one. ``row``: the
    seats row's (confirmed, capacity) when the caller has read it already."""
    if row is None:
        row = (
            EditionSeats.objects.filter(edition=edition)
            .values_list("confirmed", "capacity")
            .first()
        )
    exists = row is not None
    if row is None:
        confirmed = Registration.objects.filter(
            edition=edition, category=Category.DELEGATE, status=Status.CONFIRMED
        ).count()
        row = (confirmed, max(edition.capacity, confirmed))
    confirmed, capacity = row
    return SeatsNow(
        places=max(edition.capacity - confirmed, 0),
        out_of_step=capacity != max(edition.capacity, confirmed),
        exists=exists,
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
