import datetime as dt

import icalendar
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from events.cache import TIMEOUT, seconds_until_change
from events.models import AgendaSession, Edition
from events.services import agenda_session_save, edition_save
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    EditionPartnerFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def _edition_urls(edition: Edition, session: AgendaSession) -> list[str]:
    return [
        reverse("events:edition", args=[edition.slug]),
        reverse("events:agenda", args=[edition.slug]),
        reverse("events:speakers", args=[edition.slug]),
        reverse("events:edition_ics", args=[edition.slug]),
        reverse("events:session_ics", args=[edition.slug, session.pk]),
    ]


def test_home_shows_next_edition_of_each_series_and_past_editions(client):
    upcoming = EditionFactory(title="Strategic SOCEX 2040")
    past = EditionFactory(
        series=upcoming.series,
        title="Strategic SOCEX 2019",
        start_date=dt.date(2019, 5, 22),
        status=Edition.Status.ARCHIVED,
    )
    EditionFactory(
        series=upcoming.series,
        status=Edition.Status.DRAFT,
        title="Secret",
        start_date=dt.date(2041, 5, 22),
    )
    response = client.get(reverse("events:home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>SOCEX — Serious and Organised Crime Exchange</title>" in content
    assert upcoming.title in content
    assert upcoming.venue.name in content
    assert past.get_absolute_url() in content
    assert "22–23 May 2019" in content
    assert "Secret" not in content


def test_edition_page_shows_programme(client):
    edition = EditionFactory(
        welcome_message="Welcome to SOCEX.",
        welcome_author="Chief Constable Andy Cooke QPM",
    )
    session = AgendaSessionFactory(edition=edition, title="International keynote")
    SessionSpeakerFactory(session=session, speaker=SpeakerFactory(display_name="Ada Q"))
    EditionPartnerFactory(edition=edition, partner__name="Home Office")
    response = client.get(edition.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Welcome to SOCEX.",
        "Chief Constable Andy Cooke QPM",
        "International keynote",
        "Ada Q",
        "In association with",
        "Home Office",
        edition.venue.name,
        "09:00",
    ]:
        assert text in content, text


def test_unnamed_speaker_is_shown_as_to_be_confirmed(client):
    session = AgendaSessionFactory()
    speaker = SpeakerFactory(display_name="Kate Secret", may_be_named=False)
    SessionSpeakerFactory(session=session, speaker=speaker)
    edition = session.edition
    for url in _edition_urls(edition, session):
        content = client.get(url).content.decode()
        assert "Kate Secret" not in content, url
        assert speaker.slug not in content, url
    assert (
        "Speaker to be confirmed"
        in client.get(edition.get_absolute_url()).content.decode()
    )
    assert client.get(speaker.get_absolute_url()).status_code == 404


def test_draft_edition_is_404_for_public_and_delegates(client):
    session = AgendaSessionFactory(edition__status=Edition.Status.DRAFT)
    urls = _edition_urls(session.edition, session)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(UserFactory())
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_draft_edition_is_previewable_by_staff(client):
    session = AgendaSessionFactory(edition__status=Edition.Status.DRAFT)
    client.force_login(StaffFactory())
    for url in _edition_urls(session.edition, session):
        assert client.get(url).status_code == 200, url
    assert (
        "Draft preview"
        in client.get(session.edition.get_absolute_url()).content.decode()
    )


def test_admin_view_on_site_opens_draft_for_staff(client):
    edition = EditionFactory(status=Edition.Status.DRAFT)
    client.force_login(StaffFactory(is_superuser=True))
    change = client.get(reverse("admin:events_edition_change", args=[edition.pk]))
    view_on_site = reverse(
        "admin:view_on_site",
        args=[ContentType.objects.get_for_model(Edition).pk, edition.pk],
    )
    assert view_on_site in change.content.decode()
    redirect = client.get(view_on_site)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(edition.get_absolute_url())
    response = client.get(edition.get_absolute_url())
    assert response.status_code == 200
    assert "Draft preview" in response.content.decode()


def test_venue_page_shows_travel_and_accessibility(client):
    edition = EditionFactory(
        venue__name="Chesford Grange",
        venue__map_url="https://maps.example/chesford",
        venue__travel_notes="Near the A46.",
        venue__accessibility_notes="Step-free access.",
    )
    response = client.get(edition.venue.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Chesford Grange",
        "https://maps.example/chesford",
        "Near the A46.",
        "Step-free access.",
        edition.title,
    ]:
        assert text in content


def test_venue_of_draft_only_is_404_for_public(client):
    edition = EditionFactory(status=Edition.Status.DRAFT)
    assert client.get(edition.venue.get_absolute_url()).status_code == 404


def test_series_page_lists_archive(client):
    past = EditionFactory(
        start_date=dt.date(2019, 5, 22), status=Edition.Status.ARCHIVED
    )
    upcoming = EditionFactory(series=past.series)
    content = client.get(past.series.get_absolute_url()).content.decode()
    assert "Archive of past conferences" in content
    assert past.title in content and upcoming.title in content
    assert (
        content.index(upcoming.title)
        < content.index("Archive of past conferences")
        < content.index(past.title)
    )


def test_speaker_page_lists_sessions(client):
    link = SessionSpeakerFactory(
        speaker__display_name="Ada Q", speaker__bio="Leads the NCA."
    )
    content = client.get(link.speaker.get_absolute_url()).content.decode()
    assert "Ada Q" in content and "Leads the NCA." in content
    assert link.session.title in content


def test_speaker_only_in_drafts_is_404_for_public(client):
    link = SessionSpeakerFactory(session__edition__status=Edition.Status.DRAFT)
    assert client.get(link.speaker.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/editions/no-such-edition/",
        "/editions/no-such-edition/agenda.ics",
        "/speakers/nobody/",
        "/venues/nowhere/",
        "/series/nothing/",
        "/editions/x/sessions/abc.ics",
    ],
)
def test_unknown_addresses_are_404(client, url):
    assert client.get(url).status_code == 404


def test_session_ics_of_another_edition_is_404(client):
    session = AgendaSessionFactory()
    other = EditionFactory()
    assert (
        client.get(
            reverse("events:session_ics", args=[other.slug, session.pk])
        ).status_code
        == 404
    )


def test_edition_ics_parses_back_with_every_session(client):
    edition = EditionFactory()
    keynote = AgendaSessionFactory(edition=edition, title="Keynote", kind="keynote")
    SessionSpeakerFactory(session=keynote, speaker__display_name="Ada Q")
    AgendaSessionFactory(
        edition=edition,
        title="Workshop block 1",
        room=None,
        starts_at=timezone.make_aware(
            dt.datetime.combine(edition.end_date, dt.time(9, 30))
        ),
    )
    response = client.get(reverse("events:edition_ics", args=[edition.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        f"Keynote — {edition.title}",
        f"Workshop block 1 — {edition.title}",
    ]
    first = events[0]
    assert first.decoded("DTSTART") == keynote.starts_at
    assert first.decoded("DTEND") == keynote.ends_at
    assert keynote.room.name in str(first["LOCATION"])
    assert "Ada Q" in str(first["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == 2
    assert all("DTSTAMP" in e for e in events)


def test_session_ics_parses_back(client):
    session = AgendaSessionFactory(title="Closing remarks")
    response = client.get(
        reverse("events:session_ics", args=[session.edition.slug, session.pk])
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Closing remarks")
    assert event.decoded("DTSTART") == session.starts_at


def test_edition_page_cache_is_invalidated_by_a_change(client):
    session = AgendaSessionFactory(title="Old title")
    url = session.edition.get_absolute_url()
    assert "Old title" in client.get(url).content.decode()
    session.title = "New title"
    agenda_session_save(session=session)
    content = client.get(url).content.decode()
    assert "New title" in content and "Old title" not in content


def test_edition_page_cache_is_invalidated_by_unnaming_a_speaker(client):
    link = SessionSpeakerFactory(speaker__display_name="Ada Q")
    url = reverse("events:speakers", args=[link.session.edition.slug])
    assert "Ada Q" in client.get(url).content.decode()
    link.speaker.may_be_named = False
    link.speaker.save()
    assert "Ada Q" not in client.get(url).content.decode()


def test_edition_page_served_from_cache_to_anonymous_runs_one_query(
    client, django_assert_num_queries
):
    session = AgendaSessionFactory()
    url = session.edition.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(1):  # the cache version
        again = client.get(url)
    assert again.content == first.content


def test_signed_in_user_is_not_served_the_anonymous_page(client):
    session = AgendaSessionFactory()
    url = session.edition.get_absolute_url()
    assert "Log in" in client.get(url).content.decode()
    client.force_login(UserFactory())
    content = client.get(url).content.decode()
    assert "Log out" in content
    assert session.title in content


def test_staff_preview_of_draft_is_not_served_to_the_public(client):
    session = AgendaSessionFactory(edition__status=Edition.Status.DRAFT)
    url = session.edition.get_absolute_url()
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404


def test_cached_page_expires_when_registration_opens():
    now = timezone.now()
    edition = EditionFactory.build(
        registration_opens_at=now + dt.timedelta(minutes=2),
        registration_closes_at=now + dt.timedelta(days=30),
    )
    assert seconds_until_change([edition], now=now) == 120
    edition.registration_opens_at = now - dt.timedelta(days=1)
    assert seconds_until_change([edition], now=now) == TIMEOUT


def test_anonymous_page_after_registration_opens_shows_register_button(client):
    edition = EditionFactory(
        registration_opens_at=timezone.now() + dt.timedelta(seconds=1)
    )
    url = edition.get_absolute_url()
    assert "opens on" in client.get(url).content.decode()
    Edition.objects.filter(pk=edition.pk).update(
        registration_opens_at=timezone.now() - dt.timedelta(seconds=1)
    )  # as if the moment had passed: the cached copy's timeout was 1 second
    cache.clear()
    assert reverse("delegates:register", args=[edition.slug]) in (
        client.get(url).content.decode()
    )


def test_draft_published_becomes_public(client):
    edition = EditionFactory(status=Edition.Status.DRAFT)
    assert client.get(edition.get_absolute_url()).status_code == 404
    edition.status = Edition.Status.PUBLISHED
    edition_save(edition=edition)
    assert client.get(edition.get_absolute_url()).status_code == 200


def test_public_pages_refuse_post_with_405(client):
    edition = EditionFactory()
    for url in ("/", edition.get_absolute_url(), f"/editions/{edition.slug}/agenda/"):
        assert client.post(url).status_code == 405, url
