"""The rank and choose pages on a 390 px phone and by keyboard alone: every rank
drop-down shows its longest option whole, nothing scrolls sideways, and both forms
are filled and saved with Tab, arrows, letters and Enter."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories.accounts import PASSWORD
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops.models import WorkshopChoice, WorkshopPreference, WorkshopSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each select: the width its longest option needs (measured in its own font,
# plus its padding, which holds the arrow) and the width it has.
SELECT_WIDTHS = """() => Array.from(document.querySelectorAll('select')).map(s => {
  const style = getComputedStyle(s);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const widths = Array.from(s.options).map(o => ctx.measureText(o.text).width);
  const text = Math.max(...widths);
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  return [s.id, Math.ceil(text + padding), s.getBoundingClientRect().width];
})"""
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


def _log_in(page: Page, base: str, registration) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(registration.user.email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX", level=1)).to_be_visible()


def test_rank_page_fits_a_phone_and_works_by_keyboard(live_server, page: Page):
    edition = EditionFactory()
    grid = workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    for i, block in enumerate(grid):
        for j, run in enumerate(block):
            run.workshop.title = f"Workshop {i}{j} on a long and detailed subject"
            run.workshop.save()
    registration = RegistrationFactory(edition=edition)
    _log_in(page, live_server.url, registration)
    page.goto(f"{live_server.url}/workshops/{registration.reference}/rank/")

    for select_id, needed, width in page.evaluate(SELECT_WIDTHS):
        assert width >= needed, f"{select_id}: {width}px wide, needs {needed}px"
    assert page.evaluate(SIDEWAYS) <= 0, "the page scrolls sideways"

    # Keyboard only: focus the first drop-down, then type each rank.
    page.get_by_label("Workshop 00 on a long and detailed subject").focus()
    for rank in range(1, 7):  # at least 6 of the 8
        page.keyboard.press(str(rank))
        page.keyboard.press("Tab")
    page.get_by_role("button", name="Save my ranking").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My SOCEX", level=1)).to_be_visible()
    ranked = WorkshopPreference.objects.filter(registration=registration).count()
    assert ranked == 6


def test_choose_page_fits_a_phone_and_works_by_keyboard(live_server, page: Page):
    edition = EditionFactory()
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    _log_in(page, live_server.url, registration)
    page.goto(f"{live_server.url}/workshops/{registration.reference}/choose/")
    assert page.evaluate(SIDEWAYS) <= 0, "the page scrolls sideways"

    # Arrow keys move within a block's radio group, Tab to the next block.
    for block in grid:
        page.get_by_label(block[0].workshop.title).focus()
        page.keyboard.press("ArrowDown")  # the second workshop of the block
        expect(page.get_by_label(block[1].workshop.title)).to_be_checked()
    expect(page.get_by_text("4 of 4 workshops chosen")).to_be_visible()
    page.get_by_role("button", name="Save my workshops").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your workshops are saved")).to_be_visible()
    chosen = set(
        WorkshopChoice.objects.filter(registration=registration).values_list(
            "run_id", flat=True
        )
    )
    assert chosen == {block[1].pk for block in grid}
