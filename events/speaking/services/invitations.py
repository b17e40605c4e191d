"""Invitations: single-use links stored hashed, emailed as secret outbox emails, claimed
by a signed-in person whose one speaker record joins the item."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events.models import Speaker
from socex.mail.services import email_queue
from socex.tokens import link_token_hash, link_token_new

from ..models import (
    TITLE_MAX,
    Submission,
    SubmissionEvent,
    SubmissionInvitation,
    SubmissionSpeaker,
    invitation_default_expiry,
)
from .common import (
    State,
    _locked,
    _log,
)

# A speaker's invitations send SOCEX's email, with their words, to any address: a
# handful at a time and a few dozen per item are what a panel needs, and no more.
COPRESENTER_OPEN_MAX = 5
COPRESENTER_TOTAL_MAX = 20


def _copresenter_invitations_validate(submission: Submission) -> None:
    sent = SubmissionInvitation.objects.filter(
        submission=submission, is_copresenter=True
    )
    open_now = sent.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if open_now.count() >= COPRESENTER_OPEN_MAX:
        raise ValidationError(
            _(
                "%(n)s invitations to this item are waiting for an answer: wait "
                "until one is used or expires, or ask the programme team."
            )
            % {"n": COPRESENTER_OPEN_MAX}
        )
    if sent.count() >= COPRESENTER_TOTAL_MAX:
        raise ValidationError(
            _(
                "This item has sent %(n)s co-presenter invitations, the most it "
                "can: ask the programme team to invite anyone else."
            )
            % {"n": COPRESENTER_TOTAL_MAX}
        )


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
    A co-presenter invitation (by a speaker) needs the co-presenters open, fewer
    than ``COPRESENTER_OPEN_MAX`` waiting and ``COPRESENTER_TOTAL_MAX`` ever sent
    for the item (the email carries the speaker's words to any address)."""
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
    if is_copresenter:
        _copresenter_invitations_validate(submission)
    token, hashed = link_token_new()
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
    token, invitation.token_hash = link_token_new()
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
    the organisers gave) joins the item, which becomes a draft. Single use.

    The link is the invited person's alone: used by an account with another email
    address, the invited address is told which account joined (the outbox's
    ``speak/invitation_used``), so a forwarded or leaked link does not go
    unnoticed."""
    invitation = (
        SubmissionInvitation.objects.select_for_update()
        .filter(token_hash=link_token_hash(token))
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
    if not invitation_is_for(invitation, user):
        email_queue(
            to=invitation.email,
            template="speak/invitation_used",
            context={
                "invitation": invitation,
                "submission": submission,
                "edition": submission.edition,
                "account": user.email,
            },
        )
    return submission


def invitation_is_for(invitation: SubmissionInvitation, user) -> bool:
    """Whether the invitation was sent to ``user``'s email address, or to one of
    the other addresses the account has verified."""
    invited = invitation.email.strip()
    if user.email.strip().casefold() == invited.casefold():
        return True
    return EmailAddress.objects.filter(
        user_id=user.pk, verified=True, email__iexact=invited
    ).exists()
