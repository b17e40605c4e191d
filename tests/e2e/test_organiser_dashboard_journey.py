"""The organiser's dashboard in real Chromium: the demo organiser signs in (second
factor passed), finds the Economic Crime edition on the admin's home, opens its
dashboard and sees its numbers and charts, with every chart's table beside it, under
the strict CSP (Alpine runs, nothing inline is refused); then follows the sidebar to
the registrations still waiting for vetting."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from delegates.models import Registration, User
from events.models import Edition
from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.conftest import staff_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())
    staff_authenticator(User.objects.get(email=DEMO_ACCOUNTS["organiser"]))
    return Edition.objects.get(slug="economic-crime-2027")


def test_organiser_opens_economic_crime_dashboard(live_server, page: Page, demo):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/admin/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(DEMO_ACCOUNTS["organiser"])
    page.get_by_label(re.compile(r"^\s*Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In|Log in", re.I)).click()

    expect(page.get_by_role("heading", name="Current editions")).to_be_visible()
    # Alpine ran under the CSP: unfold's page is shown, not left behind x-cloak.
    expect(page.locator("html")).not_to_have_attribute("x-cloak", "")
    card = page.locator(".sx-card", has_text=demo.title)
    card.get_by_role("link", name="Open the dashboard").click()

    expect(page.get_by_role("heading", name="Key figures")).to_be_visible()
    confirmed = Registration.objects.filter(
        edition=demo, status=Registration.Status.CONFIRMED
    ).count()
    pending = Registration.objects.filter(
        edition=demo, status=Registration.Status.PENDING
    ).count()
    figures = page.locator(".sx-figures")
    expect(figures.locator("div", has_text="Capacity")).to_contain_text(
        str(demo.capacity)
    )
    expect(figures.locator("div", has_text="Confirmed")).to_contain_text(str(confirmed))
    expect(figures.locator("div", has_text="Pending vetting")).to_contain_text(
        str(pending)
    )
    workshops = page.locator("section", has=page.locator("#chart-workshops"))
    expect(workshops.locator("svg.sx-chart rect").first).to_be_visible()
    expect(
        workshops.get_by_role("table", name=re.compile("Seats taken in each workshop"))
    ).to_be_visible()
    organisations = page.locator("section", has=page.locator("#chart-organisations"))
    expect(
        organisations.get_by_role("row", name=re.compile("UK police force"))
    ).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280

    page.get_by_role("link", name="Pending vetting").first.click()
    expect(page).to_have_url(re.compile(r"status__exact=pending"))
    assert refused == []
