"""The one place a registration's status changes, and the waiting list moves."""

import contextlib

from django.db import connection
from django.utils import timezone

from events.models import Edition
from socex.tasks import tasks_together

from .. import selectors, signals
from ..badges.services import badge_schedule_render
from ..models import EditionSeats, Registration, RegistrationStatusChange, User
from .emails import (
    PROMOTED,
    PROMOTION_REASON,
    STATUS_EMAILS,
    EmailDrafts,
    _queue_status_email,
)

Status = Registration.Status
Category = Registration.Category


def _transition(
    registration: Registration,
    seats: EditionSeats | None,
    *,
    to_status: str,
    actor: User | None,
    reason: str = "",
    from_status: str | None = None,
    template: str | None = None,
    save_seats: bool = False,
    drafts: EmailDrafts | None = None,
    prepared: dict | None = None,
) -> Registration:
    """Move a locked (or new) registration to ``to_status``, in the caller's
    transaction. Every status change in SOCEX passes here; its effects are:

    In delegates:
    - ``EditionSeats.confirmed`` follows a delegate entering or leaving
      ``confirmed`` (``seats`` None: the caller's statement already counted this
      change, as ``seats._take_place`` does); the status's timestamp (and a
      decline's reason) is set.
    - A ``RegistrationStatusChange`` records who, when, from, to and why.
    - The delegate's email for the new status is queued (``STATUS_EMAILS``, or
      ``template``); a confirmation carries the event's calendar file. It comes
      from ``drafts``, rendered before the lock, when one fits.
    - To ``confirmed``, the badge row (and its check-in token) is made and the
      badge rendered after commit (``badges.services.badge_schedule_render``).
    - The history row, the badge row and the email's row reach the database in
      one round trip; the badge's render and the email's delivery leave after
      commit as one task message (``socex.tasks.tasks_together``). (A new
      registration on PostgreSQL takes ``admission.registration_admit`` instead,
      with the same effects.)

    Through ``signals.registration_status_changed`` (same transaction):
    - ``delegates.badges.receivers``: from ``confirmed`` to anything else, the
      check-in is undone.
    - ``workshops.receivers``: to any other status, the workshop seats held are
      released (an audit entry; the late-choice window closes); to ``confirmed``
      after the choice deadline or a published allocation, a 72-hour late-choice
      window opens and the delegate is emailed about it. What it learnt before the
      lock (``signals.registration_change_prepare``) comes back in ``prepared``.
    """
    if from_status is None:
        from_status = registration.status
    now = timezone.now()
    if seats is not None and registration.category == Category.DELEGATE:
        if from_status == Status.CONFIRMED and to_status != Status.CONFIRMED:
            seats.confirmed -= 1
            seats.places += 1
            save_seats = True
        elif to_status == Status.CONFIRMED and from_status != Status.CONFIRMED:
            seats.confirmed += 1
            seats.places -= 1
            save_seats = True
    if save_seats and seats is not None:
        seats.save(update_fields=["confirmed", "last_number"])
    _stamp(registration, to_status=to_status, at=now, reason=reason)
    registration.save()
    with _one_round_trip(), tasks_together():
        # The history row's id is never read, so it is written without RETURNING
        # (ignore_conflicts: the table's only unique key is its serial id) and goes
        # to the server with the email's row, whose id is the first answer awaited.
        RegistrationStatusChange.objects.bulk_create(
            [
                _history_row(
                    registration,
                    from_status=from_status,
                    to_status=to_status,
                    actor=actor,
                    reason=reason,
                )
            ],
            ignore_conflicts=True,
        )
        # Also an INSERT whose answer is not read (ON CONFLICT DO NOTHING).
        badge_schedule_render(registration=registration)
        # Each change queues its own email, so no idempotency key is needed.
        _queue_status_email(
            registration,
            template=template or STATUS_EMAILS[to_status],
            key=None,
            reason=reason,
            drafts=drafts,
        )
    signals.registration_status_changed.send(
        sender=Registration,
        registration=registration,
        from_status=from_status,
        to_status=to_status,
        prepared=prepared or {},
    )
    return registration


def _stamp(registration: Registration, *, to_status: str, at, reason: str) -> None:
    """Set the status, its timestamp (``at``) and a decline's reason."""
    registration.status = to_status
    if to_status == Status.CONFIRMED:
        registration.confirmed_at = at
    elif to_status == Status.WAITLISTED:
        registration.waitlisted_at = at
    elif to_status == Status.CANCELLED:
        registration.cancelled_at = at
    if to_status == Status.DECLINED:
        registration.decline_reason = reason


def _history_row(
    registration: Registration,
    *,
    from_status: str,
    to_status: str,
    actor: User | None,
    reason: str,
) -> RegistrationStatusChange:
    """The unsaved history entry of a status change."""
    return RegistrationStatusChange(
        registration=registration,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )


@contextlib.contextmanager
def _one_round_trip():
    """On PostgreSQL, send the block's statements without waiting for each answer
    (psycopg's pipeline mode): the first result read waits for all before it, the
    end of the block for the rest. Only for statements whose row count nobody
    reads: an UPDATE's reads -1 in a pipeline (so never a model's save())."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def _promote(
    edition: Edition,
    seats: EditionSeats,
    *,
    actor: User | None = None,
    exclude: Registration | None = None,
    drafts: EmailDrafts | None = None,
) -> list[Registration]:
    """Confirm waitlisted delegates, first in line first, while places remain (each
    with the effects of ``_transition`` and the ``registration_promoted`` email,
    drafted by ``EmailDrafts.add_promotions`` before the lock)."""
    if seats.places <= 0:
        return []
    queue = selectors.waitlist_queue(edition=edition).select_related("user__profile")
    if exclude is not None:
        queue = queue.exclude(pk=exclude.pk)
    promoted = []
    for registration in queue.select_for_update(of=("self",))[: seats.places]:
        registration.edition = edition
        promoted.append(
            _transition(
                registration,
                seats,
                to_status=Status.CONFIRMED,
                actor=actor,
                reason=str(PROMOTION_REASON),
                template=PROMOTED,
                drafts=drafts,
            )
        )
    return promoted
