"""A speaker item's life: details, submission, the organisers' decisions, the
speaker's confirmation or withdrawal, slides and the speaker's profile."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.cache import version_bump
from events.models import AgendaSession, SessionSpeaker, Speaker
from socex.mail.services import email_queue

from ..models import (
    VERSIONED_FIELDS,
    Submission,
    SubmissionEvent,
    SubmissionVersion,
)
from ..signals import submission_accepted, submission_withdrawn
from ..slides import slides_clean
from .common import (
    PROFILE_FIELDS,
    REQUIRED_FOR_SUBMIT,
    REVIEWABLE,
    State,
    _email_speakers,
    _locked,
    _log,
    _refuse_if_locked,
)


@transaction.atomic
def submission_create(
    *,
    edition,
    kind: str,
    working_title: str,
    session: AgendaSession | None = None,
    actor=None,
) -> Submission:
    """Open a speaker item (no speaker yet: invite one next)."""
    submission = Submission(
        edition=edition, kind=kind, session=session, working_title=working_title
    )
    submission.full_clean()
    submission.save()
    _log(submission, SubmissionEvent.Action.CREATED, actor)
    return submission


@transaction.atomic
def submission_details_save(
    *, submission: Submission, user, data: dict, travel: dict | None = None
) -> Submission:
    """Save the speaker's working copy (never public). ``travel`` holds the user's
    own arrival day, dietary and access needs for this item."""
    submission = _locked(submission.pk)
    _refuse_if_locked(submission)
    for field in VERSIONED_FIELDS:
        if field in data:
            setattr(submission, field, data[field])
    submission.full_clean()
    submission.save()
    if travel is not None:
        link = submission.speaker_links.filter(speaker__user=user).first()
        if link is not None:
            for field in ("arrival_date", "dietary_needs", "access_needs"):
                setattr(link, field, travel.get(field) or getattr(link, field))
            link.full_clean()
            link.save()
    return submission


@transaction.atomic
def submission_submit(*, submission: Submission, user) -> SubmissionVersion:
    """Submit the details for review: a new version is kept. Draft -> submitted;
    changes requested (or reopened after acceptance) -> resubmitted."""
    submission = _locked(submission.pk)
    _refuse_if_locked(submission)
    gaps = [
        str(submission._meta.get_field(f).verbose_name)
        for f in REQUIRED_FOR_SUBMIT
        if not getattr(submission, f)
    ]
    if gaps:
        raise ValidationError(
            _("Fill in %(fields)s before submitting.") % {"fields": ", ".join(gaps)}
        )
    number = submission.versions.count() + 1
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=number,
        submitted_by=user,
        **{field: getattr(submission, field) for field in VERSIONED_FIELDS},
    )
    submission.state = State.SUBMITTED if number == 1 else State.RESUBMITTED
    submission.details_reopened = False
    submission.save()
    _log(submission, SubmissionEvent.Action.SUBMITTED, user)
    return version


# The organisers' decisions ---------------------------------------------------------


@transaction.atomic
def submission_request_changes(
    *, submission: Submission, actor, comment: str
) -> Submission:
    """Send a submitted item back to its speakers with the organiser's comment
    (emailed to each speaker; shown in their portal). Their details reopen."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            _("Write what should change: the speakers receive this comment.")
        )
    submission = _locked(submission.pk)
    if submission.state not in REVIEWABLE:
        raise ValidationError(
            _("Only a submitted item can be sent back (this one is %(state)s).")
            % {"state": submission.get_state_display().lower()}
        )
    submission.state = State.CHANGES_REQUESTED
    submission.review_comment = comment
    submission.save()
    _log(submission, SubmissionEvent.Action.CHANGES_REQUESTED, actor, comment)
    _email_speakers(submission, "speak/changes_requested", comment=comment)
    return submission


def session_publish(submission: Submission, version: SubmissionVersion) -> None:
    """The public fields become the accepted version's: the agenda session's title
    and description, and its speakers."""
    session = submission.session
    if session is None:
        return
    AgendaSession.objects.filter(pk=session.pk).update(
        title=version.title, description=version.summary
    )
    existing = set(
        SessionSpeaker.objects.filter(session=session).values_list(
            "speaker_id", flat=True
        )
    )
    links = list(submission.speaker_links.order_by("-is_lead", "added_at", "id"))
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker_id=link.speaker_id, order=index)
        for index, link in enumerate(links)
        if link.speaker_id not in existing
    )
    version_bump()  # update() and bulk_create() send no post_save


