"""A new registration written by the statement that takes its place (PostgreSQL).

The seats lock serialises every new registration of an edition, so it covers SQL and
almost nothing else. Before the lock, everything a registration writes is built as
SQL, for each outcome the lock may decide (a place or none), and goes into the
statement that takes the lock (``seats._take_place_sql``): the registration's row,
then its history, badge and email rows, each the variant its status calls for
(``socex.db.insert_select``). Under the lock Python only reads the outcome, notes
what runs after commit and sends ``registration_status_changed``; then COMMIT.

The email rows' slots (the reference, a waiting-list position) are filled in by the
database (``EmailDraft.filled_sql``). A waiting-list email is written by a second
statement, sent with the first in one round trip: it counts the queue as it stands
once the lock is held (a statement's snapshot is taken when it starts: the locking
statement's, before the lock).
"""

import datetime as dt

from django.db import connection
from django.db.models.expressions import RawSQL

from events.models import Edition
from socex.db import compiled_query, insert_select
from socex.mail.models import OutboxEmail
from socex.mail.services import email_deliver_after_commit, email_message_new
from socex.tasks import tasks_together

from .. import selectors, signals
from ..badges.services import badge_new, badge_render_after_commit
from ..models import Registration, User
from .emails import STATUS_EMAILS, EmailDrafts, _queue_status_email
from .seats import _take_place_sql, _time_until_commit
from .transitions import _history_row, _one_round_trip, _stamp

Status = Registration.Status

# A registration's number in its reference: at least this many digits.
REFERENCE_DIGITS = 4


def reference_of(edition: Edition, number: int) -> str:
    """The registration's reference, e.g. ECC26-0042."""
    return f"{_reference_prefix(edition)}{number:0{REFERENCE_DIGITS}d}"


def _reference_prefix(edition: Edition) -> str:
    return f"{edition.series.code}{edition.year % 100:02d}-"


def _reference_sql(edition: Edition, number: str) -> RawSQL:
    """``reference_of`` in SQL, for the number named by ``number`` (a column name
    of this module's, never input; the prefix is a parameter)."""
    return RawSQL(  # nosec B611  constant SQL, the prefix a parameter
        f"%s || CASE WHEN {number} < 1{'0' * REFERENCE_DIGITS} "
        f"THEN lpad({number}::text, {REFERENCE_DIGITS}, '0') "
        f"ELSE {number}::text END",
        [_reference_prefix(edition)],
    )


