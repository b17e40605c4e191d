"""What runs while an edition is locked (delegates/services: seats, emails).

The edition lock (its row, or for a new registration only its seats row) serialises
every registration change of an edition, so it is held for SQL only: the emails,
their calendar files and the badge's QR code are made before it or after the commit.
``LockWatch`` sees the lock being taken in the SQL (Django's ``execute_wrapper``) and,
until the commit, notes every template rendered (Django's ``template_rendered``
signal) and every call into the QR code, calendar and PDF libraries (WeasyPrint,
reportlab) (``sys.setprofile``).
"""

import base64
import json
import re
import sys
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegates import services
from delegates.badges.models import Badge
from delegates.models import EditionSeats, Registration, RegistrationStatusChange
from delegates.services.admission import _reference_sql, reference_of
from delegates.services.emails import STATUS_EMAILS, email_draft
from events.models import Edition
from socex.mail.models import OutboxEmail
from socex.mail.services import email_render
from tests.factories.delegates import RegistrationFactory

Status = Registration.Status

# The edition's lock: its row, or (a new registration) only its seats row.
EDITION_LOCK = re.compile(
    r'FROM "?(events_edition|delegates_editionseats)"?\b.* FOR (NO KEY )?UPDATE', re.S
)
WATCHED_LIBRARIES = (
    "segno",
    "icalendar",
    "weasyprint",
    "reportlab",
    "django.template",
)


class LockWatch:
    """An execute wrapper noting what runs from the edition lock to the commit."""

    def __init__(self) -> None:
        self.held = False
        self.reset()

    def reset(self) -> None:
        self.locks = 0
        self.rendered_under_lock: list[str] = []
        self.rendered_after: list[str] = []
        self.calls_under_lock: set[str] = set()
        self.lock_sql = ""
        self.sql_under_lock: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if self.held:
            self.sql_under_lock.append(sql)
        result = execute(sql, params, many, context)
        if not self.held and EDITION_LOCK.search(sql):
            self.held = True
            self.locks += 1
            self.lock_sql = sql
            sys.setprofile(self._profile)
            transaction.on_commit(self._committed)
        return result

    def _committed(self) -> None:
        sys.setprofile(None)
        self.held = False

    def _profile(self, frame, event, arg) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if module.startswith(WATCHED_LIBRARIES):
                self.calls_under_lock.add(module)

    def template(self, sender, template, context, **kwargs) -> None:
        name = template.name or "<string>"
        if self.held:
            self.rendered_under_lock.append(name)
        else:
            self.rendered_after.append(name)


@pytest.fixture
def lock_watch():
    watch = LockWatch()
    template_rendered.connect(watch.template)
    try:
        with connection.execute_wrapper(watch):
            yield watch
    finally:
        sys.setprofile(None)
        template_rendered.disconnect(watch.template)


def _emails(*users) -> list[tuple[str, str]]:
    rows = OutboxEmail.objects.filter(
        to__in=[u.email for u in users], template__startswith="registration_"
    ).order_by("pk")
    return list(rows.values_list("to", "template"))


def _calendar(email: OutboxEmail) -> str:
    (attachment,) = email.attachments
    assert attachment["mimetype"] == "text/calendar"
    return base64.b64decode(attachment["content_b64"]).decode()


def _assert_nothing_rendered_under_the_lock(watch: LockWatch) -> None:
    assert watch.locks == 1
    assert watch.rendered_under_lock == []
    assert watch.calls_under_lock == set()


def _full_edition_with_waiting_list(edition, make_delegate):
    """``edition`` (3 places) full, and two delegates waiting."""
    confirmed = [
        services.registration_create(
            edition=edition, user=make_delegate(f"c{n}@police.uk"), consent_terms=True
        )
        for n in range(3)
    ]
    waiting = [
        services.registration_create(
            edition=edition, user=make_delegate(f"w{n}@police.uk"), consent_terms=True
        )
        for n in range(2)
    ]
    assert {r.status for r in waiting} == {Status.WAITLISTED}
    return confirmed, waiting


