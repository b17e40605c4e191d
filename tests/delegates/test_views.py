import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from icalendar import Calendar

from delegates import services
from delegates.models import Profile, Registration
from delegates.signals import collect_agenda_items, collect_dashboard_panels
from events.models import Edition
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.delegates import TrustedDomainFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
)

pytestmark = pytest.mark.django_db


Category = Registration.Category

Status = Registration.Status

PROFILE_POST = {
    "title_rank": "DI",
    "first_name": "Sam",
    "last_name": "Patel",
    "post_nominals": "",
    "badge_name": "Sam Patel",
    "job_title": "Detective Inspector",
    "organisation": "West Midlands Police",
    "organisation_type": "uk_police",
    "country": "United Kingdom",
    "phone": "+44 121 496 0000",
    "dietary_requirements": "Vegetarian",
    "accessibility_requirements": "",
}


def _register(edition, user):
    return services.registration_create(edition=edition, user=user, consent_terms=True)


def test_register_without_profile_redirects_to_profile_then_back(client, edition):
    user = UserFactory(email="new@police.uk")
    client.force_login(user)
    register_url = reverse("delegates:register", args=[edition.slug])

    response = client.get(register_url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("delegates:profile"))

    response = client.post(
        reverse("delegates:profile"), {**PROFILE_POST, "next": register_url}
    )
    assert response.status_code == 302
    assert response.url == register_url

    response = client.post(register_url, {"consent_terms": "on"})
    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert registration.status == Status.CONFIRMED


def test_register_post_without_consent_is_400_and_changes_nothing(
    client, edition, make_delegate
):
    client.force_login(make_delegate("a@police.uk"))

    response = client.post(reverse("delegates:register", args=[edition.slug]), {})

    assert response.status_code == 400
    assert "Please accept the terms" in response.content.decode()
    assert Registration.objects.count() == 0


def test_register_second_time_is_400_with_message(client, edition, make_delegate):
    user = make_delegate("twice@police.uk")
    _register(edition, user)
    client.force_login(user)

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert Registration.objects.filter(user=user).count() == 1


def test_register_draft_edition_is_404(client, make_delegate):
    edition = EditionFactory(status=Edition.Status.DRAFT)
    client.force_login(make_delegate("d@police.uk"))

    url = reverse("delegates:register", args=[edition.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"consent_terms": "on"}).status_code == 404
    assert Registration.objects.count() == 0


def test_register_closed_edition_shows_why_and_changes_nothing(client, make_delegate):
    edition = EditionFactory(
        registration_closes_at=timezone.now() - dt.timedelta(days=1)
    )
    client.force_login(make_delegate("c@police.uk"))
    url = reverse("delegates:register", args=[edition.slug])

    assert "closed on" in client.get(url).content.decode()
    response = client.post(url, {"consent_terms": "on"})

    assert response.status_code == 400
    assert "closed on" in response.content.decode()
    assert Registration.objects.count() == 0


def test_register_past_edition_is_refused(client, make_delegate):
    edition = EditionFactory(
        start_date=timezone.localdate() - dt.timedelta(days=200),
        status=Edition.Status.ARCHIVED,
    )
    client.force_login(make_delegate("p@police.uk"))

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 400
    assert "already taken place" in response.content.decode()
    assert Registration.objects.count() == 0


