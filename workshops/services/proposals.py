"""Workshop proposals: a practitioner proposes a workshop while an edition's call is
open, reviewers score it blind, an organiser accepts (it becomes a workshop of that
edition, led by the proposer) or declines it; the proposer hears by email."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from delegates.models import Profile
from events.models import Edition
from events.speaking.services import speaker_for_user
from socex.mail.services import email_queue

from ..models import ProposalReview, Workshop, WorkshopCall, WorkshopProposal

REVIEW = "workshops.review_proposal"
DECIDE = "workshops.decide_proposal"
MAX_CO_LEADERS = 5
# What MAX_CO_LEADERS lines of "Name <email>" can take (a 150-character name, an
# address of 254), with room for blank lines: a longer text is refused unread.
CO_LEADERS_TEXT_MAX = MAX_CO_LEADERS * 420
EDITABLE_FIELDS = ("title", "summary", "audience", "format", "co_leaders")


def co_leaders_parse(text: str) -> list[dict]:
    """Co-leaders typed one a line as ``Name <email>`` or ``Name, email``, as the
    list the proposal stores; a ``ValidationError`` says which line is wrong."""
    too_many = ValidationError(
        _("Name at most %(n)s co-leaders.") % {"n": MAX_CO_LEADERS}
    )
    if len(text) > CO_LEADERS_TEXT_MAX:
        raise too_many
    leaders, seen = [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if "<" in line and line.endswith(">"):
            name, _sep, email = line[:-1].rpartition("<")
        else:
            name, _sep, email = line.rpartition(",")
        name, email = name.strip().strip(","), email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _(
                    "Line %(line)s: write the co-leader as “Name <email>”, e.g. "
                    "“Jo Bloggs <jo.bloggs@police.uk>”."
                )
                % {"line": number}
            ) from None
        if not name or len(name) > 150:
            raise ValidationError(
                _("Line %(line)s: give the co-leader's name (up to 150 characters).")
                % {"line": number}
            )
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        leaders.append({"name": name, "email": email})
        if len(leaders) > MAX_CO_LEADERS:
            raise too_many
    return leaders


def co_leaders_text(leaders: list[dict]) -> str:
    return "\n".join(f"{leader['name']} <{leader['email']}>" for leader in leaders)


def _call_must_be_open(call: WorkshopCall, *, now=None) -> None:
    now = now or timezone.now()
    if call.edition.status != Edition.Status.PUBLISHED:
        raise ValidationError(_("This conference is not taking workshop proposals."))
    if now < call.opens_at:
        raise ValidationError(
            _("Proposals for %(edition)s open on %(when)s.")
            % {
                "edition": call.edition.title,
                "when": date_format(timezone.localtime(call.opens_at), "j F Y H:i"),
            }
        )
    if now >= call.closes_at:
        raise ValidationError(
            _(
                "The call for workshop proposals for %(edition)s closed on %(when)s: "
                "proposals can no longer be made or changed."
            )
            % {
                "edition": call.edition.title,
                "when": date_format(timezone.localtime(call.closes_at), "j F Y H:i"),
            }
        )


@transaction.atomic
def proposal_submit(
    *,
    call: WorkshopCall,
    proposer,
    title: str,
    summary: str,
    audience: str,
    format: str,
    co_leaders: list[dict] | None = None,
) -> WorkshopProposal:
    """Record a proposal from a signed-in person while ``call`` is open. No email:
    the proposer sees it on their proposals page."""
    _call_must_be_open(call)
    proposal = WorkshopProposal(
        call=call,
        proposer=proposer,
        title=title.strip(),
        summary=summary.strip(),
        audience=audience.strip(),
        format=format,
        co_leaders=co_leaders or [],
    )
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_update(*, proposal: WorkshopProposal, user, **fields) -> WorkshopProposal:
    """Change the proposer's own proposal while the call is open and it is not yet
    decided. ``fields`` are among title, summary, audience, format, co_leaders."""
    proposal = (
        WorkshopProposal.objects.select_for_update()
        .select_related("call__edition")
        .get(pk=proposal.pk)
    )
    if proposal.proposer_id != user.pk:
        raise PermissionDenied(_("Only the person who proposed it can change it."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if proposal.status != WorkshopProposal.Status.SUBMITTED:
        raise ValidationError(
            _("This proposal has been %(status)s: it can no longer be changed.")
            % {"status": proposal.get_status_display().lower()}
        )
    _call_must_be_open(proposal.call)
    for name, value in fields.items():
        setattr(proposal, name, value.strip() if isinstance(value, str) else value)
    proposal.full_clean()
    proposal.save()
    return proposal


def _score_valid(score) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if str(value) != str(score).strip() or not 1 <= value <= 5:
        raise ValidationError(
            {"score": _("Give a whole score from 1 (weak) to 5 (excellent).")}
        )
    return value


@transaction.atomic
def proposal_review(
    *, proposal: WorkshopProposal, reviewer, score, comment: str = ""
) -> ProposalReview:
    """Record (or change) ``reviewer``'s score from 1 to 5 and comment. Refused
    without the review permission or once the proposal is decided."""
    if not reviewer.has_perm(REVIEW):
        raise PermissionDenied(_("Only reviewers score workshop proposals."))
    value = _score_valid(score)
    proposal = WorkshopProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != WorkshopProposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal has been decided: reviews are closed."))
    review = ProposalReview.objects.filter(proposal=proposal, reviewer=reviewer).first()
    review = review or ProposalReview(proposal=proposal, reviewer=reviewer)
    review.score = value
    review.comment = comment.strip()
    review.full_clean()
    review.save()
    return review


def _display_name(user) -> str:
    profile = Profile.objects.filter(user=user).first()
    if profile and profile.full_name.strip():
        return profile.full_name.strip()
    return user.email.split("@")[0]


def _decider(proposal_pk: int, by) -> WorkshopProposal:
    if not by.has_perm(DECIDE):
        raise PermissionDenied(
            _("Only organisers accept or decline workshop proposals.")
        )
    proposal = (
        WorkshopProposal.objects.select_for_update()
        .select_related("call__edition", "proposer")
        .get(pk=proposal_pk)
    )
    if proposal.status != WorkshopProposal.Status.SUBMITTED:
        raise ValidationError(
            _("“%(title)s” has already been %(status)s.")
            % {"title": proposal.title, "status": proposal.get_status_display().lower()}
        )
    return proposal


def _email(proposal: WorkshopProposal, template: str) -> None:
    email_queue(
        to=proposal.proposer.email,
        template=template,
        context={
            "proposal": proposal,
            "edition": proposal.call.edition,
            "name": _display_name(proposal.proposer),
        },
        key=f"{template}:{proposal.pk}",
    )


@transaction.atomic
def proposal_accept(*, proposal: WorkshopProposal, by) -> Workshop:
    """Accept a proposal: it becomes an unpublished workshop of the call's edition
    with the accepted title and summary, led by the proposer (their one Speaker,
    made if need be) and by each co-leader who already has an account; the
    proposer is emailed (outbox). Refused without the decide permission and for a
    proposal already decided (a second accept makes no second workshop)."""
    proposal = _decider(proposal.pk, by)
    edition = proposal.call.edition
    if Workshop.objects.filter(edition=edition, title=proposal.title).exists():
        raise ValidationError(
            _(
                "%(edition)s already has a workshop called “%(title)s”: rename one "
                "of them first."
            )
            % {"edition": edition.title, "title": proposal.title}
        )
    last = Workshop.objects.filter(edition=edition).order_by("-order").first()
    workshop = Workshop.objects.create(
        edition=edition,
        title=proposal.title,
        summary=proposal.summary,
        published=False,
        order=(last.order + 1) if last else 0,
    )
    leaders = [
        speaker_for_user(user=proposal.proposer, name=_display_name(proposal.proposer))
    ]
    emails = {leader["email"].lower() for leader in proposal.co_leaders}
    users = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails, is_active=True)
        .exclude(pk=proposal.proposer_id)
    )
    leaders += [
        speaker_for_user(user=user, name=_display_name(user))
        for user in users.order_by("pk")
    ]
    workshop.facilitators.add(*leaders)
    proposal.status = WorkshopProposal.Status.ACCEPTED
    proposal.workshop = workshop
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.save(update_fields=["status", "workshop", "decided_at", "decided_by"])
    _email(proposal, "workshop_proposal_accepted")
    return workshop


@transaction.atomic
def proposal_decline(*, proposal: WorkshopProposal, by) -> WorkshopProposal:
    """Decline a proposal and email the proposer (outbox). Refused without the
    decide permission and for a proposal already decided."""
    proposal = _decider(proposal.pk, by)
    proposal.status = WorkshopProposal.Status.DECLINED
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.save(update_fields=["status", "decided_at", "decided_by"])
    _email(proposal, "workshop_proposal_declined")
    return proposal
