"""A speaker's journey in real Chromium: an organiser invites by email from the
admin; the invitee follows the emailed link, signs up, verifies their address, fills
in their details with a photo and submits; the organiser asks for a change; the
speaker changes the abstract and resubmits; the organiser sees the difference and
accepts; the speaker confirms; the public agenda shows the accepted details."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from events.models import Submission
from events.speaking import services
from tests.factories.accounts import PASSWORD, StaffFactory
from tests.factories.events import AgendaSessionFactory, EditionFactory
from tests.socex.test_uploads import _gps_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITEE = "sam.speaker@police.uk"
INVITATION = re.compile(r"https?://[^\s\"<>]+(/speak/invitations/[-\w]+/)")
CONFIRM = re.compile(r"https?://[^\s\"<>]+(/accounts/confirm-email/[^\s\"<>]+/)")


def _last_link(pattern, to: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [to] and pattern.search(message.body):
            return pattern.search(message.body).group(1)
    raise AssertionError(f"no such link emailed to {to}")


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In|Log in", re.I)).click()


def test_invited_speaker_submits_revises_and_is_published(
    live_server, page: Page, browser, browser_context_args, tmp_path
):
    base = live_server.url
    edition = EditionFactory(title="Strategic SOCEX Test")
    session = AgendaSessionFactory(edition=edition, title="Plenary to be titled")
    organiser = StaffFactory()
    submission = services.submission_create(
        edition=edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )

    # The organiser invites by email from the item's page in the admin.
    _log_in(page, base, organiser.email)
    page.goto(base + "/admin/events/submission/")
    page.get_by_role("link", name="Plenary to be titled").click()
    page.get_by_role("link", name="Invite a speaker").click()
    page.get_by_label("Name").fill("Sam Speaker")
    page.get_by_label("Email address").fill(INVITEE)
    page.get_by_label("Personal message").fill("We would love you to open day one.")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"Invitation emailed to {INVITEE}")).to_be_visible()

    # The invitee follows the link from the email and signs up.
    speaker = browser.new_context(**browser_context_args).new_page()
    invitation = base + _last_link(INVITATION, INVITEE)
    speaker.goto(invitation)
    expect(speaker.get_by_text("We would love you to open day one.")).to_be_visible()
    speaker.get_by_role("main").get_by_role("link", name="Sign up").click()
    speaker.get_by_label(re.compile(r"^\s*Email")).fill(INVITEE)
    speaker.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    speaker.get_by_label(re.compile(r"^\s*Password \(again\)")).fill(PASSWORD)
    speaker.get_by_role("button", name="Sign Up").click()
    speaker.goto(base + _last_link(CONFIRM, INVITEE))
    speaker.goto(invitation)
    speaker.get_by_role("button", name="Accept the invitation").click()
    expect(speaker.get_by_role("heading", name="Plenary to be titled")).to_be_visible()

    # Their profile, with a photo; then the details, submitted.
    photo = tmp_path / "me.jpg"
    photo.write_bytes(_gps_jpeg())
    speaker.goto(base + "/speak/profile/")
    speaker.get_by_label("Name as displayed").fill("Sam Speaker")
    speaker.get_by_label("Organisation", exact=True).fill(
        "Regional Organised Crime Unit"
    )
    speaker.get_by_label("Photo", exact=True).set_input_files(str(photo))
    speaker.get_by_role("button", name="Save profile").click()
    expect(speaker.get_by_text("Your speaker profile is saved.")).to_be_visible()

    speaker.goto(base + submission.get_absolute_url())
    speaker.get_by_label("Title", exact=True).fill("Disrupting county lines")
    speaker.get_by_label("Summary").fill("What three years of operations taught us.")
    expect(speaker.get_by_text(re.compile(r"41 of 300 characters"))).to_be_visible()
    speaker.get_by_label("Abstract").fill("First abstract.")
    speaker.get_by_label("Format").select_option(label="Talk with questions")
    speaker.get_by_role("button", name="Save and submit for review").click()
    expect(speaker.locator(".item-state")).to_have_text("Submitted")

    # The organiser asks for a change.
    review = base + f"/admin/events/submission/{submission.pk}/review/"
    page.goto(review)
    page.get_by_label("What should change").fill("Please name one operation.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator(".submission-state")).to_have_text("Changes requested")

    # The speaker reads the comment, changes the abstract and resubmits.
    speaker.reload()
    expect(speaker.locator(".review-comment")).to_contain_text(
        "Please name one operation."
    )
    speaker.get_by_label("Abstract").fill("Operation Venetic, step by step.")
    speaker.get_by_role("button", name="Save and submit for review").click()
    expect(speaker.locator(".item-state")).to_have_text("Resubmitted")

    # The organiser sees the difference and accepts.
    page.goto(review)
    latest = page.locator(".version-diff").first
    expect(latest.locator("del")).to_have_text("First abstract.")
    expect(latest.locator("ins")).to_have_text("Operation Venetic, step by step.")
    page.get_by_role("button", name="Accept this version").click()
    expect(page.locator(".submission-state")).to_have_text("Accepted")

    # The speaker confirms.
    speaker.reload()
    speaker.get_by_role("button", name="Confirm I will attend").click()
    expect(speaker.locator(".item-state")).to_have_text("Confirmed")

    # The public agenda shows the accepted title, summary and speaker.
    visitor = browser.new_context(**browser_context_args).new_page()
    visitor.goto(base + edition.get_absolute_url() + "agenda/")
    expect(
        visitor.get_by_role("heading", name="Disrupting county lines")
    ).to_be_visible()
    expect(
        visitor.get_by_text("What three years of operations taught us.")
    ).to_be_visible()
    expect(visitor.get_by_role("link", name="Sam Speaker")).to_be_visible()
    expect(visitor.get_by_text("Plenary to be titled")).to_have_count(0)
    speaker.close()
    visitor.close()
