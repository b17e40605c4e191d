"""At most one copy the recipient sees: claimed before SMTP, one Message-ID."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from socex.mail.models import OutboxEmail
from socex.mail.services import email_queue_message, outbox_deliver, outbox_sweep
from socex.mail.tasks import outbox_send

from .backends import AfterAcceptSMTPBackend

pytestmark = pytest.mark.django_db


class WorkerDied(BaseException):
    """What a SIGKILL or a hard time limit looks like from the code's side: nothing
    after this line runs, no ``except Exception`` records anything."""


def _queue() -> OutboxEmail:
    return email_queue_message(
        to="officer@police.uk", subject="Your badge", body_text="Attached."
    )


def _age_claim(email: OutboxEmail, seconds: float) -> None:
    OutboxEmail.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=seconds),
        next_attempt_at=timezone.now(),
    )


def _requeue(email: OutboxEmail) -> None:
    """Back to a fresh queued row (on PostgreSQL its own task already sent it)."""
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.QUEUED, attempts=0, sent_at=None
    )


def test_message_id_is_fixed_at_creation_and_unique(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, second = _queue(), _queue()
    assert first.message_id.startswith("<") and first.message_id.endswith(">")
    assert first.message_id != second.message_id
    stored = OutboxEmail.objects.get(pk=first.pk).message_id
    assert stored == first.message_id


def test_worker_dying_after_accept_resends_after_stale_timeout_with_same_message_id(
    smtp_sink, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()

    def die(message):
        raise WorkerDied

    AfterAcceptSMTPBackend.after_accept = die
    with pytest.raises(WorkerDied):
        outbox_deliver(email_id=email.pk)
    AfterAcceptSMTPBackend.after_accept = None
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENDING
    assert email.attempts == 1
    assert smtp_sink.message_ids() == [email.message_id]

    # Not stale yet: neither a duplicate task nor the sweep sends it again.
    _age_claim(email, settings.OUTBOX_CLAIM_STALE_AFTER - 60)
    assert outbox_send.apply(kwargs={"email_id": email.pk}).get() == "skipped"
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 0
    assert len(smtp_sink.messages) == 1

    _age_claim(email, settings.OUTBOX_CLAIM_STALE_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxEmail.Status.SENT, 2)
    assert smtp_sink.message_ids() == [email.message_id, email.message_id]


def test_duplicate_task_sends_once(smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()
    assert outbox_send.apply(kwargs={"email_id": email.pk}).get() == "sent"
    assert outbox_send.apply(kwargs={"email_id": email.pk}).get() == "skipped"
    assert smtp_sink.message_ids() == [email.message_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_duplicate_tasks_at_the_same_time_send_once(smtp_sink):
    email = _queue()  # autocommit: its own task already sent it once
    _requeue(email)
    smtp_sink.messages.clear()
    smtp_sink.data_delay = 0.3
    outcomes = []
    barrier = threading.Barrier(4)

    def deliver():
        try:
            barrier.wait()
            outcomes.append(outbox_deliver(email_id=email.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert smtp_sink.message_ids() == [email.message_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_broken_after_accept_records_sent_without_resend(
    smtp_sink,
):
    email = _queue()
    _requeue(email)
    smtp_sink.messages.clear()
    worker_pid = connection.cursor().connection.info.backend_pid

    def break_database(message):
        # Another session kills this worker's database connection, as a restart does.
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [worker_pid])

    AfterAcceptSMTPBackend.after_accept = break_database
    assert outbox_deliver(email_id=email.pk) == "sent"
    # It did break: the row was recorded over a new database session.
    assert connection.cursor().connection.info.backend_pid != worker_pid
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxEmail.Status.SENT, 1)
    assert smtp_sink.message_ids() == [email.message_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_down_at_record_time_leaves_claim_then_same_message_id(
    smtp_sink, settings
):
    settings.OUTBOX_RECORD_RETRY_DELAYS = []  # the database stays away
    email = _queue()
    _requeue(email)
    smtp_sink.messages.clear()
    worker_pid = connection.cursor().connection.info.backend_pid

    def break_database(message):
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [worker_pid])

    AfterAcceptSMTPBackend.after_accept = break_database
    with pytest.raises(Exception):  # noqa: B017 - the driver's error, whichever it is
        outbox_deliver(email_id=email.pk)
    AfterAcceptSMTPBackend.after_accept = None
    connection.close()
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENDING

    _age_claim(email, settings.OUTBOX_CLAIM_STALE_AFTER + 1)
    assert outbox_sweep() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxEmail.Status.SENT, 2)
    assert smtp_sink.message_ids() == [email.message_id, email.message_id]
