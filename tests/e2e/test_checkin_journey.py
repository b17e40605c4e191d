"""Check-in at the door in real Chromium: an organiser opens the check-in page, submits
a demo delegate's badge code (as a USB scanner would type it) and sees them checked
in; scanning again says when."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from delegates.badges.models import CheckIn
from delegates.badges.tokens import token_for
from delegates.models import Registration
from events.models import Edition
from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_registration():
    call_command("load_demo", stdout=io.StringIO())
    registration = Registration.objects.get(
        user__email=DEMO_ACCOUNTS["delegate"], status=Registration.Status.CONFIRMED
    )
    # The door opens only around the event: hold the demo conference today.
    today = timezone.localdate()
    Edition.objects.filter(pk=registration.edition_id).update(
        start_date=today, end_date=today + dt.timedelta(days=1)
    )
    return Registration.objects.select_related("badge", "edition", "user__profile").get(
        pk=registration.pk
    )


def test_organiser_checks_in_demo_delegate(live_server, page: Page, demo_registration):
    edition = demo_registration.edition
    token = token_for(demo_registration.badge.key)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(DEMO_ACCOUNTS["organiser"])
    page.get_by_label(re.compile(r"^\s*Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/checkin/")
    page.get_by_role("link", name=edition.title).click()
    expect(page.get_by_role("heading", name=re.compile("Check-in"))).to_be_visible()
    page.get_by_label("Badge code").fill(token)
    page.get_by_label("Badge code").press("Enter")

    result = page.locator("#checkin-result")
    expect(result).to_contain_text("Checked in")
    expect(result).to_contain_text(demo_registration.user.profile.name_on_badge)
    expect(page.locator("#checked-in-count")).to_have_text("1")
    check_in = CheckIn.objects.get(registration=demo_registration)
    assert check_in.operator.email == DEMO_ACCOUNTS["organiser"]

    page.get_by_label("Badge code").fill(token)
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#checkin-result")).to_contain_text("Already checked in on")
