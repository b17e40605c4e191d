import socket
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from socex.celery import app
from socex.mail.models import OutboxEmail
from socex.mail.services import (
    attachment_from_bytes,
    email_queue_message,
    outbox_resend,
    outbox_sweep,
)
from socex.mail.tasks import outbox_send

pytestmark = pytest.mark.django_db


def _queue(**kwargs) -> OutboxEmail:
    defaults = {
        "to": "officer@police.uk",
        "subject": "Your place is confirmed",
        "body_text": "See you in Warwick.",
        "body_html": "<p>See you in Warwick.</p>",
    }
    return email_queue_message(**{**defaults, **kwargs})


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails: the broker URL points at a port where nothing listens."""
    saved = {key: app.conf[key] for key in ("task_always_eager",)}
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    app.conf.update(task_always_eager=False, broker_url=dead)
    _forget_broker_connections()
    yield
    app.conf.update(saved)
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    """Drop pooled connections so the next publish connects to the current URL."""
    app._pool = None
    app.amqp._producer_pool = None


def test_email_is_sent_after_commit_and_marked_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(
            attachments=[
                attachment_from_bytes("agenda.ics", b"BEGIN:VCALENDAR", "text/calendar")
            ]
        )
        assert len(mail.outbox) == 0
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@police.uk"]
    assert message.alternatives[0] == ("<p>See you in Warwick.</p>", "text/html")
    assert message.attachments[0][0] == "agenda.ics"


def test_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue()
        raise RuntimeError("the registration failed")
    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []


def test_same_key_queues_one_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue(key="registration-confirmed:1")
        second = _queue(key="registration-confirmed:1")
    assert first is not None
    assert second is None
    assert len(mail.outbox) == 1


def test_task_delivered_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()
    outbox_send.apply(kwargs={"email_id": email.pk})
    outbox_send.apply(kwargs={"email_id": email.pk})
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_broker_down_at_commit_still_sends_once_after_sweep(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()  # publishing fails after commit: logged, not raised
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.QUEUED
    assert mail.outbox == []

    # The broker is back and the grace period has passed: the beat sweep re-queues it.
    app.conf.task_always_eager = True
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 0
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_failing_smtp_server_retries_then_fails_then_resend_works(
    settings, django_capture_on_commit_callbacks
):
    # A connection refused is transient: retried on the row until the (here
    # shortened) retry window has passed, then failed with the error kept.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_RETRY_WINDOW = 0.5
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.QUEUED
    assert email.attempts == 1
    deadline = time.monotonic() + 10
    while email.status == OutboxEmail.Status.QUEUED and time.monotonic() < deadline:
        OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            outbox_sweep()
        email.refresh_from_db()
        time.sleep(0.05)
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts > 1
    assert "ConnectionRefusedError" in email.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        outbox_resend(email=email)
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_sweep_leaves_recent_and_finished_emails_alone(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        _queue()  # queued a moment ago: its own task is still on its way
    with django_capture_on_commit_callbacks(execute=True):
        sent = _queue()
    OutboxEmail.objects.filter(pk=sent.pk).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == 0


def test_admin_resend_action_requeues_failed_email(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.FAILED, attempts=5, last_error="boom"
    )
    changelist = admin_client.get("/admin/mail/outboxemail/?status__exact=failed")
    assert changelist.status_code == 200
    assert "Your place is confirmed" in changelist.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/mail/outboxemail/",
            {"action": "resend", "_selected_action": [email.pk]},
        )
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_delivers_queued_email(celery_redis_worker):
    with transaction.atomic():
        email = _queue(subject="Delivered by a real worker")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboxEmail.Status.SENT:
            break
        time.sleep(0.2)
    assert email.status == OutboxEmail.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Delivered by a real worker"]
