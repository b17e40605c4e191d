"""A workshop's leaders submit its details; the accepted version is the workshop's."""

import pytest
from django.core.exceptions import ValidationError

from events.models import Submission
from events.speaking import services
from tests.events.speaking.conftest import DETAILS, token_sent_to
from tests.factories.accounts import UserFactory
from tests.factories.events import EditionFactory
from workshops.models import Workshop
from workshops.speaking import workshop_speaker_item_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    return Workshop.objects.create(
        edition=EditionFactory(), title="Working workshop title", summary="Old"
    )


def _lead(workshop):
    submission = workshop_speaker_item_open(workshop=workshop)
    services.invitation_create(submission=submission, name="Lee", email="lee@nca.uk")
    user = UserFactory(email="lee@nca.uk")
    services.invitation_claim(token=token_sent_to("lee@nca.uk"), user=user)
    services.submission_details_save(submission=submission, user=user, data=DETAILS)
    services.submission_submit(submission=submission, user=user)
    return submission, user


def test_accepting_a_workshop_writes_title_summary_and_leaders(workshop):
    submission, user = _lead(workshop)
    workshop.refresh_from_db()
    assert workshop.title == "Working workshop title"  # drafts stay private

    services.submission_accept(submission=submission, actor=None)

    workshop.refresh_from_db()
    assert submission.kind == Submission.Kind.WORKSHOP
    assert workshop.title == DETAILS["title"]
    assert workshop.summary == DETAILS["summary"]
    assert list(workshop.facilitators.all()) == [user.speaker]


def test_a_title_another_workshop_has_refuses_the_accept(workshop):
    Workshop.objects.create(edition=workshop.edition, title=DETAILS["title"])
    submission, _user = _lead(workshop)

    with pytest.raises(ValidationError, match="Another workshop"):
        services.submission_accept(submission=submission, actor=None)
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED


def test_withdrawn_leader_is_no_longer_a_facilitator(workshop):
    submission, user = _lead(workshop)
    services.submission_accept(submission=submission, actor=None)
    services.submission_withdraw(submission=submission, user=user)

    assert not workshop.facilitators.exists()


def test_a_workshop_has_one_speaker_item(workshop):
    workshop_speaker_item_open(workshop=workshop)
    with pytest.raises(ValidationError, match="already has"):
        workshop_speaker_item_open(workshop=workshop)
