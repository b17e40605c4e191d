"""An organiser, in real Chromium, opens the Economic Crime edition's dashboard from the
admin's home, sees its numbers and a chart, then writes to its confirmed delegates
from the sidebar's Messages: composes with placeholders, previews one recipient,
sends a test to themselves, sends, and finds the message sent in the history; every
recipient's email is in the outbox once."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from delegates.messages.models import Message
from delegates.models import Registration
from events.models import Edition
from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from socex.mail.models import OutboxEmail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def economic_crime():
    call_command("load_demo", stdout=io.StringIO())
    return Edition.objects.get(slug="economic-crime-2027")


def test_organiser_writes_to_confirmed_delegates(
    live_server, page: Page, economic_crime, mailoutbox
):
    confirmed = list(
        Registration.objects.filter(
            edition=economic_crime, status=Registration.Status.CONFIRMED
        )
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    assert len(confirmed) > 300
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/?next=/admin/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(DEMO_ACCOUNTS["organiser"])
    page.get_by_label(re.compile(r"^\s*Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In|Log in", re.I)).click()

    # The dashboard: the edition's numbers and a chart with its table.
    card = page.locator(".sx-card", has_text=economic_crime.title)
    card.get_by_role("link", name="Open the dashboard").click()
    figures = page.locator(".sx-figures")
    expect(figures.locator("div", has_text="Confirmed")).to_contain_text(
        str(len(confirmed))
    )
    workshops = page.locator("section", has=page.locator("#chart-workshops"))
    expect(workshops.locator("svg.sx-chart rect").first).to_be_visible()
    expect(workshops.get_by_role("table")).to_be_visible()

    # Messages, from the sidebar: the history, then a new message.
    page.get_by_role("link", name="Messages to delegates").first.click()
    expect(page).to_have_url(re.compile(r"/admin/delegates/message/$"))
    page.get_by_role("link", name=re.compile(r"^\s*Add", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/admin/delegates/message/add/$"))
    page.get_by_label("Edition").select_option(label=economic_crime.title)
    page.get_by_label("Audience").select_option(label="Confirmed delegates")
    page.get_by_label("Subject").fill("Parking at {venue}")
    page.get_by_label("Body").fill(
        "Dear {name},\n\nYour reference for {edition} is {reference}. "
        "Please park in the east car park."
    )
    # A placeholder that does not exist is refused, naming it; nothing is saved.
    page.get_by_label("Body").fill("Dear {firstname}, park in the east car park.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("{firstname} is not a placeholder").first).to_be_visible()
    assert Message.objects.count() == 0

    page.get_by_label("Body").fill(
        "Dear {name},\n\nYour reference for {edition} is {reference}. "
        "Please park in the east car park."
    )
    page.get_by_role("button", name="Save", exact=True).click()

    message = Message.objects.get()
    first = (
        Registration.objects.select_related("user__profile")
        .filter(edition=economic_crime, status=Registration.Status.CONFIRMED)
        .order_by("pk")
        .first()
    )
    preview = page.locator("#message-preview")
    expect(preview).to_contain_text(f"Dear {first.user.profile.full_name},")
    expect(preview).to_contain_text(
        f"Your reference for {economic_crime.title} is {first.reference}."
    )
    expect(page.locator("#message-preview-subject")).to_have_text(
        f"Parking at {economic_crime.venue.name}, {economic_crime.venue.town}"
    )
    expect(page.locator("#message-recipient-count")).to_have_text(str(len(confirmed)))

    mailoutbox.clear()  # the demo's own emails
    page.get_by_role("button", name="Send a test to me").click()
    expect(
        page.get_by_text(f"A test was sent to {DEMO_ACCOUNTS['organiser']}")
    ).to_be_visible()
    assert [m.to for m in mailoutbox] == [[DEMO_ACCOUNTS["organiser"]]]
    assert mailoutbox[0].subject.startswith("[Test] Parking at")

    page.get_by_role("button", name=f"Send to {len(confirmed)} people").click()
    expect(page.get_by_text(f"Sending to {len(confirmed)} people")).to_be_visible()
    row = page.locator("#result_list tbody tr").filter(has_text="Parking at {venue}")
    expect(row.locator("td.field-sent_count")).to_have_text(str(len(confirmed)))
    expect(row.locator("td.field-failed_count")).to_have_text("0")
    expect(row.locator("td.field-status")).to_have_text("Sent")

    # Sending again (the browser's back button and a second click) sends nothing.
    page.goto(live_server.url + f"/admin/delegates/message/{message.pk}/change/")
    expect(page.get_by_role("button", name=re.compile("^Send to"))).to_have_count(0)

    rows = OutboxEmail.objects.filter(group=message.outbox_group)
    assert Counter(rows.values_list("to", flat=True)) == Counter(confirmed)
    assert set(rows.values_list("status", flat=True)) == {OutboxEmail.Status.SENT}
    delivered = Counter(m.to[0] for m in mailoutbox[1:])
    assert delivered == Counter(confirmed)
    page.screenshot(path="/tmp/messages-history.png", full_page=True)
