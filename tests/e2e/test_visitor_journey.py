"""A visitor in real Chromium: home page, an edition, its agenda, the venue page."""

import io
import re

import pytest
from playwright.sync_api import Page, expect

from events import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_events():
    demo.load(stdout=io.StringIO())


def test_visitor_reads_agenda_and_finds_the_venue(live_server, page: Page, demo_events):
    page.goto(live_server.url + "/")
    expect(page).to_have_title("SOCEX — Serious and Organised Crime Exchange")
    expect(
        page.get_by_role("heading", name="Strategic Conference", exact=True)
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="Economic Crime Conference", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("link", name="Strategic SOCEX 2019")).to_be_visible()

    page.get_by_role("link", name="Strategic SOCEX 2027", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategic SOCEX 2027")
    expect(page.get_by_text("19–20 May 2027").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Register"))).to_be_visible()
    expect(page.get_by_role("heading", name="In association with")).to_be_visible()
    expect(page.get_by_text("Speaker to be confirmed").first).to_be_visible()
    expect(page.get_by_text("Detective Superintendent K. Rowe")).to_have_count(0)

    page.get_by_role("navigation", name="Strategic SOCEX 2027").get_by_role(
        "link", name="Agenda"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agenda: Strategic SOCEX 2027"
    )
    expect(
        page.get_by_role("heading", name=re.compile("^Day 1: Wednesday 19 May 2027"))
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("^Keynote: international"))
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("^Workshop block"))
    ).to_have_count(4)

    # Readable on a phone: the timeline stacks and nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Venue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The Belfry Hotel & Resort"
    )
    expect(page.get_by_text("B76 9PR")).to_be_visible()
    expect(page.get_by_role("heading", name="Accessibility")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Open the map"))).to_be_visible()
