"""Workshop proposals: a practitioner proposes and edits while the call is open;
reviewers score blind; organisers see the average and accept or decline."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Edition, Speaker
from socex.roles.definitions import ORGANISER, REVIEWER
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory
from tests.factories.events import EditionFactory, SpeakerFactory
from tests.factories.workshops import WorkshopCallFactory, WorkshopProposalFactory
from workshops import services
from workshops.models import (
    ProposalReview,
    Workshop,
    WorkshopCall,
    WorkshopProposal,
)

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "County lines: the first 48 hours",
    "summary": "What to do when a child is found far from home.",
    "audience": "Safeguarding leads and detectives",
    "format": WorkshopProposal.Format.EXERCISE,
}


def staff_in(role: str):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


@pytest.fixture
def call():
    return WorkshopCallFactory()


@pytest.fixture
def proposer():
    return ProfileFactory(first_name="Priya", last_name="Shah").user


def close(call):
    call.opens_at = timezone.now() - dt.timedelta(days=10)
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.save()


# Services ------------------------------------------------------------------------


def test_proposal_submit_records_the_proposal(call, proposer):
    proposal = services.proposal_submit(
        call=call,
        proposer=proposer,
        co_leaders=[{"name": "Jo Bloggs", "email": "jo@police.uk"}],
        **FIELDS,
    )

    assert proposal.status == WorkshopProposal.Status.SUBMITTED
    assert proposal.co_leaders == [{"name": "Jo Bloggs", "email": "jo@police.uk"}]
    assert proposal.call == call


def test_proposal_submit_when_the_call_is_closed_is_refused(call, proposer):
    close(call)

    with pytest.raises(ValidationError, match="closed on"):
        services.proposal_submit(call=call, proposer=proposer, **FIELDS)
    assert not WorkshopProposal.objects.exists()


def test_proposal_submit_before_the_call_opens_is_refused(call, proposer):
    call.opens_at = timezone.now() + dt.timedelta(days=1)
    call.save()

    with pytest.raises(ValidationError, match="open on"):
        services.proposal_submit(call=call, proposer=proposer, **FIELDS)


def test_proposal_submit_for_a_draft_edition_is_refused(call, proposer):
    Edition.objects.filter(pk=call.edition_id).update(status=Edition.Status.DRAFT)
    call.refresh_from_db()

    with pytest.raises(ValidationError, match="not taking"):
        services.proposal_submit(call=call, proposer=proposer, **FIELDS)


def test_proposal_submit_with_a_summary_too_long_is_refused(call, proposer):
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(
            call=call, proposer=proposer, **{**FIELDS, "summary": "x" * 2001}
        )
    assert "summary" in error.value.message_dict


def test_proposal_update_by_someone_else_is_refused(call, proposer):
    proposal = WorkshopProposalFactory(call=call, proposer=proposer)

    with pytest.raises(PermissionDenied):
        services.proposal_update(
            proposal=proposal, user=UserFactory(), title="Taken over"
        )
    proposal.refresh_from_db()
    assert proposal.title != "Taken over"


def test_proposal_update_after_the_call_closes_is_refused(call, proposer):
    proposal = WorkshopProposalFactory(call=call, proposer=proposer)
    close(call)

    with pytest.raises(ValidationError, match="closed on"):
        services.proposal_update(proposal=proposal, user=proposer, title="Late")


def test_co_leaders_parse_reads_both_forms_and_names_the_bad_line():
    text = "Jo Bloggs <jo@police.uk>\n\nSam Lee, sam@nca.gov.uk\n"
    assert services.co_leaders_parse(text) == [
        {"name": "Jo Bloggs", "email": "jo@police.uk"},
        {"name": "Sam Lee", "email": "sam@nca.gov.uk"},
    ]
    with pytest.raises(ValidationError, match="Line 2"):
        services.co_leaders_parse("Jo Bloggs <jo@police.uk>\njust a name")


@pytest.mark.parametrize("score", [0, 6, "3.5", "", None, "five"])
def test_proposal_review_with_a_score_outside_1_to_5_is_refused(call, score):
    proposal = WorkshopProposalFactory(call=call)

    with pytest.raises(ValidationError, match="from 1"):
        services.proposal_review(
            proposal=proposal, reviewer=staff_in(REVIEWER), score=score
        )
    assert not ProposalReview.objects.exists()


def test_proposal_review_twice_keeps_one_review(call):
    proposal = WorkshopProposalFactory(call=call)
    reviewer = staff_in(REVIEWER)

    services.proposal_review(proposal=proposal, reviewer=reviewer, score=2)
    services.proposal_review(
        proposal=proposal, reviewer=reviewer, score=4, comment="Better on reread"
    )

    review = ProposalReview.objects.get()
    assert (review.score, review.comment) == (4, "Better on reread")


def test_proposal_review_without_the_permission_is_refused(call):
    proposal = WorkshopProposalFactory(call=call)

    with pytest.raises(PermissionDenied):
        services.proposal_review(
            proposal=proposal, reviewer=UserFactory(is_staff=True), score=3
        )


def test_proposal_accept_makes_a_workshop_led_by_the_proposer(
    call, proposer, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = WorkshopProposalFactory(call=call, proposer=proposer, **FIELDS)

    with django_capture_on_commit_callbacks(execute=True):
        workshop = services.proposal_accept(proposal=proposal, by=staff_in(ORGANISER))

    proposal.refresh_from_db()
    assert proposal.status == WorkshopProposal.Status.ACCEPTED
    assert proposal.workshop == workshop
    assert (workshop.edition, workshop.title, workshop.summary) == (
        call.edition,
        FIELDS["title"],
        FIELDS["summary"],
    )
    assert workshop.published is False
    speaker = Speaker.objects.get(user=proposer)
    assert speaker.display_name == "Priya Shah"
    assert list(workshop.facilitators.all()) == [speaker]
    assert [m.to for m in mailoutbox] == [[proposer.email]]
    message = mailoutbox[0]
    assert "accepted" in message.subject
    assert FIELDS["title"] in message.body
    assert FIELDS["title"] in message.alternatives[0][0]
    assert "SOCEX" in message.alternatives[0][0]


def test_proposal_accept_reuses_the_proposers_speaker(call, proposer):
    existing = SpeakerFactory(user=proposer)
    proposal = WorkshopProposalFactory(call=call, proposer=proposer)

    workshop = services.proposal_accept(proposal=proposal, by=staff_in(ORGANISER))

    assert list(workshop.facilitators.all()) == [existing]
    assert Speaker.objects.filter(user=proposer).count() == 1


def test_proposal_accept_links_co_leaders_who_have_accounts(call, proposer):
    colleague = UserFactory(email="Jo.Bloggs@police.uk")
    proposal = WorkshopProposalFactory(
        call=call,
        proposer=proposer,
        co_leaders=[
            {"name": "Jo Bloggs", "email": "jo.bloggs@police.uk"},
            {"name": "No Account", "email": "nobody@police.uk"},
        ],
    )

    workshop = services.proposal_accept(proposal=proposal, by=staff_in(ORGANISER))

    assert {s.user for s in workshop.facilitators.all()} == {proposer, colleague}


def test_proposal_accept_twice_makes_one_workshop(call):
    proposal = WorkshopProposalFactory(call=call)
    organiser = staff_in(ORGANISER)
    services.proposal_accept(proposal=proposal, by=organiser)

    with pytest.raises(ValidationError, match="already been accepted"):
        services.proposal_accept(proposal=proposal, by=organiser)
    assert Workshop.objects.count() == 1


def test_proposal_accept_by_a_reviewer_is_refused(call):
    proposal = WorkshopProposalFactory(call=call)

    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=proposal, by=staff_in(REVIEWER))
    proposal.refresh_from_db()
    assert proposal.status == WorkshopProposal.Status.SUBMITTED
    assert not Workshop.objects.exists()


def test_proposal_accept_by_a_reviewer_who_is_also_an_organiser_works(call):
    both = staff_in(REVIEWER)
    both.groups.add(Group.objects.get(name=ORGANISER))
    proposal = WorkshopProposalFactory(call=call)

    services.proposal_accept(proposal=proposal, by=both)

    assert Workshop.objects.count() == 1


def test_proposal_accept_with_a_title_already_used_is_refused(call):
    Workshop.objects.create(edition=call.edition, title="Taken")
    proposal = WorkshopProposalFactory(call=call, title="Taken")

    with pytest.raises(ValidationError, match="rename"):
        services.proposal_accept(proposal=proposal, by=staff_in(ORGANISER))
    proposal.refresh_from_db()
    assert proposal.status == WorkshopProposal.Status.SUBMITTED


def test_proposal_decline_emails_and_then_refuses_accept(
    call, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = WorkshopProposalFactory(call=call)
    organiser = staff_in(ORGANISER)

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_decline(proposal=proposal, by=organiser)

    assert [m.to for m in mailoutbox] == [[proposal.proposer.email]]
    with pytest.raises(ValidationError, match="declined"):
        services.proposal_accept(proposal=proposal, by=organiser)
    assert not Workshop.objects.exists()


# The practitioner's pages --------------------------------------------------------


def test_propose_page_submits_a_proposal(client, call, proposer):
    client.force_login(proposer)
    url = reverse("workshops:proposal_create", args=[call.edition.slug])

    response = client.post(
        url, {**FIELDS, "co_leaders_text": "Jo Bloggs <jo@police.uk>"}
    )

    proposal = WorkshopProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.proposer == proposer
    page = client.get(reverse("workshops:proposals")).content.decode()
    assert FIELDS["title"] in page


def test_propose_page_with_a_bad_co_leader_line_says_what_to_write(
    client, call, proposer
):
    client.force_login(proposer)
    url = reverse("workshops:proposal_create", args=[call.edition.slug])

    response = client.post(url, {**FIELDS, "co_leaders_text": "just a name"})

    assert response.status_code == 400
    assert "Name &lt;email&gt;" in response.content.decode()
    assert not WorkshopProposal.objects.exists()


def test_propose_page_when_closed_refuses_with_the_reason(client, call, proposer):
    close(call)
    client.force_login(proposer)
    url = reverse("workshops:proposal_create", args=[call.edition.slug])

    response = client.post(url, FIELDS)

    assert response.status_code == 400
    assert "closed on" in response.content.decode()
    assert not WorkshopProposal.objects.exists()


def test_propose_page_signed_out_asks_to_sign_in(client, call):
    response = client.get(
        reverse("workshops:proposal_create", args=[call.edition.slug])
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_proposal_edit_changes_it_while_open(client, call, proposer):
    proposal = WorkshopProposalFactory(call=call, proposer=proposer)
    client.force_login(proposer)

    response = client.post(
        reverse("workshops:proposal_edit", args=[proposal.pk]),
        {**FIELDS, "title": "A better title", "co_leaders_text": ""},
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "A better title"


def test_proposal_pages_of_someone_else_are_404(client, call):
    proposal = WorkshopProposalFactory(call=call)
    client.force_login(UserFactory())

    for name in ("workshops:proposal", "workshops:proposal_edit"):
        assert client.get(reverse(name, args=[proposal.pk])).status_code == 404
    response = client.post(
        reverse("workshops:proposal_edit", args=[proposal.pk]),
        {**FIELDS, "title": "Hijacked"},
    )
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.title != "Hijacked"


def test_proposal_edit_after_close_is_refused(client, call, proposer):
    proposal = WorkshopProposalFactory(call=call, proposer=proposer)
    close(call)
    client.force_login(proposer)

    response = client.post(
        reverse("workshops:proposal_edit", args=[proposal.pk]),
        {**FIELDS, "title": "Too late"},
    )

    assert response.status_code == 400
    assert "closed on" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.title != "Too late"


# Blind review in the admin -------------------------------------------------------


def test_reviewer_does_not_see_other_scores_until_they_have_scored(client, call):
    proposal = WorkshopProposalFactory(call=call)
    services.proposal_review(
        proposal=proposal,
        reviewer=staff_in(REVIEWER),
        score=1,
        comment="Secret-comment-from-the-first-reviewer",
    )
    reviewer = staff_in(REVIEWER)
    client.force_login(reviewer)
    url = reverse("admin:workshops_workshopproposal_review", args=[proposal.pk])

    before = client.get(url).content.decode()
    changelist = client.get(
        reverse("admin:workshops_workshopproposal_changelist")
    ).content.decode()
    response = client.post(url, {"score": "5", "comment": "Strong"})
    after = client.get(url).content.decode()

    assert "Secret-comment-from-the-first-reviewer" not in before
    assert "proposal-average" not in before
    assert "1 review so far" in before
    assert "Average" not in changelist
    assert response.status_code == 302
    assert "Secret-comment-from-the-first-reviewer" in after
    assert '<strong class="proposal-average">3.00</strong>' in after


def test_a_reviewer_sees_who_leads_a_proposal_but_no_email_address(
    client, call, proposer
):
    proposal = WorkshopProposalFactory(
        call=call,
        proposer=proposer,
        co_leaders=[{"name": "Sam Okoro", "email": "sam.okoro@nca.gov.uk"}],
    )
    reviewer = staff_in(REVIEWER)
    client.force_login(reviewer)
    changelist = reverse("admin:workshops_workshopproposal_changelist")

    pages = [
        client.get(url).content.decode()
        for url in (
            reverse("admin:workshops_workshopproposal_review", args=[proposal.pk]),
            changelist,
            reverse("admin:workshops_workshopproposal_change", args=[proposal.pk]),
        )
    ]
    # Searching by an address tells nothing either.
    searched = client.get(changelist, {"q": proposer.email}).content.decode()

    for page in pages:
        assert "Priya Shah" in page
        assert proposer.email not in page
        assert "sam.okoro@nca.gov.uk" not in page
    assert "Sam Okoro" in pages[0]
    assert proposal.title not in searched

    client.force_login(staff_in(ORGANISER))
    organisers = client.get(
        reverse("admin:workshops_workshopproposal_review", args=[proposal.pk])
    ).content.decode()
    assert proposer.email in organisers
    assert "sam.okoro@nca.gov.uk" in organisers


def test_review_page_with_a_bad_score_changes_nothing(client, call):
    proposal = WorkshopProposalFactory(call=call)
    client.force_login(staff_in(REVIEWER))
    url = reverse("admin:workshops_workshopproposal_review", args=[proposal.pk])

    response = client.post(url, {"score": "9", "comment": "Off the scale"})

    assert response.status_code == 400
    assert not ProposalReview.objects.exists()


def test_organiser_sees_the_average_and_accepts_from_the_list(client, call):
    proposal = WorkshopProposalFactory(call=call)
    for score in (2, 5):
        services.proposal_review(
            proposal=proposal, reviewer=staff_in(REVIEWER), score=score
        )
    client.force_login(staff_in(ORGANISER))
    changelist = reverse("admin:workshops_workshopproposal_changelist")

    page = client.get(changelist).content.decode()
    response = client.post(
        changelist,
        {"action": "accept_proposals", "index": "0", "_selected_action": [proposal.pk]},
    )

    assert "3.50" in page
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.workshop is not None


def test_reviewer_is_not_offered_accept(client, call):
    proposal = WorkshopProposalFactory(call=call)
    client.force_login(staff_in(REVIEWER))

    client.post(
        reverse("admin:workshops_workshopproposal_changelist"),
        {"action": "accept_proposals", "index": "0", "_selected_action": [proposal.pk]},
    )

    proposal.refresh_from_db()
    assert proposal.status == WorkshopProposal.Status.SUBMITTED
    assert not Workshop.objects.exists()


def test_call_closing_before_it_opens_is_refused_with_a_message():
    call = WorkshopCallFactory.build(
        edition=WorkshopCallFactory().edition,
        opens_at=timezone.now(),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )

    with pytest.raises(ValidationError) as error:
        call.full_clean(validate_unique=False)
    assert error.value.message_dict["closes_at"] == [
        "The call must close after it opens."
    ]


def test_call_admin_refuses_a_call_closing_before_it_opens(client):
    edition = EditionFactory()
    client.force_login(staff_in(ORGANISER))

    response = client.post(
        reverse("admin:workshops_workshopcall_add"),
        {
            "edition": edition.pk,
            "opens_at_0": "2027-01-10",
            "opens_at_1": "09:00",
            "closes_at_0": "2027-01-01",
            "closes_at_1": "09:00",
            "guidance": "",
        },
    )

    assert response.status_code == 200
    assert "The call must close after it opens." in response.content.decode()
    assert not WorkshopCall.objects.exists()


@pytest.mark.parametrize("proposals", [1, 12])
@pytest.mark.parametrize("role", ["Reviewer", "Organiser"])
def test_proposals_list_query_count_is_fixed(
    client, call, proposals, role, django_assert_max_num_queries
):
    reviewer = staff_in("Reviewer")
    for proposal in WorkshopProposalFactory.create_batch(proposals, call=call):
        ProposalReview.objects.create(proposal=proposal, reviewer=reviewer, score=4)
    client.force_login(reviewer if role == "Reviewer" else staff_in(role))

    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:workshops_workshopproposal_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("following the money") >= proposals
