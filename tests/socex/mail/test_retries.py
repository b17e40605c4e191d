"""Email is not given up: transient failures retry on the row, 5xx fails at once."""

import time

import pytest
from django.utils import timezone

from socex.mail.models import OutboxEmail
from socex.mail.services import email_queue_message, outbox_deliver_batch, outbox_sweep

pytestmark = pytest.mark.django_db


def _queue(n: int = 0, **kwargs) -> OutboxEmail:
    return email_queue_message(
        **{
            "to": f"officer{n}@police.uk",
            "subject": f"Your place is confirmed ({n})",
            "body_text": "See you in Warwick.",
            **kwargs,
        }
    )


def _sweep_until(email, capture, done, timeout=20.0) -> None:
    """Run the periodic sweep as beat would, until ``done(email)`` or the timeout."""
    deadline = time.monotonic() + timeout
    while not done(email) and time.monotonic() < deadline:
        time.sleep(0.05)
        with capture(execute=True):
            outbox_sweep()
        email.refresh_from_db()


def test_refused_for_longer_than_five_attempts_then_accepted_is_delivered_once(
    smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.stop()  # first the server is down: connections refused
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxEmail.Status.QUEUED, 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at > email.last_attempt_at

    _sweep_until(email, django_capture_on_commit_callbacks, lambda e: e.attempts >= 2)
    assert email.status == OutboxEmail.Status.QUEUED

    # Back, but answering "try later" to the next six attempts.
    smtp_sink.refusals = ["451 4.3.0 Mailbox busy, try later"] * 6
    smtp_sink.start()
    _sweep_until(
        email,
        django_capture_on_commit_callbacks,
        lambda e: e.status != OutboxEmail.Status.QUEUED,
    )
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 9
    assert email.last_error == ""
    assert smtp_sink.message_ids() == [email.message_id]

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 0
    assert len(smtp_sink.messages) == 1


def test_transient_failures_past_the_retry_window_fail_with_the_reply(
    smtp_sink, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_RETRY_WINDOW = 0.3
    smtp_sink.refusals = ["451 4.3.0 Try later"] * 1000
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    _sweep_until(
        email,
        django_capture_on_commit_callbacks,
        lambda e: e.status == OutboxEmail.Status.FAILED,
    )
    assert email.status == OutboxEmail.Status.FAILED
    assert email.last_error.startswith(f"Gave up after {email.attempts} attempts")
    assert "451 4.3.0 Try later" in email.last_error
    assert smtp_sink.messages == []


def test_permanent_refusal_fails_at_once_with_the_server_reply(
    smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.refusals = ["550 5.1.1 <officer0@police.uk>: Recipient unknown"]
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == 1
    assert "550 5.1.1 <officer0@police.uk>: Recipient unknown" in email.last_error
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == 0


def test_batch_goes_over_one_connection_and_each_row_keeps_its_outcome(
    smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        emails = [_queue(n) for n in range(20)]
    # The fourth message is refused for good, the ninth for now; the rest go through.
    smtp_sink.refusals = ["250 OK"] * 3 + ["550 5.1.1 No such user"]
    smtp_sink.refusals += ["250 OK"] * 4 + ["452 4.2.2 Mailbox full"]
    outcomes = outbox_deliver_batch(email_ids=[e.pk for e in emails])

    assert smtp_sink.connections == 1
    assert outcomes[emails[3].pk] == "failed"
    assert outcomes[emails[8].pk] == "retry"
    assert [pk for pk, o in outcomes.items() if o == "sent"] == [
        e.pk for i, e in enumerate(emails) if i not in (3, 8)
    ]
    statuses = dict(OutboxEmail.objects.values_list("pk", "status"))
    assert statuses[emails[3].pk] == OutboxEmail.Status.FAILED
    assert statuses[emails[8].pk] == OutboxEmail.Status.QUEUED
    assert sorted(smtp_sink.message_ids()) == sorted(
        e.message_id for i, e in enumerate(emails) if i not in (3, 8)
    )
    # A second delivery of the same batch sends nothing more.
    assert set(outbox_deliver_batch(email_ids=[e.pk for e in emails]).values()) == {
        "skipped",
        "sent",  # the row refused "for now" is due and goes this time
    }
    assert len(smtp_sink.messages) == 19


def test_server_down_for_a_batch_retries_every_row_later(
    smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.stop()
    with django_capture_on_commit_callbacks(execute=False):
        emails = [_queue(n) for n in range(3)]
    outcomes = outbox_deliver_batch(email_ids=[e.pk for e in emails])
    assert set(outcomes.values()) == {"retry"}
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"queued"}
