"""A workshop leader's details reach the delegates' choice, in real Chromium: the
leader (invited and claimed as in ``test_speaker_journey``) has submitted the
details; the choose page still shows the organisers' working title; the organiser
accepts in the admin; a confirmed delegate's choose page (a live-choice edition)
now shows the accepted title, summary and the leader's public name."""

import pytest
from playwright.sync_api import Page, expect

from events.models import Speaker, Submission
from events.speaking import services as speaking
from tests.e2e.test_speaker_journey import _log_in
from tests.events.speaking.conftest import token_sent_to
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops.speaking import workshop_speaker_item_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Tracing cryptoassets in practice"
SUMMARY = "Hands-on wallet analysis with the tools forces already hold."


def _leader_submits(workshop) -> Submission:
    submission = workshop_speaker_item_open(workshop=workshop)
    leader = UserFactory(email="alex.morgan@nca.gov.uk")
    speaking.invitation_create(
        submission=submission, name="Alex Morgan", email=leader.email
    )
    submission = speaking.invitation_claim(
        token=token_sent_to(leader.email), user=leader
    )
    speaking.speaker_profile_save(
        speaker=Speaker.objects.get(user=leader),
        data={
            "display_name": "Alex Morgan",
            "organisation": "National Crime Agency",
            "may_be_named": True,
        },
    )
    speaking.submission_details_save(
        submission=submission,
        user=leader,
        data={
            "title": TITLE,
            "summary": SUMMARY,
            "abstract": "Three exercises on real (anonymised) cases.",
            "format": Submission.Format.EXERCISE,
        },
    )
    speaking.submission_submit(submission=submission, user=leader)
    return submission


def test_accepted_workshop_details_reach_the_delegates_choice(
    live_server, page: Page, browser, browser_context_args
):
    base = live_server.url
    edition = EditionFactory(title="Economic Crime Conference 2027")
    grid = workshop_grid(edition, capacity=5)
    workshop = grid[0][0].workshop
    workshop.title = "Crypto workshop to be titled"
    workshop.save()
    submission = _leader_submits(workshop)
    delegate = RegistrationFactory(edition=edition)

    # Before acceptance the delegate sees the organisers' working title only.
    chooser = browser.new_context(**browser_context_args).new_page()
    _log_in(chooser, base, delegate.user.email)
    chooser.get_by_role("link", name="Choose my workshops").click()
    expect(chooser.get_by_label("Crypto workshop to be titled")).to_be_visible()
    expect(chooser.get_by_text(TITLE)).to_have_count(0)
    expect(chooser.get_by_text("Alex Morgan")).to_have_count(0)

    # The organiser accepts the submitted details in the admin.
    _log_in(page, base, StaffFactory().email)
    page.goto(base + f"/admin/events/submission/{submission.pk}/review/")
    page.get_by_role("button", name="Accept this version").click()
    expect(page.locator(".submission-state")).to_have_text("Accepted")

    # The delegate's choose page now shows the accepted details and the leader.
    chooser.reload()
    card = chooser.locator(".workshop-option", has_text=TITLE)
    expect(chooser.get_by_label(TITLE)).to_be_visible()
    expect(card.locator(".workshop-summary")).to_have_text(SUMMARY)
    expect(card.get_by_role("link", name="Alex Morgan")).to_be_visible()
    expect(chooser.get_by_text("Crypto workshop to be titled")).to_have_count(0)
    chooser.close()
