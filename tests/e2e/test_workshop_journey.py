"""A confirmed delegate chooses four workshops in real Chromium, sees a full one
disabled, saves, and finds them on My SOCEX."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories.accounts import PASSWORD
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services
from workshops.models import WorkshopChoice, WorkshopRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delegate_chooses_four_workshops_and_sees_them_on_dashboard(
    live_server, page: Page
):
    edition = EditionFactory(title="Economic Crime Conference 2027")
    grid = workshop_grid(edition, capacity=5)
    WorkshopRun.objects.filter(pk=grid[0][0].pk).update(capacity=1)
    for i, block in enumerate(grid):
        block[0].workshop.title = f"Cryptoassets tracing {i + 1}"
        block[0].workshop.save()
        block[1].workshop.title = f"Professional enablers {i + 1}"
        block[1].workshop.save()
    # Somebody else has already taken the only place in the first block's first run.
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other,
        run_ids=[grid[0][0].pk, grid[1][1].pk, grid[2][1].pk, grid[3][1].pk],
    )
    registration = RegistrationFactory(edition=edition)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(registration.user.email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()

    page.get_by_role("link", name="Choose my workshops").click()
    expect(page.get_by_role("heading", name="Choose your workshops")).to_be_visible()
    full = page.get_by_label("Cryptoassets tracing 1")
    expect(full).to_be_disabled()
    expect(page.get_by_text("Full", exact=True)).to_have_count(1)
    expect(page.get_by_text("4 places left")).to_have_count(3)

    page.screenshot(path="/tmp/workshops-choose.png", full_page=True)
    page.get_by_label("Professional enablers 1").check()
    page.get_by_label("Cryptoassets tracing 2").check()
    page.get_by_label("Cryptoassets tracing 3").check()
    page.get_by_label("Cryptoassets tracing 4").check()
    expect(page.get_by_text("4 of 4 workshops chosen")).to_be_visible()
    page.get_by_role("button", name="Save my workshops").click()

    expect(page.get_by_role("heading", name="My SOCEX")).to_be_visible()
    expect(page.get_by_text("Your workshops are saved")).to_be_visible()
    panel = page.locator(".workshops-panel")
    for title in [
        "Professional enablers 1",
        "Cryptoassets tracing 2",
        "Cryptoassets tracing 3",
        "Cryptoassets tracing 4",
    ]:
        expect(panel.get_by_text(title)).to_be_visible()
    expect(panel.get_by_text(grid[1][0].room.name)).to_be_visible()
    assert WorkshopChoice.objects.filter(registration=registration).count() == 4
