"""Demo speaker items: the demo speaker's accepted plenary at Strategic SOCEX 2027,
and an open invitation for another speaker. (The demo speaker's workshop with changes
requested is made by workshops/demo.py, which owns workshops.)

Idempotent: each item is keyed on its edition and working title. States are written
as the workflow leaves them, without the workflow's emails.
"""

from django.utils import timezone

from events.models import AgendaSession, Edition, Speaker

from . import services
from .models import (
    VERSIONED_FIELDS,
    Submission,
    SubmissionEvent,
    SubmissionSpeaker,
    SubmissionVersion,
)

INVITEE_EMAIL = "priya.raman@example.ac.uk"


def demo_item(
    *,
    edition: Edition,
    kind: str,
    working_title: str,
    speaker: Speaker,
    details: dict,
    state: str,
    session: AgendaSession | None = None,
    comment: str = "",
) -> Submission:
    """A speaker item with ``speaker`` as lead, submitted once with ``details`` and
    left in ``state`` (accepted: published; changes_requested: with ``comment``)."""
    submission = Submission.objects.filter(
        edition=edition, working_title=working_title
    ).first()
    if submission is not None:
        return submission
    submission = Submission.objects.create(
        edition=edition,
        kind=kind,
        session=session,
        working_title=working_title,
        state=Submission.State.DRAFT,
        **details,
    )
    SubmissionSpeaker.objects.create(
        submission=submission, speaker=speaker, is_lead=True
    )
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=1,
        submitted_by=speaker.user,
        **{field: getattr(submission, field) for field in VERSIONED_FIELDS},
    )
    SubmissionEvent.objects.create(
        submission=submission, action=SubmissionEvent.Action.SUBMITTED
    )
    submission.state = state
    if state == Submission.State.ACCEPTED:
        submission.accepted_version = version
        services.session_publish(submission, version)
        SubmissionEvent.objects.create(
            submission=submission, action=SubmissionEvent.Action.ACCEPTED
        )
    elif state == Submission.State.CHANGES_REQUESTED:
        submission.review_comment = comment
        SubmissionEvent.objects.create(
            submission=submission,
            action=SubmissionEvent.Action.CHANGES_REQUESTED,
            comment=comment,
            created_at=timezone.now(),
        )
    submission.save()
    return submission


def load(*, stdout) -> None:
    edition = Edition.objects.filter(slug="strategic-2027").first()
    speaker = Speaker.objects.filter(slug="marcus-oyelaran").first()
    if edition is None or speaker is None:
        stdout.write("No Strategic SOCEX 2027 or demo speaker: speaker items skipped.")
        return
    plenary = (
        AgendaSession.objects.filter(
            edition=edition, kind=AgendaSession.Kind.PLENARY, speakers=speaker
        )
        .order_by("starts_at")
        .first()
    )
    if plenary is not None:
        demo_item(
            edition=edition,
            kind=Submission.Kind.PLENARY,
            session=plenary,
            working_title=plenary.title,
            speaker=speaker,
            state=Submission.State.ACCEPTED,
            details={
                "title": plenary.title,
                "summary": plenary.description[:300]
                or "How the threat picture shapes the year's operations.",
                "abstract": (
                    "The National Strategic Assessment in practice: which threats "
                    "grew, which fell, and what that means for regional priorities."
                ),
                "format": Submission.Format.TALK_QA,
                "microphones": 2,
                "consent_recording": True,
                "consent_slides": True,
            },
        )
    invitee = Speaker.objects.filter(slug="priya-raman").first()
    research = (
        AgendaSession.objects.filter(edition=edition, speakers=invitee)
        .order_by("starts_at")
        .first()
        if invitee
        else None
    )
    working_title = research.title if research else "Research: what works"
    kind = (
        research.kind
        if research and research.kind in Submission.Kind.values
        else Submission.Kind.PLENARY
    )
    if not Submission.objects.filter(edition=edition, working_title=working_title):
        submission = services.submission_create(
            edition=edition,
            kind=kind,
            session=research,
            working_title=working_title,
        )
        services.invitation_create(
            submission=submission,
            name="Dr Priya Raman",
            email=INVITEE_EMAIL,
            message="We would be delighted if you chaired the research panel.",
        )
    stdout.write("Speaker items ready: an accepted plenary and an open invitation.")