@pytest.mark.parametrize("full", [False, True], ids=["confirmed", "waitlisted"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_registration_create_renders_nothing_under_the_lock(
    edition, make_delegate, lock_watch, full
):
    if full:
        _full_edition_with_waiting_list(edition, make_delegate)
    user = make_delegate("new@police.uk")
    lock_watch.reset()

    registration = services.registration_create(
        edition=edition, user=user, consent_terms=True
    )

    _assert_nothing_rendered_under_the_lock(lock_watch)
    email = OutboxEmail.objects.get(to=user.email, template__startswith="registration_")
    assert registration.reference in email.subject
    assert f"Reference: {registration.reference}" in email.body_text
    assert not re.search(r"SOCEX[0-9A-F]{16}", email.subject + email.body_html)
    if full:
        assert registration.status == Status.WAITLISTED
        assert email.template == "registration_waitlisted"
        assert "on the waiting list, at position 3." in email.body_text
        assert "at position <strong>3</strong>" in email.body_html
    else:
        assert registration.status == Status.CONFIRMED
        assert email.template == "registration_confirmed"
        assert f"Reference {registration.reference}" in _calendar(email)
        # The badge's QR code was made after the commit, by the render task.
        badge = Badge.objects.get(registration=registration)
        assert badge.qr.startswith("data:image/png;base64,")
        assert badge.status == Badge.Status.READY
    # The watch sees rendering where it happens: the email was sent after commit
    # (eager Celery) and, for the confirmed delegate, the badge rendered.
    assert [m.to for m in mail.outbox if m.subject == email.subject] == [[user.email]]
    if not full:
        badge = Badge.objects.get(registration=registration)
        assert badge.file.read(4) == b"%PDF"


def _edition_before(edition, make_delegate, state: str) -> None:
    """``far`` from full (only the confirmation is drafted), ``near`` full (the
    waiting-list email is drafted too) or ``full``."""
    if state == "full":
        _full_edition_with_waiting_list(edition, make_delegate)
        return
    if state == "far":
        Edition.objects.filter(pk=edition.pk).update(capacity=100)
        edition.refresh_from_db()
    services.registration_create(
        edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
    )


STATES = ["far", "near", "full"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_registration_is_written_by_the_statement_that_takes_its_place(
    edition, make_delegate, lock_watch, state
):
    _edition_before(edition, make_delegate, state)
    lock_watch.reset()

    registration = services.registration_create(
        edition=edition, user=make_delegate("new@police.uk"), consent_terms=True
    )

    # One statement takes the lock, the number and the place, and writes the
    # registration, its history and its badge row (if confirmed: the database
    # decides); the edition row is not locked.
    assert lock_watch.locks == 1
    assert 'FROM "events_edition"' not in lock_watch.lock_sql
    assert "UPDATE delegates_editionseats" in lock_watch.lock_sql
    written = re.findall(r'INSERT INTO "(\w+)"', lock_watch.lock_sql)
    rows = [
        "delegates_registration",
        "delegates_registrationstatuschange",
        "delegates_badge",
    ]
    assert registration.status == (
        Status.WAITLISTED if state == "full" else Status.CONFIRMED
    )
    assert Badge.objects.filter(registration=registration).exists() == (state != "full")
    seats = EditionSeats.objects.get(edition=edition)
    assert (seats.confirmed, seats.last_number) == (
        3 if state == "full" else 2,
        registration.number,
    )
    if state == "far":
        # Far from full, the email too: nothing else runs under the lock.
        assert written == [*rows, "mail_outboxemail"]
        assert lock_watch.sql_under_lock == []
    else:
        # A waiting-list email may be due: it counts the queue as the lock leaves
        # it, in a statement of its own (a fresh snapshot), the only other one.
        assert written == rows
        (email_sql,) = lock_watch.sql_under_lock
        assert email_sql.startswith("WITH queued AS")
        assert 'INSERT INTO "mail_outboxemail"' in email_sql
        assert "count(*)" in email_sql


@pytest.mark.parametrize("state", STATES)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_locked_statements_share_one_round_trip(edition, make_delegate, state):
    _edition_before(edition, make_delegate, state)
    sent = []

    def note_pipeline(execute, sql, params, many, context):
        sent.append(
            (sql.split()[0], bool(connection.connection.pgconn.pipeline_status))
        )
        return execute(sql, params, many, context)

    user = make_delegate("second@police.uk")
    with connection.execute_wrapper(note_pipeline):
        registration = services.registration_create(
            edition=edition, user=user, consent_terms=True
        )

    # Sent without waiting for each answer (psycopg's pipeline mode): the locking
    # statement and, when a waiting-list email may be due, the statement after
    # it. Nothing else is (the statements before, the tasks' after COMMIT), and
    # the statement count between the lock and COMMIT is that of the test above.
    assert [verb for verb, pipelined in sent if pipelined] == [
        "WITH",
        *([] if state == "far" else ["WITH"]),
    ]
    email = OutboxEmail.objects.get(to=user.email)
    assert email.message_id
    assert list(
        registration.status_changes.values_list("from_status", "to_status", "actor")
    ) == [("", registration.status, user.pk)]
    assert email.template == STATUS_EMAILS[registration.status]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_registration_costs_a_fixed_number_of_queries(edition, make_delegate):
    services.registration_create(
        edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
    )
    user = make_delegate("second@police.uk")

    with CaptureQueriesContext(connection) as queries:
        registration = services.registration_create(
            edition=edition, user=user, consent_terms=True
        )

    # The transaction's, up to its COMMIT (then eager Celery runs the tasks): BEGIN;
    # before the lock, one query (selectors.registration_facts: the profile,
    # speaker?, trusted?, registered already?, seats as committed), then workshops'
    # prepare hook; the lock, the number, the place and every row but the email
    # (one statement); the email; COMMIT.
    sql = [query["sql"] for query in queries.captured_queries]
    # (Near full, as here, a waiting-list email may be due: one statement more.)
    assert sql.index("COMMIT") + 1 == 6
    assert registration.status == Status.CONFIRMED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_submission_under_the_pipeline_registers_once(edition, make_delegate):
    # Two submissions of one person at once: the second's row, sent in the pipeline,
    # breaks the unique constraint; the service answers "already registered" and
    # its number and place are rolled back with it.
    services.registration_create(
        edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
    )
    user = make_delegate("twice@police.uk")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait(10)
            services.registration_create(edition=edition, user=user, consent_terms=True)
            outcomes.append("registered")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == sorted(
        ["registered", f"{user.email} is already registered for {edition.title}."]
    )
    registration = Registration.objects.get(user=user)
    assert registration.number == 2
    assert EditionSeats.objects.values_list("confirmed", "last_number").get() == (2, 2)
    assert RegistrationStatusChange.objects.filter(registration__user=user).count() == 1
    assert _emails(user) == [(user.email, "registration_confirmed")]


@pytest.mark.parametrize(
    "change",
    ["cancel", "decline", "waitlist", "approve", "promote", "create_after_bulk"],
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_status_changes_and_promotions_render_nothing_under_the_lock(
    edition, make_delegate, lock_watch, change
):
    confirmed, waiting = _full_edition_with_waiting_list(edition, make_delegate)
    organiser = make_delegate("organiser@example.com")
    organiser.is_staff = True
    organiser.save()
    pending = services.registration_create(
        edition=edition, user=make_delegate("p@example.com"), consent_terms=True
    )
    assert pending.status == Status.PENDING
    first = waiting[0]
    newcomer = make_delegate("newcomer@police.uk")
    lock_watch.reset()

    if change == "cancel":
        services.registration_cancel(registration=confirmed[0], actor=organiser)
        expected = [
            (confirmed[0].user.email, "registration_cancelled"),
            (first.user.email, "registration_promoted"),
        ]
    elif change == "decline":
        services.registration_decline(
            registration=confirmed[0], actor=organiser, reason="Not eligible."
        )
        expected = [
            (confirmed[0].user.email, "registration_declined"),
            (first.user.email, "registration_promoted"),
        ]
    elif change == "waitlist":
        services.registration_waitlist(registration=confirmed[0], actor=organiser)
        expected = [
            (confirmed[0].user.email, "registration_waitlisted"),
            (first.user.email, "registration_promoted"),
        ]
    elif change == "approve":
        services.registration_approve(registration=pending, actor=organiser)
        expected = [(pending.user.email, "registration_waitlisted")]
    elif change == "promote":
        Edition.objects.filter(pk=edition.pk).update(capacity=4)  # no signal
        edition.refresh_from_db()
        services.waitlist_promote(edition=edition)
        expected = [(first.user.email, "registration_promoted")]
    else:
        Edition.objects.filter(pk=edition.pk).update(capacity=5)  # no signal
        edition.refresh_from_db()
        services.registration_create(edition=edition, user=newcomer, consent_terms=True)
        expected = [
            (first.user.email, "registration_promoted"),
            (waiting[1].user.email, "registration_promoted"),
            (newcomer.email, "registration_waitlisted"),
        ]

    _assert_nothing_rendered_under_the_lock(lock_watch)
    people = [r.user for r in [*confirmed, *waiting, pending]] + [newcomer]
    before = 5 + 1  # the set-up's emails: three confirmed, two waiting, one pending
    assert _emails(*people)[before:] == expected
    promoted = OutboxEmail.objects.filter(template="registration_promoted").first()
    if promoted is not None:
        registration = Registration.objects.get(user__email=promoted.to)
        assert registration.status == Status.CONFIRMED
        assert registration.reference in promoted.subject
        assert f"Reference {registration.reference}" in _calendar(promoted)
    if change == "decline":
        declined = OutboxEmail.objects.get(template="registration_declined")
        assert "Reason: Not eligible." in declined.body_text


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_lock_rolls_back_the_whole_registration(
    edition, make_delegate, settings, tmp_path
):
    settings.LOCK_TIMING_LOG = str(tmp_path / "lock.log")
    services.registration_create(
        edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
    )
    seats_before = EditionSeats.objects.values_list("confirmed", "last_number").get()
    counts_before = (
        Registration.objects.count(),
        RegistrationStatusChange.objects.count(),
        OutboxEmail.objects.count(),
        Badge.objects.count(),
    )
    sent_before = len(mail.outbox)
    user = make_delegate("second@police.uk")

    def fail_after_the_outbox_row(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if 'INSERT INTO "mail_outboxemail"' in sql:
            raise DatabaseError("the connection broke after the last write")
        return result

    with (
        connection.execute_wrapper(fail_after_the_outbox_row),
        pytest.raises(DatabaseError),
    ):
        services.registration_create(edition=edition, user=user, consent_terms=True)

    assert not Registration.objects.filter(user=user).exists()
    assert EditionSeats.objects.values_list("confirmed", "last_number").get() == (
        seats_before
    )
    assert (
        Registration.objects.count(),
        RegistrationStatusChange.objects.count(),
        OutboxEmail.objects.count(),
        Badge.objects.count(),
    ) == counts_before
    assert len(mail.outbox) == sent_before  # nothing sent for what was rolled back
    # Only the committed registration's lock was timed.
    assert len((tmp_path / "lock.log").read_text().splitlines()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_registration_writes_one_email_with_its_status_history_and_counter(
    edition, make_delegate
):
    user = make_delegate("one@police.uk")

    registration = services.registration_create(
        edition=edition, user=user, consent_terms=True
    )

    assert registration.status == Status.CONFIRMED
    assert _emails(user) == [(user.email, "registration_confirmed")]
    assert list(
        RegistrationStatusChange.objects.filter(registration=registration).values_list(
            "from_status", "to_status"
        )
    ) == [("", Status.CONFIRMED)]
    assert EditionSeats.objects.values_list("confirmed", "last_number").get() == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_lock_timing_log_records_each_committed_lock(
    edition, make_delegate, settings, tmp_path
):
    log = tmp_path / "lock.log"
    settings.LOCK_TIMING_LOG = str(log)
    for n in range(2):
        services.registration_create(
            edition=edition, user=make_delegate(f"t{n}@police.uk"), consent_terms=True
        )

    held = [float(line) for line in log.read_text().splitlines()]
    assert len(held) == 2
    assert all(0 < ms < 60_000 for ms in held)


# How long the lock statement itself spends after the lock was granted: a trigger
# sleeping in the seats row's UPDATE (which runs once the CTE holds the row lock).
SLEEP_IN_UPDATE_S = 0.3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lock_timing_counts_the_locking_statement_from_the_grant(
    edition, make_delegate, settings, tmp_path, lock_watch
):
    # The first registration makes the seats row (under the edition lock); the
    # second takes only the seats row's lock, in the statement the trigger slows
    # after the lock was granted. A timer started when that statement returned (as
    # it once was) would not see the sleep; counted from the grant, it does.
    services.registration_create(
        edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
    )
    log = tmp_path / "lock.log"
    settings.LOCK_TIMING_LOG = str(log)
    lock_watch.reset()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_seats_sleep() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_sleep({SLEEP_IN_UPDATE_S}); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_seats_sleep BEFORE UPDATE ON delegates_editionseats "
            "FOR EACH ROW EXECUTE FUNCTION test_seats_sleep()"
        )
    try:
        registration = services.registration_create(
            edition=edition, user=make_delegate("second@police.uk"), consent_terms=True
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_seats_sleep ON delegates_editionseats")
            cursor.execute("DROP FUNCTION test_seats_sleep()")

    assert registration.status == Status.CONFIRMED
    assert "UPDATE delegates_editionseats" in lock_watch.lock_sql  # _take_place
    (held,) = [float(line) for line in log.read_text().splitlines()]
    # A lower bound only: pg_sleep guarantees the time passed under the lock.
    assert held >= SLEEP_IN_UPDATE_S * 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lock_timing_of_the_edition_lock_includes_its_statement(
    edition, make_delegate, settings, tmp_path
):
    # The edition lock (here: the edition's first registration, which makes the
    # seats row) is timed from before its SELECT ... FOR UPDATE is sent, so a wait
    # for a lock another transaction holds is counted, as an upper bound is.
    log = tmp_path / "lock.log"
    settings.LOCK_TIMING_LOG = str(log)
    holding = threading.Event()

    def hold_the_edition_lock() -> None:
        # Holds the edition row until the registration waits for it, then as long
        # again as SLEEP_IN_UPDATE_S: that much of the wait falls after the
        # registration's locking statement was sent.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                Edition.objects.select_for_update().get(pk=edition.pk)
                holding.set()
                waiting, polls = 0, 0
                while not waiting and polls < 10_000:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                        "= 'Lock' AND datname = current_database()"
                    )
                    (waiting,) = cursor.fetchone()
                    polls += 1
                cursor.execute("SELECT pg_sleep(%s)", [SLEEP_IN_UPDATE_S])
        finally:
            holding.set()
            connection.close()

    user = make_delegate("first@police.uk")
    holder = threading.Thread(target=hold_the_edition_lock)
    holder.start()
    assert holding.wait(10)
    services.registration_create(edition=edition, user=user, consent_terms=True)
    holder.join(10)

    (held,) = [float(line) for line in log.read_text().splitlines()]
    assert held >= SLEEP_IN_UPDATE_S * 1000
    assert EditionSeats.objects.values_list("confirmed", "last_number").get() == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_lock_timing_is_off_without_the_setting(edition, make_delegate, tmp_path):
    services.registration_create(
        edition=edition, user=make_delegate("off@police.uk"), consent_terms=True
    )
    assert list(tmp_path.iterdir()) == []


def _registration_emailed(template: str, **fields) -> Registration:
    """A registration in the status ``template`` reports, on an edition whose
    title folds the calendar's lines."""
    waitlisted = template == "registration_waitlisted"
    return RegistrationFactory(
        status=Status.WAITLISTED if waitlisted else Status.CONFIRMED,
        waitlisted_at=timezone.now() if waitlisted else None,
        edition__series__code="ECCLON",
        edition__title="A conference title long enough to fold the calendar lines "
        "of its file twice over, as iCalendar wants",
        **fields,
    )


@pytest.mark.parametrize("template", [*STATUS_EMAILS.values(), "registration_promoted"])
@pytest.mark.django_db
def test_a_filled_draft_is_the_email_rendered_under_the_lock(template):
    from delegates.services.emails import _email_context, _event_attachment

    waitlisted = template == "registration_waitlisted"
    registration = _registration_emailed(template)
    reason = "Not eligible for this edition." if "declined" in template else ""
    new = Registration(
        edition=registration.edition,
        user=registration.user,
        category=registration.category,
    )

    draft = email_draft(new, template=template, reason=reason)
    filled = draft.filled(registration)

    position = 1 if waitlisted else None
    context = _email_context(registration, reason=reason, position=position)
    subject, body_text, body_html = email_render(template=template, context=context)
    assert (filled["subject"], filled["body_text"], filled["body_html"]) == (
        subject,
        body_text,
        body_html,
    )
    assert registration.reference in subject
    if template in ("registration_confirmed", "registration_promoted"):
        (attachment,) = filled["attachments"]
        ours = base64.b64decode(attachment["content_b64"]).decode()
        theirs = base64.b64decode(_event_attachment(registration)["content_b64"])

        # The same lines, once unfolded (each may fold long lines in other places)
        # and but for the time stamp; no line longer than iCalendar allows.
        def lines(calendar: str) -> list[str]:
            unfolded = re.sub(r"\r\n[ \t]", "", calendar).split("\r\n")
            return [line for line in unfolded if not line.startswith("DTSTAMP:")]

        assert lines(ours) == lines(theirs.decode())
        assert f"Reference {registration.reference}" in re.sub(r"\r\n ", "", ours)
        assert all(len(line.encode()) <= 75 for line in ours.split("\r\n"))
    else:
        assert filled["attachments"] == []


@pytest.mark.django_db
def test_a_new_registrations_calendar_is_made_once_per_edition_as_shown(monkeypatch):
    import datetime as dt

    from delegates import ics

    def at(stamp: str) -> None:
        moment = dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    registration = _registration_emailed("registration_confirmed")
    edition = registration.edition
    made = []
    real = ics.edition_calendar
    monkeypatch.setattr(
        ics, "edition_calendar", lambda **kw: made.append(kw) or real(**kw)
    )

    def calendar_of_a_new_registration() -> str:
        new = Registration(edition=edition, user=registration.user)
        draft = email_draft(new, template="registration_confirmed")
        filled = draft.filled(registration)
        (attachment,) = filled["attachments"]
        return re.sub(
            r"\r\n ", "", base64.b64decode(attachment["content_b64"]).decode()
        )

    at("2027-03-01 09:00:00")
    first = calendar_of_a_new_registration()
    at("2027-03-01 09:00:07")
    second = calendar_of_a_new_registration()

    assert len(made) == 1
    # Each stamped when drafted, each with its own reference.
    assert "DTSTAMP:20270301T090000Z" in first
    assert "DTSTAMP:20270301T090007Z" in second
    assert f"Reference {registration.reference}" in second
    # The venue renamed: the next draft shows it.
    edition.venue.name = "The Other Hall"
    edition.venue.save()
    assert "The Other Hall" in calendar_of_a_new_registration()
    assert len(made) == 2


@pytest.mark.parametrize("template", [*STATUS_EMAILS.values(), "registration_promoted"])
@pytest.mark.parametrize("number", [42, 123456])
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_fills_a_draft_as_python_does(template, number):
    # ``filled_sql`` is what the statement that writes a new registration's email
    # runs; ``filled`` what every other change runs: the same email, with a
    # reference of any length and a waiting-list position.
    waitlisted = template == "registration_waitlisted"
    registration = _registration_emailed(template, number=number)
    registration.reference = reference_of(registration.edition, number)
    registration.ahead = 6  # position 7
    new = Registration(
        edition=registration.edition,
        user=registration.user,
        category=registration.category,
    )
    draft = email_draft(new, template=template)
    python = draft.filled(registration)

    fields = draft.filled_sql(reference="r.reference", position="r.position")
    names = ["subject", "body_text", "body_html", "attachments"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(fields[name].sql for name in names)} "
            "FROM (SELECT %s::text AS reference, %s::bigint AS position) AS r",
            [p for name in names for p in fields[name].params]
            + [registration.reference, 7],
        )
        subject, body_text, body_html, attachments = cursor.fetchone()
    attachments = json.loads(attachments)  # Django leaves jsonb to JSONField

    assert (subject, body_text, body_html) == (
        python["subject"],
        python["body_text"],
        python["body_html"],
    )
    assert registration.reference in subject
    if waitlisted:
        assert "at position 7." in body_text
    if not draft.calendar:
        assert attachments == python["attachments"] == []
        return
    ((ours, theirs),) = [
        (
            base64.b64decode(attachment["content_b64"]).decode(),
            base64.b64decode(python_attachment["content_b64"]).decode(),
        )
        for attachment, python_attachment in zip(
            attachments, python["attachments"], strict=True
        )
    ]
    assert attachments[0]["filename"] == python["attachments"][0]["filename"]
    # The same text once unfolded (the two fold in other places), no line longer
    # than iCalendar allows.
    assert re.sub(r"\r\n[ \t]", "", ours) == re.sub(r"\r\n[ \t]", "", theirs)
    assert f"Reference {registration.reference}" in re.sub(r"\r\n ", "", ours)
    assert all(len(line.encode()) <= 75 for line in ours.split("\r\n"))


@pytest.mark.parametrize("number", [1, 42, 9999, 10000, 123456])
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_writes_the_reference_python_would(edition, number):
    sql = _reference_sql(edition, "n.number")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.sql} FROM (SELECT %s::integer AS number) AS n",
            [*sql.params, number],
        )
        (reference,) = cursor.fetchone()
    assert reference == reference_of(edition, number)
    assert reference.endswith(f"-{number:04d}")


def test_a_slot_is_folded_onto_a_line_of_its_own():
    # A fold may fall anywhere: a slot split over two lines would not be found by
    # the database's plain replacement.
    from delegates.services.emails import _fold_apart

    slot = "SOCEX0123456789ABCDEFREFERENCE"
    line = "DESCRIPTION:" + "a" * 55 + slot + "b" * 100
    calendar = f"BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT"

    folded = _fold_apart(calendar, [slot, ""])

    assert f"\r\n {slot}\r\n" in folded
    assert re.sub(r"\r\n[ \t]", "", folded) == calendar
    assert all(len(physical) <= 75 for physical in folded.split("\r\n"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_locking_statement_is_parsed_once_per_shape(edition, make_delegate):
    # psycopg caches how it parses a statement only up to a length the locking
    # statement exceeds: socex.db.psycopg_cache_long_statements lifts it.
    from psycopg import _queries

    edition.capacity = 100
    edition.save()
    for n in range(3):  # the edition lock (the seats row made), then its shape twice
        services.registration_create(
            edition=edition,
            user=make_delegate(f"warm{n}@police.uk"),
            consent_terms=True,
        )
    user = make_delegate("next@police.uk")
    before = _queries._query2pg.cache_info()  # every statement seen before

    with CaptureQueriesContext(connection) as queries:
        services.registration_create(edition=edition, user=user, consent_terms=True)

    (locking,) = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().startswith("WITH locked")
    ]
    assert len(locking) > 4096
    assert _queries._query2pg.cache_info().misses == before.misses
    # A statement as long, with as many parameters, run twice: parsed once.
    long_sql = f"SELECT {', '.join(['%s'] * 120)} -- {'x' * len(locking)}"
    with connection.cursor() as cursor:
        cursor.execute(long_sql, list(range(120)))
        parsed = _queries._query2pg.cache_info()
        cursor.execute(long_sql, list(range(120)))
    assert _queries._query2pg.cache_info().hits == parsed.hits + 1
