"""Reminders before an edition's speakers' deadline, each sent once."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from socex.mail.services import email_queue

from ..models import (
    SpeakerDeadline,
    SpeakerReminder,
    SubmissionSpeaker,
)
from .common import (
    State,
)

# Reminders -------------------------------------------------------------------------


def speaker_reminders_send(*, today: dt.date | None = None) -> int:
    """Email each speaker who still has items to submit, ``SPEAKER_REMINDER_DAYS``
    before their edition's deadline: once per speaker, deadline and offset, however
    often this runs (a ``SpeakerReminder`` row claims each under a unique
    constraint). Returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for days in sorted(set(settings.SPEAKER_REMINDER_DAYS)):
        deadlines = SpeakerDeadline.objects.filter(
            due_on=today + dt.timedelta(days=days)
        ).select_related("edition")
        for deadline in deadlines:
            pending = (
                SubmissionSpeaker.objects.filter(
                    submission__edition=deadline.edition,
                    submission__state__in=(State.DRAFT, State.CHANGES_REQUESTED),
                    speaker__user__isnull=False,
                )
                .select_related("speaker__user", "submission")
                .order_by("speaker_id", "submission_id")
            )
            by_speaker: dict[int, list] = {}
            for link in pending:
                by_speaker.setdefault(link.speaker_id, []).append(link)
            for links in by_speaker.values():
                sent += _remind(deadline, days, links)
    return sent


@transaction.atomic
def _remind(deadline: SpeakerDeadline, days: int, links: list) -> int:
    speaker = links[0].speaker
    try:
        with transaction.atomic():
            SpeakerReminder.objects.create(
                speaker=speaker,
                edition=deadline.edition,
                deadline=deadline.due_on,
                days_before=days,
            )
    except IntegrityError:
        return 0  # already sent (a duplicated or concurrent run)
    email_queue(
        to=speaker.user.email,
        template="speak/reminder",
        context={
            "speaker": speaker,
            "edition": deadline.edition,
            "deadline": deadline.due_on,
            "days": days,
            "submissions": [link.submission for link in links],
            "portal_url": settings.SITE_URL + reverse("speak:portal"),
        },
        key=f"speaker-reminder:{speaker.pk}:{deadline.edition_id}:"
        f"{deadline.due_on}:{days}",
    )
    return 1
