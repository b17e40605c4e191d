"""Demo data for the Strategic Conference's speakers' side: the unnamed speaker
("Speaker to be confirmed" in public) leads one workshop, and a call for workshop
proposals is open with three proposals, two of them scored by two reviewers.

Idempotent: keyed on the edition, the proposals' titles and the reviewers' emails.
Called by ``workshops.demo.load`` once the workshops exist.
"""

import datetime as dt

from django.contrib.auth.models import Group
from django.utils import timezone

from delegates.models import Profile, User
from events.models import Edition, Speaker
from socex.demo import DEMO_ACCOUNTS
from socex.roles.definitions import REVIEWER

from .models import ProposalReview, Workshop, WorkshopCall, WorkshopProposal

EDITION = "strategic-2027"
UNNAMED = "covert-lead"
UNNAMED_LEADS = "Prison-based organised crime"
REVIEWERS = {
    "reviewer.one@socex.example": ("Ruth", "Adeyemi"),
    "reviewer.two@socex.example": ("Colin", "Marsh"),
}
PROPOSALS = [
    # (proposer: (email, first name, last name), or None for the demo delegate;
    # title, summary, audience, format, scores by the reviewers in order)
    (
        None,
        "Fraud against the vulnerable: the first 72 hours",
        "A walk through one real investigation, from the first call to the first "
        "arrest: what the victim needed, what the team missed and what it changed.",
        "Detective sergeants and investigators new to economic crime",
        WorkshopProposal.Format.CASE_STUDY,
        [],
    ),
    (
        ("bethan.price@police.uk", "Bethan", "Price"),
        "Disrupting county lines through the rail network",
        "A table-top exercise with British Transport Police colleagues: plan the "
        "disruption of a line that moves children by train, step by step.",
        "Safeguarding leads, county lines taskforces",
        WorkshopProposal.Format.EXERCISE,
        [(5, "Strong and practical."), (4, "Would fill the room.")],
    ),
    (
        ("imran.qureshi@police.uk", "Imran", "Qureshi"),
        "Open-source intelligence for organised crime groups",
        "Which open sources tell you most about a group's structure, and how to "
        "record them so the evidence survives disclosure.",
        "Intelligence analysts and researchers",
        WorkshopProposal.Format.INTERACTIVE,
        [(3, "Useful, but overlaps the cyber workshop."), (2, "Too general.")],
    ),
]


def _person(email: str, first: str, last: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"is_staff": staff, "first_name": first}
    )
    if created:
        # Demo people who sign in through nobody's password.
        user.set_unusable_password()
        user.save()
    Profile.objects.get_or_create(
        user=user,
        defaults={
            "first_name": first,
            "last_name": last,
            "job_title": "Detective Inspector",
            "organisation": "Warwickshire Police",
            "organisation_type": Profile.OrganisationType.UK_POLICE,
        },
    )
    return user


def _unnamed_leader(edition: Edition) -> bool:
    speaker = Speaker.objects.filter(slug=UNNAMED, may_be_named=False).first()
    workshop = Workshop.objects.filter(edition=edition, title=UNNAMED_LEADS).first()
    if speaker is None or workshop is None:
        return False
    workshop.facilitators.add(speaker)
    return True


def _call(edition: Edition) -> WorkshopCall:
    now = timezone.now()
    closes = timezone.make_aware(
        dt.datetime.combine(edition.start_date - dt.timedelta(days=60), dt.time(17))
    )
    call, _created = WorkshopCall.objects.get_or_create(
        edition=edition,
        defaults={
            "opens_at": now - dt.timedelta(days=14),
            "closes_at": max(closes, now + dt.timedelta(days=30)),
            "guidance": (
                "We are looking for practical workshops led by practitioners: a real "
                "case, an exercise or a method delegates can use the week after."
            ),
        },
    )
    return call


def load(*, stdout) -> None:
    edition = Edition.objects.filter(slug=EDITION).first()
    if edition is None:
        stdout.write(f"No {EDITION} edition: demo workshop proposals skipped.")
        return
    led = _unnamed_leader(edition)
    call = _call(edition)
    group = Group.objects.filter(name=REVIEWER).first()
    reviewers = []
    for email, (first, last) in REVIEWERS.items():
        reviewer = _person(email, first, last, staff=True)
        if group is not None:
            reviewer.groups.add(group)
        reviewers.append(reviewer)
    delegate = User.objects.filter(email=DEMO_ACCOUNTS["delegate"]).first()
    for person, title, summary, audience, format, scores in PROPOSALS:
        proposer = delegate if person is None else _person(*person)
        if proposer is None:
            continue
        proposal, _created = WorkshopProposal.objects.get_or_create(
            call=call,
            title=title,
            defaults={
                "proposer": proposer,
                "summary": summary,
                "audience": audience,
                "format": format,
            },
        )
        for reviewer, (score, comment) in zip(reviewers, scores, strict=False):
            ProposalReview.objects.get_or_create(
                proposal=proposal,
                reviewer=reviewer,
                defaults={"score": score, "comment": comment},
            )
    stdout.write(
        f"{EDITION}: call for workshop proposals with {call.proposals.count()} "
        f"proposals{'; the unnamed speaker leads a workshop' if led else ''}."
    )
