"""Pages that say what will happen: a full edition's button and register page offer
the waiting list with its length; registration opening and closing show the date and
the time; My SOCEX lists upcoming events first; the account page and the
accessibility statement are linked; one wording for logging in and signing up."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from delegates.models import Registration
from delegates.services import registration_create
from events.models import Edition
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


def _fill(edition, *, waiting: int = 0) -> None:
    for _ in range(edition.capacity):
        RegistrationFactory(edition=edition, status=Status.CONFIRMED)
    for _ in range(waiting):
        RegistrationFactory(
            edition=edition, status=Status.WAITLISTED, waitlisted_at=timezone.now()
        )


def test_full_edition_button_offers_the_waiting_list_with_its_length(client, edition):
    _fill(edition, waiting=2)

    page = client.get(edition.get_absolute_url()).content.decode()

    assert "Join the waiting list" in page
    assert "2 people are on the waiting list" in page
    assert ">Register<span" not in page


def test_edition_with_places_says_register(client, edition):
    page = client.get(edition.get_absolute_url()).content.decode()

    assert "Join the waiting list" not in page
    assert ">Register<span" in page


def test_full_editions_register_page_says_registering_joins_the_list(
    client, edition, make_delegate
):
    _fill(edition, waiting=1)
    client.force_login(make_delegate("late@police.uk"))

    page = client.get(reverse("delegates:register", args=[edition.slug]))
    text = page.content.decode()

    assert "This conference is full" in text
    assert "behind\n      1 person already waiting" in text
    assert re.search(r">\s*Join the waiting list\s*</button>", text)


def test_registering_for_a_full_edition_joins_the_list_as_the_page_said(
    client, edition, make_delegate
):
    _fill(edition)
    user = make_delegate("late@police.uk")
    client.force_login(user)

    client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert Registration.objects.get(user=user).status == Status.WAITLISTED


def test_registration_opens_at_shows_date_and_time(client):
    opens = timezone.make_aware(dt.datetime(timezone.now().year + 1, 3, 2, 9, 30))
    edition = EditionFactory(registration_opens_at=opens)

    page = client.get(edition.get_absolute_url()).content.decode()

    assert f"opens on {opens:%A} 2 March {opens.year} at 09:30 (UK time)" in page


def test_registration_closed_shows_date_and_time(client):
    edition = EditionFactory()
    closes = timezone.now() - dt.timedelta(hours=1)
    Edition.objects.filter(pk=edition.pk).update(registration_closes_at=closes)
    local = timezone.localtime(closes)

    page = client.get(edition.get_absolute_url()).content.decode()

    assert f"closed on {local:%A} {local.day} {local:%B %Y at %H:%M} (UK time)" in page


def test_dashboard_lists_upcoming_events_first_by_date_then_past_ones(client):
    user = UserFactory()
    ProfileFactory(user=user)
    today = timezone.localdate()
    later = EditionFactory(title="Later", start_date=today + dt.timedelta(days=300))
    sooner = EditionFactory(title="Sooner", start_date=today + dt.timedelta(days=30))
    long_ago = EditionFactory(
        title="Long ago",
        start_date=today - dt.timedelta(days=700),
        status=Edition.Status.ARCHIVED,
    )
    last_year = EditionFactory(
        title="Last year",
        start_date=today - dt.timedelta(days=300),
        status=Edition.Status.ARCHIVED,
    )
    # Created in another order than the events happen.
    for edition in (long_ago, later, last_year, sooner):
        RegistrationFactory(user=user, edition=edition, status=Status.CONFIRMED)
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()
    section = page[page.index("Your registrations") :]

    positions = [
        section.index(f">{title}</a>")
        for title in ("Sooner", "Later", "Last year", "Long ago")
    ]
    assert positions == sorted(positions)


def test_account_page_is_linked_from_navigation_and_my_socex(client, make_delegate):
    client.force_login(make_delegate())
    account = reverse("delegates:account")

    page = client.get(reverse("delegates:dashboard")).content.decode()
    nav = page[page.index("<header>") : page.index("</header>")]
    main = page[page.index('<main id="main"') :]

    assert f'href="{account}">Account</a>' in nav
    assert f'href="{account}">Your account</a>' in main
    assert client.get(account).status_code == 200


def test_accessibility_statement_is_linked_from_every_footer(client):
    url = reverse("accessibility")

    home = client.get(reverse("events:home")).content.decode()
    footer = home[home.index("<footer") :]
    statement = client.get(url).content.decode()

    assert f'href="{url}">Accessibility</a>' in footer
    assert "WCAG" in statement and "2.1" in statement
    assert "Known exceptions" in statement
    assert "another format" in statement
    assert "mailto:events@socex.example" in statement


@pytest.mark.parametrize(
    ("url_name", "wording", "not_wording"),
    [
        ("account_login", r">\s*Log in\s*</button>", "Sign In"),
        ("account_signup", r">\s*Sign up\s*</button>", "Sign Up"),
        ("account_reset_password", r">\s*Password reset\s*</h1>", "Password Reset"),
    ],
)
def test_account_pages_use_the_sites_wording(client, url_name, wording, not_wording):
    page = client.get(reverse(url_name)).content.decode()

    assert re.search(wording, page), wording
    assert not_wording not in page


def test_verification_page_says_finish_not_finalize(client):
    # The page a new sign-up lands on (read directly: signing up again here would
    # count against the sign-up rate limit other tests share).
    page = client.get(reverse("account_email_verification_sent")).content.decode()

    assert "Verify your email address" in page
    assert "finalize" not in page and "finish signing up" in page


def test_speaker_registering_for_full_edition_is_not_told_about_the_list(
    client, edition, speaking_user
):
    _fill(edition)
    user, _session = speaking_user(edition)
    client.force_login(user)

    page = client.get(reverse("delegates:register", args=[edition.slug]))

    assert "This conference is full" not in page.content.decode()
    registration = registration_create(edition=edition, user=user, consent_terms=True)
    assert registration.status == Status.CONFIRMED
