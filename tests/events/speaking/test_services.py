"""The speaker workflow's services: invitations, states, locks, publishing."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from events.models import AgendaSession, SessionSpeaker, Speaker, Submission
from events.speaking import selectors, services
from events.speaking.models import SubmissionInvitation
from socex.mail.models import OutboxEmail
from socex.tokens import link_token_hash
from tests.factories.accounts import UserFactory
from tests.factories.events import SpeakerFactory

from .conftest import DETAILS, token_sent_to

pytestmark = pytest.mark.django_db
State = Submission.State


def test_invitation_stores_only_a_hash_and_its_email_is_secret(session):
    submission = services.submission_create(
        edition=session.edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="jo@police.uk", message="Please come"
    )
    token = token_sent_to("jo@police.uk")
    email = OutboxEmail.objects.get(to="jo@police.uk")

    assert invitation.token_hash == link_token_hash(token)
    assert token not in invitation.token_hash
    assert email.secret is True
    assert token not in email.body_text and token not in email.body_html
    assert token not in email.subject


def test_claim_makes_one_speaker_and_the_item_a_draft(make_item):
    submission, user = make_item()

    assert submission.state == State.DRAFT
    assert list(submission.speakers.all()) == [user.speaker]
    assert submission.speaker_links.get().is_lead is True
    assert submission.title == submission.working_title


def test_claim_by_the_invited_address_sends_no_notice(make_item):
    _submission, user = make_item()

    assert not OutboxEmail.objects.filter(template="speak/invitation_used").exists()


def test_claim_by_another_account_tells_the_invited_address(session):
    submission = services.submission_create(
        edition=session.edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )
    services.invitation_create(submission=submission, name="Jo", email="Jo@Police.uk")
    holder = UserFactory(email="someone.else@example.com")

    services.invitation_claim(token=token_sent_to("Jo@Police.uk"), user=holder)

    notice = OutboxEmail.objects.get(template="speak/invitation_used")
    assert notice.to == "Jo@Police.uk"
    assert "someone.else@example.com" in notice.body_text
    assert session.title in notice.body_text
    # The same address in other letters, or one the account verified, is the
    # invited person; an address it did not verify is not.
    invitation = SubmissionInvitation(email=" jo@police.UK ")
    assert services.invitation_is_for(invitation, UserFactory(email="jo@police.uk"))
    other = UserFactory(email="jo.work@example.com")
    EmailAddress.objects.create(user=other, email="Jo@Home.uk", verified=False)
    to_home = SubmissionInvitation(email="jo@home.uk")
    assert not services.invitation_is_for(to_home, other)
    EmailAddress.objects.filter(email="Jo@Home.uk").update(verified=True)
    assert services.invitation_is_for(to_home, other)


def test_claim_reuses_the_existing_speaker_of_the_account(make_item, edition):
    existing = SpeakerFactory(user=UserFactory(), display_name="Existing Name")
    first, _user = make_item(existing.user)
    other_session = AgendaSession.objects.create(
        edition=edition,
        kind=AgendaSession.Kind.KEYNOTE,
        title="Second",
        starts_at=first.session.ends_at,
        ends_at=first.session.ends_at + dt.timedelta(hours=1),
    )
    second, _user = make_item(existing.user, session=other_session)

    assert Speaker.objects.filter(user=existing.user).count() == 1
    assert first.speakers.get() == existing == second.speakers.get()


def test_claim_links_the_organisers_speaker_record_instead_of_a_new_one(session):
    record = SpeakerFactory(display_name="Typed In By Organisers")
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    services.invitation_create(
        submission=submission, name="Jo", email="rec@police.uk", speaker=record
    )
    user = UserFactory(email="rec@police.uk")

    services.invitation_claim(token=token_sent_to("rec@police.uk"), user=user)

    record.refresh_from_db()
    assert record.user == user
    assert Speaker.objects.count() == 1
    assert list(submission.speakers.all()) == [record]


def test_an_invitation_works_once(make_item):
    submission, user = make_item()
    token = token_sent_to(user.email)

    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_claim(token=token, user=UserFactory())
    assert submission.speaker_links.count() == 1


def test_expired_invitation_is_refused_and_says_how_to_get_a_new_one(session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="late@police.uk"
    )
    SubmissionInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with pytest.raises(ValidationError, match="expired.*new link"):
        services.invitation_claim(
            token=token_sent_to("late@police.uk"), user=UserFactory()
        )
    assert not submission.speaker_links.exists()


def test_revoked_invitation_is_refused(session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="rev@police.uk"
    )
    services.invitation_revoke(invitation=invitation)

    with pytest.raises(ValidationError, match="withdrawn by the organisers"):
        services.invitation_claim(
            token=token_sent_to("rev@police.uk"), user=UserFactory()
        )


def test_resend_replaces_the_link(session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="again@police.uk"
    )
    old = token_sent_to("again@police.uk")
    services.invitation_resend(invitation=invitation)
    new = token_sent_to("again@police.uk")

    assert old != new
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_claim(token=old, user=UserFactory())
    services.invitation_claim(token=new, user=UserFactory())


@override_settings(SPEAKER_INVITATION_DAYS=5)
def test_invitation_expiry_follows_the_setting(session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="five@police.uk"
    )
    days = (invitation.expires_at - timezone.now()).total_seconds() / 86400
    assert 4.99 < days <= 5


def test_submit_needs_every_detail(make_item):
    submission, user = make_item()
    with pytest.raises(ValidationError, match="summary"):
        services.submission_submit(submission=submission, user=user)


def test_the_full_workflow_publishes_only_the_accepted_version(
    submitted, mailoutbox, django_capture_on_commit_callbacks
):
    submission, user = submitted
    session = submission.session
    organiser = UserFactory(is_staff=True)
    assert submission.state == State.SUBMITTED
    session.refresh_from_db()
    assert session.title == "Working title: organised crime"  # nothing public yet

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_request_changes(
            submission=submission, actor=organiser, comment="Shorter abstract, please."
        )
    assert any("Shorter abstract" in m.body for m in mailoutbox)
    services.submission_details_save(
        submission=submission,
        user=user,
        data={**DETAILS, "abstract": "A shorter abstract."},
    )
    session.refresh_from_db()
    assert session.description == ""  # a draft never reaches the session
    services.submission_submit(submission=submission, user=user)
    submission.refresh_from_db()
    assert submission.state == State.RESUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_accept(submission=submission, actor=organiser)
    submission.refresh_from_db()
    session.refresh_from_db()
    assert submission.state == State.ACCEPTED
    assert session.title == "Following the money"
    assert session.description == DETAILS["summary"]
    assert SessionSpeaker.objects.filter(session=session, speaker=user.speaker).exists()
    pack = [m for m in mailoutbox if m.subject.startswith("Accepted")]
    assert pack and session.room.name in pack[0].body

    services.submission_confirm(submission=submission, user=user)
    submission.refresh_from_db()
    assert submission.state == State.CONFIRMED


def test_accepted_details_are_locked_until_reopened(submitted):
    submission, user = submitted
    services.submission_accept(submission=submission, actor=None)

    with pytest.raises(ValidationError, match="accepted and are now locked"):
        services.submission_details_save(
            submission=submission, user=user, data={"title": "Changed"}
        )

    services.submission_reopen(submission=submission, actor=None)
    services.submission_details_save(
        submission=submission, user=user, data={**DETAILS, "title": "Changed"}
    )
    submission.session.refresh_from_db()
    assert submission.session.title == "Following the money"  # until accepted again
    services.submission_submit(submission=submission, user=user)
    services.submission_accept(submission=submission, actor=None)
    submission.session.refresh_from_db()
    assert submission.session.title == "Changed"


def test_submitted_details_cannot_be_edited_during_review(submitted):
    submission, user = submitted
    with pytest.raises(ValidationError, match="with the programme team for review"):
        services.submission_details_save(
            submission=submission, user=user, data={"title": "Sneaky"}
        )


def test_request_changes_needs_a_comment(submitted):
    submission, _user = submitted
    with pytest.raises(ValidationError, match="Write what should change"):
        services.submission_request_changes(
            submission=submission, actor=None, comment="  "
        )


def test_copresenter_joins_the_same_item_until_locked(make_item):
    submission, user = make_item()
    services.invitation_create(
        submission=submission,
        name="Co",
        email="co@police.uk",
        invited_by=user,
        is_copresenter=True,
    )
    co = UserFactory(email="co@police.uk")
    services.invitation_claim(token=token_sent_to("co@police.uk"), user=co)

    links = {link.speaker.user: link.is_lead for link in submission.speaker_links.all()}
    assert links == {user: True, co: False}

    services.submission_copresenters_lock(
        submission=submission, actor=None, locked=True
    )
    with pytest.raises(ValidationError, match="Co-presenters can no longer be changed"):
        services.invitation_create(
            submission=submission,
            name="Third",
            email="third@police.uk",
            invited_by=user,
            is_copresenter=True,
        )
    # The details lock is separate: the details are still open.
    services.submission_details_save(submission=submission, user=co, data=DETAILS)


def test_withdraw_tells_the_programme_team_and_leaves_the_agenda(
    submitted, mailoutbox, django_capture_on_commit_callbacks, settings
):
    submission, user = submitted
    services.submission_accept(submission=submission, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_withdraw(submission=submission, user=user, reason="Ill")

    submission.refresh_from_db()
    assert submission.state == State.WITHDRAWN
    assert not SessionSpeaker.objects.filter(session=submission.session).exists()
    team = [m for m in mailoutbox if m.to == [settings.SPEAKER_TEAM_EMAIL]]
    assert len(team) == 1 and "Ill" in team[0].body


def test_version_diff_names_each_changed_field(submitted):
    submission, user = submitted
    services.submission_request_changes(submission=submission, actor=None, comment="x")
    services.submission_details_save(
        submission=submission,
        user=user,
        data={**DETAILS, "abstract": "New abstract", "microphones": 3},
    )
    services.submission_submit(submission=submission, user=user)

    changes = selectors.latest_diff(submission=submission)

    assert [(c.label, c.old, c.new) for c in changes] == [
        ("abstract", DETAILS["abstract"], "New abstract"),
        ("microphones", 1, 3),
    ]
    assert submission.versions.count() == 2


def test_public_view_shows_the_working_title_then_the_accepted_one(submitted):
    submission, _user = submitted
    assert selectors.public_view(submission).title == "Working title: organised crime"
    services.submission_accept(submission=submission, actor=None)
    submission = selectors.programme_queryset().get(pk=submission.pk)
    assert selectors.public_view(submission).title == "Following the money"


def test_unnamed_speaker_is_speaker_to_be_confirmed_in_the_public_view(submitted):
    submission, user = submitted
    Speaker.objects.filter(user=user).update(may_be_named=False)
    services.submission_accept(submission=submission, actor=None)
    submission = selectors.programme_queryset().get(pk=submission.pk)

    assert selectors.public_view(submission).speakers == ["Speaker to be confirmed"]
