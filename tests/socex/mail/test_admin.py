"""Organisers see failed and long-delayed emails and retry them in one click."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from socex.mail.models import OutboxEmail
from socex.mail.services import SECRET_REMOVED, email_queue_message
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db

RETRY = reverse("admin:mail_outboxemail_retry_failed")


def _staff_client(client, *codenames):
    staff = StaffFactory(is_superuser=False)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="mail", codename__in=codenames
        )
    )
    client.force_login(staff)
    return client


def _rows(capture):
    with capture(execute=False):
        failed = [
            email_queue_message(to=f"f{n}@police.uk", subject="F", body_text="x")
            for n in range(2)
        ]
        gone = email_queue_message(
            to="g@police.uk", subject="Reset", body_text="k", secret=True
        )
        delayed = email_queue_message(to="d@police.uk", subject="D", body_text="x")
    OutboxEmail.objects.filter(pk__in=[e.pk for e in failed]).update(
        status=OutboxEmail.Status.FAILED, attempts=30, last_error="451 Try later"
    )
    OutboxEmail.objects.filter(pk=gone.pk).update(
        status=OutboxEmail.Status.FAILED,
        body_text=SECRET_REMOVED,
        body_removed_at=timezone.now(),
    )
    OutboxEmail.objects.filter(pk=delayed.pk).update(
        first_attempt_at=timezone.now() - timedelta(hours=2), attempts=6
    )
    return failed, gone, delayed


def test_admin_index_shows_counts_and_retry_all_sends_what_it_can(
    client, django_capture_on_commit_callbacks
):
    failed, gone, _delayed = _rows(django_capture_on_commit_callbacks)
    staff = _staff_client(client, "view_outboxemail", "change_outboxemail")
    page = staff.get(reverse("admin:index")).content.decode()
    assert "3 emails failed" in page
    assert "1 email is delayed and still retrying" in page
    assert RETRY in page

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(RETRY, follow=True)
    content = response.content.decode()
    assert "2 failed email(s) queued again." in content
    assert "1 failed email(s) carried a one-time link" in content
    assert sorted(m.to[0] for m in mail.outbox) == ["f0@police.uk", "f1@police.uk"]
    statuses = dict(OutboxEmail.objects.values_list("to", "status"))
    assert statuses["f0@police.uk"] == OutboxEmail.Status.SENT
    assert statuses["g@police.uk"] == OutboxEmail.Status.FAILED


def test_view_only_staff_sees_the_notice_but_cannot_retry(
    client, django_capture_on_commit_callbacks
):
    _rows(django_capture_on_commit_callbacks)
    staff = _staff_client(client, "view_outboxemail")
    page = staff.get(reverse("admin:index")).content.decode()
    assert "3 emails failed" in page
    assert RETRY not in page
    assert staff.post(RETRY).status_code == 403
    changelist = reverse("admin:mail_outboxemail_changelist")
    form = staff.get(changelist).context["action_form"]
    offered = [] if form is None else [v for v, _l in form.fields["action"].choices]
    assert "resend" not in offered
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {
        "failed",
        "queued",
    }


def test_staff_without_outbox_permission_sees_no_notice(
    client, django_capture_on_commit_callbacks
):
    _rows(django_capture_on_commit_callbacks)
    staff = _staff_client(client)
    assert "emails failed" not in staff.get(reverse("admin:index")).content.decode()
    assert staff.get(RETRY).status_code in (403, 405)


def test_retry_all_answers_post_only(admin_client):
    assert admin_client.get(RETRY).status_code == 405


def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    url = reverse("admin:mail_outboxemail_changelist")
    with django_capture_on_commit_callbacks(execute=False):
        email_queue_message(to="a@police.uk", subject="A", body_text="x")
    with django_assert_max_num_queries(12) as one:
        admin_client.get(url)
    with django_capture_on_commit_callbacks(execute=False):
        for n in range(30):
            email_queue_message(to=f"b{n}@police.uk", subject="B", body_text="x")
    with django_assert_max_num_queries(len(one.captured_queries)):
        admin_client.get(url)