@transaction.atomic
def submission_accept(*, submission: Submission, actor) -> Submission:
    """Accept the last submitted version. Its title and summary become the public
    ones (agenda session; ``submission_accepted`` lets the workshops app update the
    workshop and its facilitators); the details lock; each speaker is emailed the
    speaker pack (date, time, room, venue, AV, arrival)."""
    submission = _locked(submission.pk)
    if submission.state not in REVIEWABLE:
        raise ValidationError(
            _("Only a submitted item can be accepted (this one is %(state)s).")
            % {"state": submission.get_state_display().lower()}
        )
    version = submission.versions.order_by("-number").first()
    submission.accepted_version = version
    submission.state = State.CONFIRMED if submission.confirmed_at else State.ACCEPTED
    submission.details_reopened = False
    submission.review_comment = ""
    submission.save()
    session_publish(submission, version)
    _log(submission, SubmissionEvent.Action.ACCEPTED, actor)
    submission_accepted.send(sender=Submission, submission=submission, version=version)
    submission.session = (
        AgendaSession.objects.select_related("room").filter(pk=submission.session_id)
    ).first()
    _email_speakers(
        submission,
        "speak/accepted",
        version=version,
        session=submission.session,
        venue=submission.edition.venue,
    )
    return submission


@transaction.atomic
def submission_reopen(*, submission: Submission, actor) -> Submission:
    """Let the speakers edit an accepted item again; the public keeps the accepted
    version until the new one is accepted."""
    submission = _locked(submission.pk)
    if submission.state not in (State.ACCEPTED, State.CONFIRMED):
        raise ValidationError(_("Only an accepted item can be reopened."))
    submission.details_reopened = True
    submission.save()
    _log(submission, SubmissionEvent.Action.REOPENED, actor)
    return submission


@transaction.atomic
def submission_copresenters_lock(
    *, submission: Submission, actor, locked: bool
) -> Submission:
    """Lock (or unlock) co-presenter changes, apart from the details lock."""
    submission = _locked(submission.pk)
    if submission.copresenters_locked != locked:
        submission.copresenters_locked = locked
        submission.save()
        action = (
            SubmissionEvent.Action.COPRESENTERS_LOCKED
            if locked
            else SubmissionEvent.Action.COPRESENTERS_UNLOCKED
        )
        _log(submission, action, actor)
    return submission


# The speaker's answers ----------------------------------------------------------------


@transaction.atomic
def submission_confirm(*, submission: Submission, user) -> Submission:
    """The speaker confirms they will attend."""
    submission = _locked(submission.pk)
    if submission.state != State.ACCEPTED:
        raise ValidationError(_("Only an accepted item can be confirmed."))
    submission.state = State.CONFIRMED
    submission.confirmed_at = timezone.now()
    submission.save()
    _log(submission, SubmissionEvent.Action.CONFIRMED, user)
    return submission


@transaction.atomic
def submission_withdraw(
    *, submission: Submission, user, reason: str = ""
) -> Submission:
    """The speaker withdraws: the programme team is emailed, the item's speakers
    leave the agenda session (``submission_withdrawn`` lets the workshops app take
    them off the workshop), and nothing more can be edited."""
    submission = _locked(submission.pk)
    if submission.state == State.WITHDRAWN:
        raise ValidationError(_("This item is already withdrawn."))
    speaker_ids = list(submission.speaker_links.values_list("speaker_id", flat=True))
    submission.state = State.WITHDRAWN
    submission.save()
    if submission.session_id:
        SessionSpeaker.objects.filter(
            session_id=submission.session_id, speaker_id__in=speaker_ids
        ).delete()
    _log(submission, SubmissionEvent.Action.WITHDRAWN, user, reason.strip())
    submission_withdrawn.send(sender=Submission, submission=submission)
    email_queue(
        to=settings.SPEAKER_TEAM_EMAIL,
        template="speak/withdrawn",
        context={
            "submission": submission,
            "edition": submission.edition,
            "reason": reason.strip(),
            "user": user,
            "admin_url": settings.SITE_URL
            + reverse("admin:events_submission_change", args=[submission.pk]),
        },
    )
    return submission


@transaction.atomic
def submission_slides_upload(*, submission: Submission, user, file) -> Submission:
    """Store the speaker's slides (a checked PDF) privately; accepted items only."""
    submission = _locked(submission.pk)
    if submission.state not in (State.ACCEPTED, State.CONFIRMED):
        raise ValidationError(_("Slides can be uploaded once the item is accepted."))
    clean = slides_clean(file)
    old = submission.slides.name if submission.slides else ""
    submission.slides.save(clean.name, clean, save=False)
    submission.slides_uploaded_at = timezone.now()
    submission.save()
    if old:
        storage = submission.slides.storage
        transaction.on_commit(lambda: storage.delete(old))
    return submission


@transaction.atomic
def speaker_profile_save(*, speaker: Speaker, data: dict) -> Speaker:
    """Save the person's one speaker profile (public pages, badge and programme all
    read it). The photo is re-encoded square without metadata."""
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(speaker, field, data[field])
    photo = data.get("photo")
    if photo:
        speaker.photo.save(photo.name, photo, save=False)
    elif photo is False:
        speaker.photo = ""
    speaker.full_clean()
    speaker.save()
    return speaker
