"""In real Chromium: a delegate deletes their account, confirming their password
first; the waiting colleague gets the place and the account no longer signs in."""

import re

import pytest
from playwright.sync_api import Page, expect

from delegates.models import Registration
from tests.factories.accounts import PASSWORD
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delegate_deletes_their_account(live_server, page: Page):
    edition = EditionFactory(title="Economic Crime Conference 2027", capacity=1)
    user = ProfileFactory(user__email="leaving@police.uk").user
    mine = RegistrationFactory(edition=edition, user=user)
    waiter = RegistrationFactory(
        edition=edition, status=Registration.Status.WAITLISTED, confirmed_at=None
    )
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill("leaving@police.uk")
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()

    page.goto(live_server.url + "/my/privacy/")
    page.get_by_role("link", name="Delete my account…").click()
    # allauth's reauthentication first, then back to the confirmation page.
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Delete my account")).to_be_visible()
    expect(page.get_by_text(mine.reference)).to_be_visible()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()

    mine.refresh_from_db()
    waiter.refresh_from_db()
    assert mine.status == Registration.Status.CANCELLED
    assert waiter.status == Registration.Status.CONFIRMED
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill("leaving@police.uk")
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX")).not_to_be_visible()
