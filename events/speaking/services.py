"""Writes of the speaker workflow: every state change of a speaker item, its
invitations, the speaker's profile, slides and the deadline reminders.

States: invited -> draft -> submitted -> accepted, or changes_requested ->
resubmitted -> accepted; accepted -> confirmed; any -> withdrawn. After acceptance
the details are locked until an organiser reopens them or asks for a change.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events.cache import version_bump
from events.models import AgendaSession, SessionSpeaker, Speaker
from socex.mail.services import email_queue

from . import selectors
from .models import (
    TITLE_MAX,
    VERSIONED_FIELDS,
    SpeakerDeadline,
    SpeakerReminder,
    Submission,
    SubmissionEvent,
    SubmissionInvitation,
    SubmissionSpeaker,
    SubmissionVersion,
    invitation_default_expiry,
)
from .signals import submission_accepted, submission_withdrawn
from .slides import slides_clean

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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


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


# Items ---------------------------------------------------------------------------


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


def _send_invitation(invitation: SubmissionInvitation, token: str) -> None:
    link = settings.SITE_URL + reverse("speak:invitation", kwargs={"token": token})
    email_queue(
        to=invitation.email,
        template="speak/invitation",
        context={
            "invitation": invitation,
            "submission": invitation.submission,
            "edition": invitation.submission.edition,
            "link": link,
            "expires_at": invitation.expires_at,
        },
        # The link grants the item: stored encrypted, never shown, body removed.
        secret=True,
    )


@transaction.atomic
def invitation_create(
    *,
    submission: Submission,
    name: str,
    email: str,
    message: str = "",
    invited_by=None,
    is_copresenter: bool = False,
    speaker: Speaker | None = None,
) -> SubmissionInvitation:
    """Invite a person to speak on an item: a single-use link, valid for
    ``SPEAKER_INVITATION_DAYS``, emailed through the outbox as a secret email.
    A co-presenter invitation (by a speaker) needs the co-presenters open."""
    submission = _locked(submission.pk)
    if submission.state == State.WITHDRAWN:
        raise ValidationError(
            _("This item was withdrawn: nobody can be invited to it.")
        )
    if is_copresenter and not submission.copresenters_open:
        raise ValidationError(
            _(
                "Co-presenters can no longer be changed on this item. Ask the "
                "programme team if someone else should join you."
            )
        )
    token, hashed = _new_token()
    invitation = SubmissionInvitation(
        submission=submission,
        name=name.strip(),
        email=email.strip(),
        message=message.strip(),
        is_copresenter=is_copresenter,
        speaker=speaker,
        token_hash=hashed,
        invited_by=invited_by,
    )
    invitation.full_clean()
    invitation.save()
    _log(submission, SubmissionEvent.Action.INVITED, invited_by, invitation.email)
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: SubmissionInvitation, actor=None):
    """Send a fresh link (the old one stops working) with a new expiry."""
    invitation = SubmissionInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at:
        raise ValidationError(_("This invitation was already used: nothing to resend."))
    token, invitation.token_hash = _new_token()
    invitation.expires_at = invitation_default_expiry()
    invitation.revoked_at = None
    invitation.save(update_fields=["token_hash", "expires_at", "revoked_at"])
    _log(invitation.submission, SubmissionEvent.Action.INVITED, actor, invitation.email)
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: SubmissionInvitation, actor=None):
    """Stop an open invitation's link from working."""
    invitation = SubmissionInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at:
        raise ValidationError(
            _("This invitation was already used: it cannot be revoked.")
        )
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_refusal(invitation: SubmissionInvitation | None) -> str:
    """Why a link cannot be used (empty when it can), and how to get a new one."""
    again = _("Ask the SOCEX programme team, or whoever invited you, for a new link.")
    if invitation is None:
        return _("This invitation link is not valid.") + " " + again
    status = invitation.status
    if status == SubmissionInvitation.Status.USED:
        return (
            _("This invitation has already been used. Log in to see your items.")
            + " "
            + _("If it was not you, tell the programme team.")
        )
    if status == SubmissionInvitation.Status.REVOKED:
        return _("This invitation was withdrawn by the organisers.") + " " + again
    if status == SubmissionInvitation.Status.EXPIRED:
        return _("This invitation link has expired.") + " " + again
    return ""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:140] or "speaker"
    slug, n = base, 1
    while Speaker.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def speaker_for_user(*, user, name: str, record: Speaker | None = None) -> Speaker:
    """The person's one speaker record: theirs if they have one; else ``record`` (an
    organiser-made speaker with no account yet), now linked; else a new one."""
    speaker = Speaker.objects.select_for_update().filter(user=user).first()
    if speaker is not None:
        return speaker
    if record is not None:
        record = Speaker.objects.select_for_update().get(pk=record.pk)
        if record.user_id is None:
            record.user = user
            record.save(update_fields=["user"])
            return record
    speaker = Speaker(display_name=name or user.email.split("@")[0], user=user)
    speaker.slug = _unique_slug(speaker.display_name)
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def invitation_claim(*, token: str, user) -> Submission:
    """Use an invitation: the user's speaker record (reused, or made from the name
    the organisers gave) joins the item, which becomes a draft. Single use."""
    invitation = (
        SubmissionInvitation.objects.select_for_update()
        .filter(token_hash=token_hash(token))
        .first()
    )
    refusal = invitation_refusal(invitation)
    if refusal:
        raise ValidationError(refusal)
    submission = _locked(invitation.submission_id)
    if submission.state == State.WITHDRAWN:
        raise ValidationError(_("This item was withdrawn: the invitation is closed."))
    speaker = speaker_for_user(
        user=user, name=invitation.name, record=invitation.speaker
    )
    has_lead = submission.speaker_links.filter(is_lead=True).exists()
    SubmissionSpeaker.objects.get_or_create(
        submission=submission,
        speaker=speaker,
        defaults={"is_lead": not has_lead and not invitation.is_copresenter},
    )
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    if submission.state == State.INVITED:
        submission.state = State.DRAFT
        if not submission.title:
            submission.title = submission.working_title[:TITLE_MAX]
        submission.save()
    _log(submission, SubmissionEvent.Action.JOINED, user, speaker.display_name)
    return submission


# The speaker's edits ---------------------------------------------------------------


def _refuse_if_locked(submission: Submission) -> None:
    reason = selectors.details_locked_reason(submission)
    if reason:
        raise ValidationError(reason)


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

REVIEWABLE = (State.SUBMITTED, State.RESUBMITTED)


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
