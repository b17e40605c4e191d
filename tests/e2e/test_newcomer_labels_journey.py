"""A newcomer's whole path on the demo data, driven only by what a person sees: roles,
labels and texts (no CSS selectors). Sign up with a police.uk address, verify from the
email file, register for the Strategic Conference, choose four workshops, download
the badge and read the four titles in it, and fetch the calendar with them."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from events.models import Edition
from tests.factories.accounts import PASSWORD
from workshops.models import TimeBlock, WorkshopRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "sam.newcomer@kent.police.uk"
LINK = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


@pytest.fixture
def demo_with_mail_files(live_server, settings, tmp_path):
    """The demo data, and emails written as files, as `make run` does."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    call_command("load_demo", stdout=io.StringIO())
    return tmp_path / "mail"


def _mail_text(folder: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(folder.glob("*.log")))


def _four_workshops(edition: Edition) -> list[tuple[str, str]]:
    """(block label, workshop title): one different workshop in each block."""
    picked, titles = [], set()
    blocks = TimeBlock.objects.filter(edition=edition).order_by("session__starts_at")
    for block in blocks:
        for run in WorkshopRun.objects.filter(block=block).select_related("workshop"):
            title = run.workshop.title
            if title not in titles and run.seats_taken < run.capacity:
                picked.append((block.label, title))
                titles.add(title)
                break
    return picked


def _fetch(page: Page, live_server, link_name: str) -> bytes:
    """What the link named ``link_name`` serves, fetched with the page's session
    (a PDF may open in the browser's viewer rather than download)."""
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.ok, response.status
    return response.body()


def test_newcomer_signs_up_registers_chooses_four_and_gets_badge_and_calendar(
    live_server, page: Page, demo_with_mail_files
):
    edition = Edition.objects.get(slug="strategic-2027")
    page.set_viewport_size({"width": 390, "height": 844})

    # Sign up. On a phone the navigation is behind its toggle.
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label(re.compile(r"^\s*Email")).fill(EMAIL)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^\s*Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(
        page.get_by_role("heading", name="Verify your email address")
    ).to_be_visible()

    # Verify from the email file under the mail folder.
    link = LINK.search(_mail_text(demo_with_mail_files)).group(0)
    page.goto(re.sub(r"^https?://[^/]+", live_server.url, link))
    expect(page.get_by_role("heading", name="My SOCEX", level=1)).to_be_visible()

    # Register: the profile comes first, then the consent.
    page.get_by_role("link", name=f"Register for {edition.title}").click()
    expect(page.get_by_role("heading", name="Complete your profile")).to_be_visible()
    page.get_by_label(re.compile(r"^\s*First name")).fill("Sam")
    page.get_by_label(re.compile(r"^\s*Last name")).fill("Newcomer")
    page.get_by_label(re.compile(r"^\s*Job title")).fill("Financial investigator")
    page.get_by_label(re.compile(r"^\s*Organisation\*?\s*$")).fill("Kent Police")
    page.get_by_label(re.compile(r"^\s*Organisation type")).select_option(
        label="UK police force"
    )
    page.get_by_role("button", name=re.compile("^Save profile")).click()
    expect(
        page.get_by_role("heading", name=f"Register for {edition.title}")
    ).to_be_visible()
    page.get_by_label(re.compile("I agree to the terms of attendance")).check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text(f"You are confirmed for {edition.title}")).to_be_visible()

    # Choose four workshops, one per time block.
    page.get_by_role("link", name="Choose my workshops").click()
    expect(page.get_by_role("heading", name="Choose your workshops")).to_be_visible()
    chosen = _four_workshops(edition)
    assert len(chosen) == 4
    for block, title in chosen:
        page.get_by_role("group", name=block).get_by_label(title).check()
    page.get_by_role("button", name="Save my workshops").click()
    expect(page.get_by_text("Your workshops are saved")).to_be_visible()
    for _block, title in chosen:
        expect(page.get_by_text(title, exact=True).first).to_be_visible()

    # The badge lists the four workshops.
    page.reload()
    pdf = _fetch(page, live_server, "Download your badge (PDF)")
    assert pdf.startswith(b"%PDF")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages
    )
    for _block, title in chosen:
        assert title in text, f"{title!r} not on the badge: {text}"

    # And so does the calendar.
    calendar = _fetch(page, live_server, "Download my agenda (.ics)").decode()
    calendar = calendar.replace("\r\n ", "").replace("\n ", "")  # unfold lines
    assert calendar.startswith("BEGIN:VCALENDAR")
    for _block, title in chosen:
        assert title in calendar.replace("\\,", ","), title
