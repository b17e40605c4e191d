"""WCAG 2.1 AA, checked by axe-core in real Chromium on every page a visitor, a
delegate and a speaker can reach by links on the demo data; and a page with a
low-contrast style, to prove the audit still catches what it should."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

from .axe_crawl import crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def demo(live_server):
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My SOCEX", level=1)).to_be_visible()


def _session(browser: Browser, viewport: dict, **context_args):
    context = browser.new_context(
        viewport=viewport, locale="en-GB", timezone_id="Europe/London", **context_args
    )
    return context, context.new_page()


def test_every_page_meets_wcag_aa_in_three_sessions(demo, browser: Browser):
    sessions = [
        # (who, viewport, start pages, the fewest pages the crawl must reach)
        (None, DESKTOP, ["/"], 20),
        ("delegate", PHONE, ["/my/", "/"], 30),
        ("speaker", DESKTOP, ["/my/", "/"], 28),
    ]
    failures, visited = [], {}
    for who, viewport, starts, minimum in sessions:
        context, page = _session(browser, viewport)
        try:
            if who:
                _log_in(page, demo, DEMO_ACCOUNTS[who])
            result = crawl(page, [demo + path for path in starts])
        finally:
            context.close()
        label = who or "logged out"
        visited[label] = result.visited
        assert len(result.visited) >= minimum, (
            f"{label}: only {len(result.visited)} pages reached: {result.visited}"
        )
        if result.findings:
            failures.append(f"--- {label} ---\n{result.report()}")
    assert not failures, "\n".join(failures)
    # The pages only a signed-in person sees were reached, and the statement.
    assert any("/my/account/" in url for url in visited["delegate"])
    assert any("/workshops/" in url for url in visited["delegate"])
    assert any("/accessibility/" in url for url in visited["logged out"])


def test_audit_catches_a_low_contrast_page(live_server, browser: Browser):
    """The permanent negative test: grey on white text fails colour-contrast."""
    context, page = _session(browser, DESKTOP)
    url = live_server.url + "/audit-probe/"
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Probe</title>'
        "<style>.faint { color: #b0b0b0; background: #ffffff; }</style></head>"
        '<body><main><h1>Probe</h1><p class="faint">Hard to read.</p></main></body>'
        "</html>"
    )
    page.route(
        url,
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html
        ),
    )
    try:
        result = crawl(page, [url])
    finally:
        context.close()
    assert result.visited == [url]
    assert [(f.rule, f.impact) for f in result.findings] == [
        ("color-contrast", "serious")
    ]
    assert "p" in result.findings[0].nodes[0]


def test_audit_catches_a_page_that_scrolls_sideways_on_a_phone(
    live_server, browser: Browser
):
    context, page = _session(browser, PHONE)
    url = live_server.url + "/audit-probe-wide/"
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Wide</title>'
        "<style>.wide { width: 900px; }</style></head>"
        '<body><main><h1>Wide</h1><p class="wide">Too wide.</p></main></body></html>'
    )
    page.route(
        url,
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html
        ),
    )
    try:
        result = crawl(page, [url])
    finally:
        context.close()
    assert [f.rule for f in result.findings] == ["reflow"]
