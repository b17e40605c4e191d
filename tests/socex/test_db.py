"""``socex.db.insert_select``: rows written by SQL built before a lock, the database
choosing which (PostgreSQL: the only database whose locked path uses it)."""

import pytest
from django.db import DataError, connection, transaction
from django.db.models.expressions import RawSQL

from socex.db import insert_select
from socex.mail.models import OutboxEmail
from socex.mail.services import email_message_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _variants():
    b = email_message_new(to="b@example.org", subject="", body_text="Hi")
    b.subject = RawSQL("upper(s.k)", [])
    return {
        "a": email_message_new(to="a@example.org", subject="A", body_text="Hello"),
        "b": b,
    }


def _run(variants, key: str, **options) -> None:
    sql, params = insert_select(
        variants, source=("(SELECT %s::text AS k) AS s", [key]), choose="s.k", **options
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_writes_the_variant_its_row_calls_for():
    variants = _variants()

    _run(variants, "b")

    # What save() would have written: the field's defaults (the Message-ID, the
    # status) and auto_now_add, with the expression evaluated on the source row.
    (email,) = OutboxEmail.objects.all()
    assert (email.to, email.subject, email.body_text) == ("b@example.org", "B", "Hi")
    assert email.message_id == variants["b"].message_id
    assert email.status == OutboxEmail.Status.QUEUED
    assert email.created_at is not None
    assert email.attachments == []


def test_no_row_when_no_variant_is_called_for():
    _run(_variants(), "c")
    assert not OutboxEmail.objects.exists()


def test_a_value_too_long_fails_as_an_insert_does():
    # Cast to the column's type, a bounded varchar would be cut short in silence.
    variants = {"a": email_message_new(to="a@example.org", subject="", body_text="")}
    variants["a"].subject = "x" * 251
    with pytest.raises(DataError), transaction.atomic():
        _run(variants, "a")
    assert not OutboxEmail.objects.exists()


def test_a_conflict_is_ignored_when_asked():
    first = email_message_new(to="a@example.org", subject="First", body_text="")
    first.save()
    again = email_message_new(
        pk=first.pk, to="a@example.org", subject="Again", body_text=""
    )
    variants = {"a": again}

    _run(variants, "a", ignore_conflicts=True)

    assert list(OutboxEmail.objects.values_list("subject", flat=True)) == ["First"]
