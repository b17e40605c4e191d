"""Registration journeys in real Chromium: a trusted police.uk delegate is confirmed at
once; a gmail.com delegate waits until an organiser approves in the admin."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from delegates.models import Registration
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


@pytest.fixture
def edition():
    edition = EditionFactory(title="Economic Crime Conference 2027", capacity=400)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    return edition


def _log_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_police_delegate_signs_up_registers_and_is_confirmed_at_once(
    live_server, page: Page, edition
):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(
        "sam.patel@west-midlands.police.uk"
    )
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^\s*Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    link = LINK.search(mail.outbox[-1].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", live_server.url, link))
    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()

    page.goto(live_server.url + edition.get_absolute_url())
    page.get_by_role("link", name=re.compile(r"^Register")).first.click()
    # No profile yet: the profile form comes first, then back to registration.
    expect(page.get_by_role("heading", name="Complete your profile")).to_be_visible()
    page.get_by_label(re.compile(r"^\s*Title or rank")).fill("DI")
    page.get_by_label(re.compile(r"^\s*First name")).fill("Sam")
    page.get_by_label(re.compile(r"^\s*Last name")).fill("Patel")
    page.get_by_label(re.compile(r"^\s*Job title")).fill("Detective Inspector")
    page.get_by_label(re.compile(r"^\s*Organisation\*?\s*$")).fill(
        "West Midlands Police"
    )
    page.get_by_label(re.compile(r"^\s*Organisation type")).select_option("uk_police")
    page.get_by_label(re.compile(r"^\s*Dietary")).fill("Vegetarian")
    page.get_by_role("button", name=re.compile("Save profile")).click()

    expect(
        page.get_by_role("heading", name=f"Register for {edition.title}")
    ).to_be_visible()
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_text("You are confirmed for")).to_be_visible()
    expect(page.locator(".registration-status")).to_have_text("Confirmed")
    registration = Registration.objects.get(user__email__startswith="sam.patel")
    expect(page.locator(".registration-reference")).to_have_text(registration.reference)
    confirmation = next(m for m in mail.outbox if m.subject.startswith("Confirmed:"))
    assert confirmation.to == ["sam.patel@west-midlands.police.uk"]
    assert confirmation.attachments[0][2] == "text/calendar"


def test_gmail_delegate_is_pending_until_an_organiser_approves(
    live_server, page: Page, edition
):
    delegate = UserFactory(email="jo.bloggs@gmail.com")
    ProfileFactory(user=delegate, first_name="Jo", last_name="Bloggs")
    organiser = StaffFactory()

    _log_in(page, live_server, delegate.email)
    page.goto(live_server.url + edition.get_absolute_url())
    page.get_by_role("link", name=re.compile(r"^Register")).first.click()
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".registration-status")).to_have_text("Pending approval")
    assert any(m.subject.startswith("We have received") for m in mail.outbox)
    _log_out(page)

    page.goto(live_server.url + "/admin/login/?next=/admin/delegates/registration/")
    page.get_by_label("Email").fill(organiser.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The admin's sidebar: the registrations waiting for vetting.
    page.get_by_role("link", name="Pending vetting").click()
    row = page.get_by_role("row").filter(has_text="jo.bloggs@gmail.com")
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("approve")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("1 registration(s) confirmed.")).to_be_visible()
    page.goto(live_server.url + "/")
    _log_out(page)

    _log_in(page, live_server, delegate.email)
    expect(page.locator(".registration-status")).to_have_text("Confirmed")
    confirmation = next(m for m in mail.outbox if m.subject.startswith("Confirmed:"))
    assert confirmation.to == ["jo.bloggs@gmail.com"]


def test_delegate_cancels_then_registers_again(live_server, page: Page, edition):
    delegate = UserFactory(email="jo.bloggs@police.uk", verified=True)
    ProfileFactory(user=delegate, first_name="Jo", last_name="Bloggs")

    _log_in(page, live_server, delegate.email)
    page.goto(live_server.url + edition.get_absolute_url())
    page.get_by_role("link", name=re.compile(r"^Register")).first.click()
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".registration-status")).to_have_text("Confirmed")

    page.get_by_role("link", name=re.compile("^Cancel registration")).click()
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.locator(".registration-status")).to_have_text("Cancelled")
    reference = Registration.objects.get(user=delegate).reference
    page.goto(live_server.url + f"/my/registrations/{reference}/cancel/")
    expect(page.get_by_role("button", name="Cancel my registration")).to_have_count(0)

    page.get_by_role("link", name=re.compile("^Register again")).click()
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_text("You are confirmed for")).to_be_visible()
    expect(page.locator(".registration-status")).to_have_text("Confirmed")
    expect(page.locator(".registration-reference")).to_have_text(reference)
    assert Registration.objects.filter(user=delegate).count() == 1
    subjects = [m.subject for m in mail.outbox if m.to == [delegate.email]]
    assert sum(s.startswith("Confirmed:") for s in subjects) == 2