def registration_admit(
    *,
    edition: Edition,
    user: User,
    category: str,
    statuses: dict[bool, str],
    actor: User,
    reason: str,
    now: dt.datetime,
    drafts: EmailDrafts,
    prepared: dict,
) -> Registration | None:
    """Register ``user`` (checked, with no registration for ``edition``) on an
    edition that has its seats row, asking for a place when ``statuses`` (the new
    status, by whether a place was free) has one for ``True``. Returns the new
    registration (waitlisted: with ``admitted_position``, the place in the queue
    its email states), or None when the edition has no seats row (nothing
    written; the caller takes the edition lock). Called inside the caller's
    transaction.

    Effects: those of ``transitions._transition`` for a new registration: the
    seats row counts the number and place; the registration, its history row, the
    badge row (confirmed) and the status email's row (from ``drafts``; a status
    nobody drafted is rendered under the lock, and logged) are written; the email
    is delivered and the badge rendered after commit (one task message,
    ``socex.tasks.tasks_together``); then
    ``signals.registration_status_changed`` (with ``prepared``). No model signal
    is sent for these rows (they are written as ``bulk_create`` writes).
    """
    variants: dict[bool, Registration] = {}
    for seated, status in statuses.items():
        registration = Registration(
            edition=edition,
            user=user,
            category=category,
            number=RawSQL("taken.number", []),
            reference=_reference_sql(edition, "taken.number"),
            consent_terms=True,
            consented_at=now,
        )
        _stamp(
            registration,
            to_status=status,
            at=RawSQL("taken.granted_at", []),
            reason=reason,
        )
        variants[seated] = registration
    by_status = {variant.status: variant for variant in variants.values()}

    # The registration's row, then the rows that read it (``r``: as the statement
    # writes it, its id the database's) in the same statement; the waiting-list
    # email, which counts the queue as the lock leaves it, in the next one.
    registration_sql, registration_params = insert_select(
        variants, source=("taken", []), choose="taken.seated"
    )
    writes = {
        "registration": (
            f"{registration_sql} RETURNING id, status, reference, waitlisted_at",
            registration_params,
        )
    }
    new_row = ("registration AS r", [])
    history = {}
    for status, registration in by_status.items():
        history[status] = _history_row(
            registration, from_status="", to_status=status, actor=actor, reason=reason
        )
        history[status].registration_id = RawSQL("r.id", [])
    writes["history"] = insert_select(history, source=new_row, choose="r.status")
    if Status.CONFIRMED in by_status:
        badge = badge_new(by_status[Status.CONFIRMED], with_qr=False)
        badge.registration_id = RawSQL("r.id", [])
        writes["badge"] = insert_select(
            {Status.CONFIRMED: badge},
            source=new_row,
            choose="r.status",
            # Should the random key ever clash, there is no badge row yet: the
            # render task skips and the badge sweep makes it.
            ignore_conflicts=True,
        )
    after = None
    emails = _email_rows(by_status, drafts=drafts, reason=reason)
    if Status.WAITLISTED in emails:
        # One registration per edition and person: the row the first statement
        # wrote (were another committed meanwhile, the first fails on that key and
        # the round trip stops there), with its place in the queue.
        queued_sql, queued_params = _with_position(
            edition, ("delegates_registration AS r", [])
        )
        email_sql, email_params = insert_select(
            emails, source=("queued AS r", []), choose="r.status"
        )
        after = (
            # SQL of this module's; every value a parameter.
            f"WITH queued AS (SELECT r.*, waiting.position FROM {queued_sql} "  # nosec B608
            "WHERE r.edition_id = %s AND r.user_id = %s), "
            f"email AS ({email_sql} RETURNING id) "
            "SELECT (SELECT id FROM email), (SELECT position FROM queued)",
            [*queued_params, edition.pk, user.pk, *email_params],
        )
    elif emails:
        email_sql, email_params = insert_select(
            emails, source=new_row, choose="r.status"
        )
        writes["email"] = (f"{email_sql} RETURNING id", email_params)
    taking_sql, taking_params = _take_place_sql(
        edition.pk,
        seat=True in statuses,
        writes=writes,
        returning=["(SELECT id FROM registration)"]
        + (["(SELECT id FROM email)"] if "email" in writes else []),
    )
    connection.ensure_connection()
    with connection.cursor() as taking, connection.cursor() as emailing:
        # Django's error classes (an IntegrityError for a second submission of
        # the same person), which pipeline mode raises only at its end.
        with connection.wrap_database_errors, _one_round_trip():
            taking.execute(taking_sql, taking_params)
            if after is not None:
                emailing.execute(*after)
        taken = taking.fetchone()
        if taken is None:
            return None
        number, seated, granted_at, pk, *written = taken
        position = None
        if after is not None:
            email_pk, position = emailing.fetchone()
            written = [email_pk]
    # The email's id, when the outcome's email was drafted (written).
    email_id = next((pk for pk in written if pk is not None), None)
    _time_until_commit(granted_at.timestamp())

    registration = variants[seated]
    registration.pk = pk
    registration.number = number
    registration.reference = reference_of(edition, number)
    _stamp(registration, to_status=registration.status, at=granted_at, reason=reason)
    registration._state.adding = False
    registration._state.db = connection.alias
    if registration.status == Status.WAITLISTED:
        # The place in the queue its email states, for the page that answers.
        registration.admitted_position = position
    # One publish after commit: the email's delivery, then the badge's render.
    with tasks_together():
        if email_id is not None:
            email_deliver_after_commit(email_id=email_id)
        else:
            _queue_status_email(
                registration,
                template=STATUS_EMAILS[registration.status],
                key=None,
                reason=reason,
                drafts=drafts,
            )
        if registration.status == Status.CONFIRMED:
            badge_render_after_commit(registration_id=registration.pk)
    signals.registration_status_changed.send(
        sender=Registration,
        registration=registration,
        from_status="",
        to_status=registration.status,
        prepared=prepared,
    )
    return registration


def _email_rows(
    by_status: dict[str, Registration], *, drafts: EmailDrafts, reason: str
) -> dict[str, OutboxEmail]:
    """The status email's row for each status drafted, its slots filled in by the
    statement that writes it (the reference from the new row, ``r``; the
    position from ``_with_position``)."""
    rows = {}
    for status, registration in by_status.items():
        draft = drafts.take(registration, template=STATUS_EMAILS[status], reason=reason)
        if draft is None:
            continue
        row = email_message_new(
            to=draft.to, template=draft.template, subject="", body_text=""
        )
        filled = draft.filled_sql(reference="r.reference", position="r.position")
        for name, value in filled.items():
            setattr(row, name, value)
        rows[status] = row
    return rows


@compiled_query(warm=[{"edition_id": 0}])
def _waitlist_queue(*, edition_id):
    return selectors.waitlist_queue(edition=edition_id).values("id", "waitlisted_at")


def _with_position(edition: Edition, source: tuple[str, list]) -> tuple[str, list]:
    """``source`` (the new row ``r``, as committed to this transaction) with its
    waiting-list position as ``waiting.position``: the rows of the queue
    (``selectors.waitlist_queue``) up to and including ``r``, in its order, i.e.
    ``selectors.waitlist_position``."""
    queue, params = _waitlist_queue.sql_with_params(edition_id=edition.pk)
    return (
        # SQL of this module's and Django's compiled queryset; values: parameters.
        f"{source[0]} CROSS JOIN LATERAL (SELECT count(*) AS position FROM "  # nosec B608
        f"({queue}) AS queue WHERE (queue.waitlisted_at, queue.id) <= "
        "(r.waitlisted_at, r.id)) AS waiting",
        [*source[1], *params],
    )
