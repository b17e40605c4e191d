"""The outbox's generic group key: many rows queued in one statement, delivered in
batches, and the failed of one group retried without touching the others."""

import uuid
from email import message_from_bytes

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from socex.mail.models import OutboxEmail
from socex.mail.services import email_queue_many, outbox_retry_failed

pytestmark = pytest.mark.django_db


def emails(n: int, prefix: str = "x"):
    return [
        {
            "to": f"{prefix}{i}@police.uk",
            "subject": f"Subject {i}",
            "body_text": f"Body {i}",
            "body_html": f"<p>Body {i}</p>",
            "key": f"{prefix}-{i}",
        }
        for i in range(n)
    ]


def test_email_queue_many_writes_rows_in_the_group_and_delivers_in_batches(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OUTBOX_BATCH_SIZE = 2
    group = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ids = email_queue_many(emails=emails(5), group=group, template="t")

    assert len(ids) == 5
    assert len(callbacks) == 3  # batches of 2, 2 and 1
    rows = OutboxEmail.objects.filter(group=group)
    assert set(rows.values_list("status", flat=True)) == {OutboxEmail.Status.SENT}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        f"x{i}@police.uk" for i in range(5)
    )
    assert mailoutbox[0].alternatives[0].content.startswith("<p>Body")


def test_email_queue_many_with_a_used_key_writes_nothing(
    django_capture_on_commit_callbacks,
):
    email_queue_many(emails=emails(1))

    with pytest.raises(IntegrityError), transaction.atomic():
        email_queue_many(emails=emails(3))

    assert OutboxEmail.objects.count() == 1


def test_email_queue_many_rolled_back_sends_nothing(
    mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        email_queue_many(emails=emails(2))
        transaction.set_rollback(True)

    assert callbacks == []
    assert mailoutbox == []
    assert OutboxEmail.objects.count() == 0


def test_outbox_retry_failed_of_one_group(django_capture_on_commit_callbacks):
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    for group in (mine, theirs, None):
        OutboxEmail.objects.create(
            to="a@police.uk",
            subject="s",
            body_text="b",
            group=group,
            status=OutboxEmail.Status.FAILED,
            next_attempt_at=timezone.now(),
        )

    queued, refused = outbox_retry_failed(group=mine)

    assert (queued, refused) == (1, 0)
    assert list(
        OutboxEmail.objects.filter(status=OutboxEmail.Status.QUEUED).values_list(
            "group", flat=True
        )
    ) == [mine]


def test_delivered_message_has_its_own_boundary_and_both_parts(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_many(emails=emails(1))

    parsed = message_from_bytes(mailoutbox[0].message().as_bytes())

    assert parsed.get_boundary().startswith("=_socex_")
    assert [part.get_content_type() for part in parsed.get_payload()] == [
        "text/plain",
        "text/html",
    ]
    assert parsed.get_payload()[1].get_payload(decode=True) == b"<p>Body 0</p>"
