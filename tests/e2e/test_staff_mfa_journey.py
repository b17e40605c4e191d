"""A staff member's second factor in real Chromium: without one the admin stays
closed; they enrol an authenticator app (the code computed from the secret the page
shows, as the app would), log out, log in again with a fresh code and reach the admin.
"""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from tests.factories.accounts import PASSWORD, StaffFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_mfa,
    pytest.mark.django_db(transaction=True),
]


def _code(secret: str, counter: int) -> str:
    return format_hotp_value(hotp_value(secret, counter))


def _counter() -> int:
    return int(time.time()) // 30


def _log_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_staff_enrol_totp_log_out_and_log_in_with_a_code(live_server, page: Page):
    staff = StaffFactory(email="organiser@socex.example")

    _log_in(page, live_server, staff.email)
    # Without a second factor the admin stays closed: set one up first.
    page.goto(live_server.url + "/admin/")
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert "/admin/" not in page.url.split("?")[0]
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(
        page.get_by_role("heading", name="Set up an authenticator app")
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^[A-Z2-7]{32}$"))).to_be_visible()
    page.goto(live_server.url + "/admin/")
    expect(
        page.get_by_role("heading", name="Set up an authenticator app")
    ).to_be_visible()
    # Each visit shows a new secret: read the one on the page now.
    secret = page.get_by_label("Authenticator secret").input_value()

    enrolled_at = _counter()
    page.get_by_label("Authenticator code").fill(_code(secret, enrolled_at))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    assert Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.TOTP
    ).exists()

    page.goto(live_server.url + "/admin/")
    expect(
        page.get_by_role("heading", name="Conference administration")
    ).to_be_visible()
    page.get_by_role("button", name=re.compile("account menu")).click()
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + "/admin/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    _log_in(page, live_server, staff.email)
    expect(
        page.get_by_role("heading", name="Two-factor authentication")
    ).to_be_visible()
    # A wrong code keeps the door shut.
    right = _code(secret, _counter())
    page.get_by_label("Code").fill(f"{(int(right) + 1) % 1000000:06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    # Each code works once: wait for the app's next one when it would repeat.
    while _counter() == enrolled_at:
        time.sleep(1)
    page.get_by_label("Code").fill(_code(secret, _counter()))
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name="Conference administration")
    ).to_be_visible()
