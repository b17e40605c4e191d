"""Helpers shared by the speaker workflow's services."""

from django.conf import settings
from django.core.exceptions import ValidationError

from socex.mail.services import email_queue

from .. import selectors
from ..models import (
    Submission,
    SubmissionEvent,
)

State = Submission.State
REQUIRED_FOR_SUBMIT = ("title", "summary", "abstract", "format")
# What a speaker edits of their own profile (the photo apart).
PROFILE_FIELDS = (
    "display_name",
    "post_nominals",
    "role",
    "organisation",
    "bio",
    "may_be_named",
)


def _log(submission, action, actor=None, comment: str = "") -> None:
    SubmissionEvent.objects.create(
        submission=submission, action=action, actor=actor, comment=comment
    )


def _locked(submission_id: int) -> Submission:
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("edition__venue", "session__room")
        .get(pk=submission_id)
    )


def _speaker_emails(submission: Submission) -> list[str]:
    return sorted(
        {
            link.speaker.user.email
            for link in submission.speaker_links.select_related("speaker__user")
            if link.speaker.user_id and link.speaker.user.email
        }
    )


def _email_speakers(submission: Submission, template: str, **context) -> None:
    context = {
        "submission": submission,
        "edition": submission.edition,
        "portal_url": settings.SITE_URL + submission.get_absolute_url(),
        **context,
    }
    for address in _speaker_emails(submission):
        email_queue(to=address, template=template, context=context)


REVIEWABLE = (State.SUBMITTED, State.RESUBMITTED)


def _refuse_if_locked(submission: Submission) -> None:
    reason = selectors.details_locked_reason(submission)
    if reason:
        raise ValidationError(reason)
