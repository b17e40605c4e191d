"""Reminders before the speakers' deadline: once per speaker, deadline and offset."""

import datetime as dt
import threading

import pytest
from django.db import connection

from events.speaking import services, tasks
from events.speaking.models import SpeakerDeadline, SpeakerReminder
from socex.mail.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_in_seven(make_item, settings):
    settings.SPEAKER_REMINDER_DAYS = (14, 7, 2)
    submission, user = make_item()
    today = dt.date(2027, 3, 1)
    SpeakerDeadline.objects.create(
        edition=submission.edition, due_on=today + dt.timedelta(days=7)
    )
    return submission, user, today


def test_reminder_is_sent_once_however_often_the_task_runs(due_in_seven, mailoutbox):
    submission, user, today = due_in_seven

    first = services.speaker_reminders_send(today=today)
    second = services.speaker_reminders_send(today=today)

    assert (first, second) == (1, 0)
    assert SpeakerReminder.objects.get().days_before == 7
    reminders = OutboxEmail.objects.filter(to=user.email, template="speak/reminder")
    assert reminders.count() == 1
    assert submission.working_title in reminders.get().body_text


def test_no_reminder_on_other_days_or_once_submitted(due_in_seven):
    submission, user, today = due_in_seven
    assert services.speaker_reminders_send(today=today - dt.timedelta(days=1)) == 0

    services.submission_details_save(
        submission=submission,
        user=user,
        data={"title": "T", "summary": "S", "abstract": "A", "format": "talk"},
    )
    services.submission_submit(submission=submission, user=user)
    assert services.speaker_reminders_send(today=today) == 0


def test_the_beat_task_is_registered_under_its_pinned_name(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["speaker-reminders"]
    assert schedule["task"] == tasks.speaker_reminders_send.name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_duplicated_task_running_at_once_sends_one_reminder(make_item, settings):
    settings.SPEAKER_REMINDER_DAYS = (7,)
    submission, _user = make_item()
    today = dt.date(2027, 3, 1)
    SpeakerDeadline.objects.create(
        edition=submission.edition, due_on=today + dt.timedelta(days=7)
    )
    results, barrier = [], threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            results.append(services.speaker_reminders_send(today=today))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 0, 0, 1]
    assert OutboxEmail.objects.filter(template="speak/reminder").count() == 1
