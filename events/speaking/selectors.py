"""Reads of the speaker workflow shared by the portal, the admin and the emails."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Speaker
from socex.tokens import link_token_hash

from .models import (
    VERSIONED_FIELDS,
    Submission,
    SubmissionEvent,
    SubmissionInvitation,
    SubmissionSpeaker,
    SubmissionVersion,
)

OPEN_STATES = (
    Submission.State.INVITED,
    Submission.State.DRAFT,
    Submission.State.CHANGES_REQUESTED,
)


def _with_speakers(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "edition__speaker_deadline",
        "edition__venue",
        "session__room",
        "accepted_version",
    ).prefetch_related(
        Prefetch(
            "speaker_links",
            queryset=SubmissionSpeaker.objects.select_related("speaker"),
        )
    )


def speaker_of(user) -> Speaker | None:
    if not user.is_authenticated:
        return None
    return Speaker.objects.filter(user=user).first()


def submissions_for_user(*, user) -> list[Submission]:
    """Every item the user speaks at or leads, newest edition first."""
    if not user.is_authenticated:
        return []
    return list(
        _with_speakers(
            Submission.objects.filter(speaker_links__speaker__user=user)
        ).order_by("-edition__start_date", "kind", "id")
    )


def submission_for_user(*, user, pk: int) -> Submission:
    """The user's own item (co-presenters share it); anybody else's is a 404."""
    submission = (
        _with_speakers(Submission.objects.filter(speaker_links__speaker__user=user))
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise Http404("No such item")
    return submission


def details_locked_reason(submission: Submission) -> str:
    """Why the speaker cannot edit the details now, in words (empty when they can)."""
    if submission.details_open:
        return ""
    State = Submission.State
    if submission.state == State.INVITED:
        return _("Accept the invitation first.")
    if submission.state in (State.SUBMITTED, State.RESUBMITTED):
        return _(
            "Your details are with the programme team for review, so they cannot "
            "be changed now. They will ask you if anything needs to change."
        )
    if submission.state == State.WITHDRAWN:
        return _("This item was withdrawn and can no longer be edited.")
    return _(
        "These details were accepted and are now locked. Ask the programme team "
        "to reopen them if something must change."
    )


def submission_history(*, submission: Submission) -> list[SubmissionEvent]:
    return list(submission.events.select_related("actor").order_by("created_at", "id"))


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


def version_diff(
    old: SubmissionVersion | None, new: SubmissionVersion
) -> list[FieldChange]:
    """What changed from ``old`` to ``new``, field by field (every filled field
    when there is no earlier version)."""
    changes = []
    for name in VERSIONED_FIELDS:
        field = SubmissionVersion._meta.get_field(name)
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if before != after:
            if field.choices:
                before = dict(field.choices).get(before, before)
                after = dict(field.choices).get(after, after)
            changes.append(
                FieldChange(label=str(field.verbose_name), old=before, new=after)
            )
    return changes


def latest_diff(*, submission: Submission) -> list[FieldChange]:
    """The change between the last two submitted versions."""
    versions = list(submission.versions.order_by("-number")[:2])
    if not versions:
        return []
    return version_diff(versions[1] if len(versions) > 1 else None, versions[0])


@dataclass(frozen=True)
class PublicView:
    title: str
    summary: str
    speakers: list[str]
    accepted: bool


def public_view(submission: Submission) -> PublicView:
    """What the public sees of an item now: the accepted version (or the working
    title before a first acceptance) and each speaker's public name."""
    version = submission.accepted_version
    speakers = (
        [link.speaker.public_name for link in submission.speaker_links.all()]
        if version
        else []
    )
    return PublicView(
        title=version.title if version else submission.working_title,
        summary=version.summary if version else "",
        speakers=speakers,
        accepted=version is not None,
    )


def submission_deadline(submission: Submission):
    deadline = getattr(submission.edition, "speaker_deadline", None)
    return deadline.due_on if deadline else None


def submission_is_overdue(submission: Submission, today=None) -> bool:
    due = submission_deadline(submission)
    today = today or timezone.localdate()
    return bool(due and due < today and submission.state in OPEN_STATES)


def programme_queryset() -> QuerySet:
    """Speaker items for the organisers' programme view, speakers loaded."""
    return _with_speakers(Submission.objects.all())


def overdue_queryset(today=None) -> QuerySet:
    today = today or timezone.localdate()
    return Submission.objects.filter(
        state__in=OPEN_STATES, edition__speaker_deadline__due_on__lt=today
    )


def av_rows(*, edition) -> list[Submission]:
    """Every accepted item of an edition with its AV needs, in agenda order."""
    return list(
        _with_speakers(
            Submission.objects.filter(
                edition=edition,
                state__in=(Submission.State.ACCEPTED, Submission.State.CONFIRMED),
            )
        ).order_by("session__starts_at", "kind", "working_title", "id")
    )


def arrival_rows(*, edition) -> list[SubmissionSpeaker]:
    """Each speaker of an edition's live items with arrival day, dietary and access
    needs (for the venue)."""
    return list(
        SubmissionSpeaker.objects.filter(submission__edition=edition)
        .exclude(submission__state=Submission.State.WITHDRAWN)
        .select_related("speaker", "submission")
        .order_by("arrival_date", "speaker__display_name", "id")
    )


def invitation_for_token(*, token: str) -> SubmissionInvitation | None:
    """The invitation a link's token names, or None (only the hash is stored)."""
    return (
        SubmissionInvitation.objects.select_related("submission__edition")
        .filter(token_hash=link_token_hash(token))
        .first()
    )
