"""Secrets never readable: reset and verification links cannot be read from the
outbox by any staff member, before or after sending, nor from the logs."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from socex.mail import crypto
from socex.mail.models import OutboxEmail
from socex.mail.services import (
    RETENTION_REMOVED,
    SECRET_REMOVED,
    email_queue_message,
    outbox_purge_bodies,
    outbox_resend,
)
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET = re.compile(r"/accounts/password/reset/key/(?P<uid>[0-9a-z]+)-(?P<key>[^/\s]+)/")


@pytest.fixture
def outbox_staff(client):
    """Staff with every outbox permission, but not a superuser."""
    staff = StaffFactory(is_superuser=False)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="mail")
    )
    client.force_login(staff)
    return client


def _request_reset(client, email: str, capture) -> tuple[OutboxEmail, str]:
    with capture(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    row = OutboxEmail.objects.get(to=email)
    key = RESET.search(mail.outbox[-1].body).group("key")
    return row, key


def test_reset_email_is_secret_encrypted_until_sent_and_removed_after(
    client, django_capture_on_commit_callbacks
):
    victim = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("account_reset_password"), {"email": victim.email})
    row = OutboxEmail.objects.get(to=victim.email)
    assert row.secret
    assert row.status == OutboxEmail.Status.QUEUED
    plain = crypto.decrypt(row.body_text)
    key = RESET.search(plain).group("key")
    stored = " ".join([row.body_text, row.body_html, row.subject])
    assert key not in stored

    from socex.mail.services import outbox_deliver

    assert outbox_deliver(email_id=row.pk) == "sent"
    row.refresh_from_db()
    assert key in mail.outbox[0].body
    assert (row.body_text, row.body_html) == (SECRET_REMOVED, "")
    assert row.body_removed_at is not None


def test_staff_with_every_outbox_permission_cannot_obtain_a_reset_link(
    outbox_staff, client, django_capture_on_commit_callbacks
):
    victim = UserFactory(is_staff=True, is_superuser=True)
    row, key = _request_reset(client, victim.email, django_capture_on_commit_callbacks)
    url = reverse("admin:mail_outboxemail_changelist")
    pages = [
        outbox_staff.get(url),
        outbox_staff.get(url, {"q": victim.email}),
        outbox_staff.get(url, {"secret__exact": "1"}),
        outbox_staff.get(reverse("admin:mail_outboxemail_change", args=[row.pk])),
        outbox_staff.get(reverse("admin:index")),
    ]
    for page in pages:
        assert page.status_code == 200
        assert key not in page.content.decode()
    change = pages[3].content.decode()
    assert "Not shown: this email carries a one-time link or code" in change
    assert "/accounts/password/reset/key/" not in change

    # The body cannot be probed through the admin's query-string filters either.
    probe = outbox_staff.get(url, {"body_text__contains": "reset"})
    assert probe.status_code in (302, 400)
    assert key not in probe.content.decode()

    # Resending it is refused with a message; nothing is sent again.
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = outbox_staff.post(
            url, {"action": "resend", "_selected_action": [row.pk]}, follow=True
        )
    assert "Ask the person to request a new one." in response.content.decode()
    assert len(mail.outbox) == sent
    assert key not in response.content.decode()


def test_any_caller_can_mark_an_email_secret_and_its_resend_is_refused(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        row = email_queue_message(
            to="speaker@police.uk",
            subject="Your speaker invitation",
            body_text="Accept: https://socex.example/invite/s3cr3t-t0ken/",
            secret=True,
        )
    row.refresh_from_db()
    assert row.status == OutboxEmail.Status.SENT
    assert "s3cr3t-t0ken" not in row.body_text
    with pytest.raises(Exception, match="request a new one"):
        outbox_resend(email=row)


def test_reset_link_never_reaches_the_logs(
    client, caplog, django_capture_on_commit_callbacks
):
    victim = UserFactory()
    with caplog.at_level(logging.DEBUG):
        row, key = _request_reset(
            client, victim.email, django_capture_on_commit_callbacks
        )
    assert (row.secret, row.status) == (True, OutboxEmail.Status.SENT)
    assert caplog.records  # the delivery was logged, just not the link
    assert key not in caplog.text


def test_bodies_past_retention_are_purged_keeping_metadata(
    settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_BODY_RETENTION_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        old = email_queue_message(to="a@police.uk", subject="Old", body_text="Hi")
        new = email_queue_message(to="b@police.uk", subject="New", body_text="Hi")
    OutboxEmail.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert outbox_purge_bodies() == 1
    assert outbox_purge_bodies() == 0
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.body_text, old.subject, old.to, old.status) == (
        RETENTION_REMOVED,
        "Old",
        "a@police.uk",
        OutboxEmail.Status.SENT,
    )
    assert old.sent_at is not None
    assert new.body_text == "Hi"
    with pytest.raises(Exception, match="retention"):
        outbox_resend(email=old)


def test_purge_runs_from_beat_by_its_pinned_name(settings):
    from socex.mail.tasks import outbox_purge_bodies as task

    assert task.name == "socex.mail.tasks.outbox_purge_bodies"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert task.name in scheduled


def test_secret_body_unreadable_after_key_change_fails_at_once(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        row = email_queue_message(
            to="a@police.uk", subject="Reset", body_text="k", secret=True
        )
    settings.SECRET_KEY = "another-key-without-a-fallback-0123456789"
    from socex.mail.services import outbox_deliver

    assert outbox_deliver(email_id=row.pk) == "failed"
    row.refresh_from_db()
    assert "cannot be decrypted" in row.last_error
    assert row.body_removed_at is not None