def test_register_anonymous_is_sent_to_login(client, edition):
    response = client.get(reverse("delegates:register", args=[edition.slug]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_invalid_fields_get_messages_and_change_nothing(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("delegates:profile"),
        {
            **PROFILE_POST,
            "first_name": "",
            "organisation_type": "mafia",
            "phone": "ring me",
            "last_name": "42",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter your first name." in page
    assert "Choose one of the organisation types listed." in page
    assert not Profile.objects.filter(user=user).exists()


def test_profile_model_clean_errors_are_shown(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("delegates:profile"), {**PROFILE_POST, "phone": "ring me"}
    )

    assert response.status_code == 400
    assert "Enter a phone number of 7 to 15 digits" in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()


def test_profile_next_to_another_site_is_ignored(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("delegates:profile"), {**PROFILE_POST, "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response.url == reverse("delegates:dashboard")


def test_cancel_another_users_registration_is_404(client, edition, make_delegate):
    owner = make_delegate("owner@police.uk")
    registration = _register(edition, owner)
    client.force_login(make_delegate("intruder@police.uk"))

    url = reverse("delegates:cancel", args=[registration.reference])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_cancel_own_registration_promotes_next(client, make_delegate):
    edition = EditionFactory(capacity=1)
    TrustedDomainFactory(edition=edition)
    owner = make_delegate("owner@police.uk")
    registration = _register(edition, owner)
    waiting = _register(edition, make_delegate("next@police.uk"))
    client.force_login(owner)

    response = client.post(reverse("delegates:cancel", args=[registration.reference]))

    assert response.status_code == 302
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert (registration.status, waiting.status) == (
        Status.CANCELLED,
        Status.CONFIRMED,
    )


def test_cancel_twice_is_400_and_changes_nothing(client, edition, make_delegate):
    owner = make_delegate("owner@police.uk")
    registration = _register(edition, owner)
    client.force_login(owner)
    url = reverse("delegates:cancel", args=[registration.reference])
    client.post(url)
    emails = OutboxEmail.objects.count()

    response = client.post(url)

    assert response.status_code == 400
    assert "already cancelled" in response.content.decode()
    assert OutboxEmail.objects.count() == emails


def test_dashboard_shows_status_reference_and_position(client, make_delegate):
    edition = EditionFactory(capacity=1)
    TrustedDomainFactory(edition=edition)
    _register(edition, make_delegate("first@police.uk"))
    _register(edition, make_delegate("second@police.uk"))
    user = make_delegate("third@police.uk")
    registration = _register(edition, user)
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert registration.reference in page
    assert "Waitlisted" in page
    assert "position <strong>2</strong> on the waiting list" in page


@pytest.fixture
def own_panels_only(settings):
    """Blank the other apps' dashboard panels: they test their own queries."""
    template = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {
            **template,
            "APP_DIRS": False,
            "OPTIONS": {
                **template["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "workshops/_dashboard_registration.html": "",
                            "delegates/badges/_dashboard_badge.html": "",
                        },
                    ),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]


def _dashboard_with(client, user, editions, django_assert_max_num_queries, limit):
    for edition in editions:
        TrustedDomainFactory(edition=edition)
        _register(edition, user)
    client.force_login(user)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("delegates:dashboard"))
    assert response.status_code == 200
    return response


def test_dashboard_shows_each_cards_panels_from_the_hook_asked_once(
    client, make_delegate
):
    user = make_delegate("panels@police.uk")
    editions = EditionFactory.create_batch(3)
    for edition in editions:
        TrustedDomainFactory(edition=edition)
    registrations = [_register(edition, user) for edition in editions]
    asked = []

    def panels(sender, request, registrations, **kwargs):
        asked.append(sorted(registration.pk for registration in registrations))
        return {
            registration.pk: format_html(
                "<p class='test-panel'>Panel for {}</p>", registration.reference
            )
            for registration in registrations
        } | {registrations[0].pk: "<b>plain text is escaped</b>"}

    collect_dashboard_panels.connect(panels)
    try:
        client.force_login(user)
        page = client.get(reverse("delegates:dashboard")).content.decode()
    finally:
        collect_dashboard_panels.disconnect(panels)

    assert asked == [sorted(registration.pk for registration in registrations)]
    shown = [r for r in registrations if f"Panel for {r.reference}</p>" in page]
    assert len(shown) == 2
    assert "&lt;b&gt;plain text is escaped&lt;/b&gt;" in page
    # Each panel sits in its own registration's card.
    for registration in shown:
        card = page.split(f'id="registration-{registration.pk}"', 1)[1]
        card = card.split("</article>", 1)[0]
        assert f"Panel for {registration.reference}" in card


@pytest.mark.parametrize("count", [1, 6])
def test_dashboard_query_count_does_not_grow_with_registrations(
    client, make_delegate, django_assert_max_num_queries, count, own_panels_only
):
    user = make_delegate("many@police.uk")
    response = _dashboard_with(
        client,
        user,
        EditionFactory.create_batch(count),
        django_assert_max_num_queries,
        limit=6,
    )
    assert response.content.decode().count("registration-reference") == count


def test_agenda_ics_has_sessions_and_other_apps_items(client, edition, make_delegate):
    user = make_delegate("agenda@police.uk")
    registration = _register(edition, user)
    session = AgendaSessionFactory(edition=edition, title="Keynote: the SOC strategy")
    start = session.starts_at + dt.timedelta(hours=3)

    def workshop_items(sender, registration, **kwargs):
        return [
            {
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=1),
                "title": "Workshop: crypto tracing",
                "location": "Room 2",
                "description": "",
                "uid": f"ws-{registration.pk}@socex",
            }
        ]

    collect_agenda_items.connect(workshop_items)
    try:
        client.force_login(user)
        response = client.get(
            reverse("delegates:agenda_ics", args=[registration.reference])
        )
    finally:
        collect_agenda_items.disconnect(workshop_items)

    assert response["Content-Type"].startswith("text/calendar")
    titles = [
        str(event["summary"])
        for event in Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert titles == ["Keynote: the SOC strategy", "Workshop: crypto tracing"]


def test_agenda_ics_of_another_user_is_404(client, edition, make_delegate):
    registration = _register(edition, make_delegate("owner@police.uk"))
    client.force_login(make_delegate("other@police.uk"))

    response = client.get(
        reverse("delegates:agenda_ics", args=[registration.reference])
    )

    assert response.status_code == 404


def test_register_button_anonymous_is_same_for_everyone_and_user_sees_status(
    client, edition, make_delegate
):
    url = edition.get_absolute_url()
    first = client.get(url).content.decode()
    second = client.get(url).content.decode()
    assert first == second
    register_url = reverse("delegates:register", args=[edition.slug])
    assert register_url in first

    user = make_delegate("btn@police.uk")
    _register(edition, user)
    client.force_login(user)
    page = client.get(url).content.decode()
    assert "Registered: Confirmed" in page


def test_register_button_when_closed_says_so(client):
    edition = EditionFactory(
        registration_opens_at=timezone.now() + dt.timedelta(days=10)
    )

    page = client.get(edition.get_absolute_url()).content.decode()

    assert "Registration for this event opens on" in page
    assert reverse("delegates:register", args=[edition.slug]) not in page


def test_agenda_page_lists_sessions_by_day(client, edition, make_delegate):
    user = make_delegate("page@police.uk")
    registration = _register(edition, user)
    AgendaSessionFactory(edition=edition, title="Keynote: follow the money")
    client.force_login(user)

    response = client.get(reverse("delegates:agenda", args=[registration.reference]))

    page = response.content.decode()
    assert "Keynote: follow the money" in page
    assert edition.start_date.strftime("%-d %B %Y") in page


def test_agenda_page_of_a_pending_registration_is_404(client, edition, make_delegate):
    user = make_delegate("pending@gmail.com")
    registration = _register(edition, user)
    client.force_login(user)

    response = client.get(reverse("delegates:agenda", args=[registration.reference]))

    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_dashboard_upcoming_editions_cost_no_query_each(
    client, make_delegate, django_assert_max_num_queries, count, own_panels_only
):
    editions = EditionFactory.create_batch(count)
    client.force_login(make_delegate("browse@police.uk"))

    # One more than before: the places left in every listed edition, in bulk.
    with django_assert_max_num_queries(6):
        page = client.get(reverse("delegates:dashboard")).content.decode()

    for edition in editions:
        assert reverse("delegates:register", args=[edition.slug]) in page


def test_dashboard_links_speakers_to_the_speaker_portal(speaking_user, client, edition):
    user, _session = speaking_user(edition)
    draft = EditionFactory(status=Edition.Status.DRAFT)
    SessionSpeakerFactory(
        session=AgendaSessionFactory(edition=draft, title="Secret draft talk"),
        speaker=user.speaker,
    )
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "Your sessions as a speaker" in page
    assert f'href="{reverse("speak:portal")}"' in page
    assert "Secret draft talk" not in page


def test_dashboard_without_speaker_has_no_speaker_section(client, make_delegate):
    client.force_login(make_delegate("plain@police.uk"))

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "Your sessions as a speaker" not in page


@pytest.mark.parametrize("count", [1, 5])
def test_dashboard_speaker_sessions_cost_one_query(
    speaking_user, client, edition, count, django_assert_max_num_queries
):
    user, _session = speaking_user(edition)
    for n in range(count - 1):
        other = EditionFactory()
        SessionSpeakerFactory(
            session=AgendaSessionFactory(edition=other, title=f"Talk {n}"),
            speaker=user.speaker,
        )
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delegates:dashboard"))
    assert reverse("speak:portal") in response.content.decode()


def test_speaker_registering_for_their_edition_is_a_confirmed_speaker(
    speaking_user, client, edition, make_delegate
):
    edition.capacity = 1
    edition.save()
    _register(edition, make_delegate("full@police.uk"))  # the one delegate place
    user, _session = speaking_user(edition)  # gmail-like domain: not trusted
    client.force_login(user)
    page = client.get(reverse("delegates:register", args=[edition.slug]))
    assert "registered as a speaker" in page.content.decode()

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert (registration.category, registration.status) == (
        Category.SPEAKER,
        Status.CONFIRMED,
    )
    change = registration.status_changes.get()
    assert (change.from_status, change.to_status) == ("", Status.CONFIRMED)
    assert "Speaker" in change.reason
    assert edition.seats.confirmed == 1  # the speaker takes no delegate place
    assert OutboxEmail.objects.filter(
        to=user.email, template="registration_confirmed"
    ).exists()


@pytest.fixture
def cancelled(client, edition, make_delegate):
    """A trusted delegate who cancelled their registration, signed in."""
    user = make_delegate("back@police.uk")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)
    client.force_login(user)
    return user, registration


def test_cancelled_delegate_registers_again_on_the_same_row(client, edition, cancelled):
    user, registration = cancelled

    page = client.get(reverse("delegates:register", args=[edition.slug]))
    assert "already registered" not in page.content.decode()
    assert 'name="consent_terms"' in page.content.decode()

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 302
    again = Registration.objects.get(user=user, edition=edition)
    assert again.pk == registration.pk
    assert again.reference == registration.reference
    assert again.status == Status.CONFIRMED
    assert edition.seats.confirmed == 1
    history = list(again.status_changes.order_by("id").values_list("to_status"))
    assert history == [(Status.CONFIRMED,), (Status.CANCELLED,), (Status.CONFIRMED,)]
    assert (
        OutboxEmail.objects.filter(
            to=user.email, template="registration_confirmed"
        ).count()
        == 2
    )


def test_cancel_page_of_a_cancelled_registration_offers_no_cancel(
    client, edition, cancelled
):
    _user, registration = cancelled

    page = client.get(reverse("delegates:cancel", args=[registration.reference]))
    dashboard = client.get(reverse("delegates:dashboard"))

    assert "Cancel my registration" not in page.content.decode()
    register_url = reverse("delegates:register", args=[edition.slug])
    assert register_url in page.content.decode()
    assert register_url in dashboard.content.decode()


def test_register_consent_error_is_shown_once(client, edition, make_delegate):
    client.force_login(make_delegate("c@police.uk"))

    response = client.post(reverse("delegates:register", args=[edition.slug]), {})

    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Please accept the terms and the privacy notice") == 1
    assert reverse("terms") in page and reverse("privacy") in page


def test_register_post_without_profile_shows_no_empty_details(client, edition):
    user = UserFactory(verified=True)
    client.force_login(user)

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "complete your profile" in page.lower()
    assert "()" not in " ".join(page.split())
    assert "Name on badge: <strong></strong>" not in page
    assert reverse("delegates:profile") in page


def test_profile_inputs_have_autocomplete(client):
    client.force_login(UserFactory())

    page = client.get(reverse("delegates:profile")).content.decode()

    for name, token in [
        ("title_rank", "honorific-prefix"),
        ("first_name", "given-name"),
        ("last_name", "family-name"),
        ("job_title", "organization-title"),
        ("organisation", "organization"),
        ("country", "country-name"),
        ("phone", "tel"),
    ]:
        assert f'autocomplete="{token}"' in page, name


def test_dashboard_dates_use_the_site_format(client, make_delegate):
    edition = EditionFactory(
        start_date=dt.date(2027, 11, 17), end_date=dt.date(2027, 11, 18)
    )
    TrustedDomainFactory(edition=edition)
    user = make_delegate("d@police.uk")
    _register(edition, user)
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "17–18 November 2027" in page
    assert "17 November 2027 – 18 November 2027" not in page


@pytest.mark.parametrize("ahead", [0, 2])
def test_a_waitlisted_delegate_is_told_the_position_their_email_states(
    client, edition, make_delegate, ahead
):
    # The edition (capacity 3) is full, ``ahead`` are waiting already.
    for n in range(3 + ahead):
        _register(edition, make_delegate(f"d{n}@police.uk"))
    user = make_delegate("late@police.uk")
    client.force_login(user)

    response = client.post(
        reverse("delegates:register", args=[edition.slug]),
        {"consent_terms": "on"},
        follow=True,
    )

    registration = Registration.objects.get(edition=edition, user=user)
    assert registration.status == Status.WAITLISTED
    said = f"on the waiting list at position {ahead + 1} "
    assert said in response.content.decode()
    email = OutboxEmail.objects.get(to=user.email)
    assert f"at position {ahead + 1}." in email.body_text
