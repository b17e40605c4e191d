import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


def test_new_user_signs_up_verifies_email_and_is_logged_in(live_server, page: Page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    # Crispy marks required fields with "*", part of each label's accessible name.
    page.get_by_label(re.compile(r"^\s*Email")).fill("jo.bloggs@police.uk")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^\s*Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(
        page.get_by_role("heading", name="Verify your email address")
    ).to_be_visible()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jo.bloggs@police.uk"]
    link = LINK.search(mail.outbox[0].body).group(0)
    link = re.sub(r"^https?://[^/]+", live_server.url, link)

    page.goto(link)
    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
