import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import AgendaSession, Edition
from events.services import agenda_session_save, edition_save
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    RoomFactory,
    SeriesFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_session_overlap_in_same_room_is_refused_with_clear_message():
    existing = AgendaSessionFactory(title="Keynote")
    day = existing.edition.start_date
    clash = AgendaSession(
        edition=existing.edition,
        room=existing.room,
        starts_at=_at(day, 9, 30),
        ends_at=_at(day, 10, 30),
        kind=AgendaSession.Kind.PANEL,
        title="Panel",
    )
    with pytest.raises(ValidationError) as excinfo:
        agenda_session_save(session=clash)
    message = " ".join(excinfo.value.message_dict["room"])
    assert "already booked for “Keynote” from 09:00 to 10:00" in message
    assert AgendaSession.objects.count() == 1


def test_session_back_to_back_in_same_room_is_allowed():
    existing = AgendaSessionFactory()
    day = existing.edition.start_date
    following = AgendaSession(
        edition=existing.edition,
        room=existing.room,
        starts_at=_at(day, 10),
        ends_at=_at(day, 11),
        kind=AgendaSession.Kind.PANEL,
        title="Next",
    )
    agenda_session_save(session=following)
    assert AgendaSession.objects.count() == 2


def test_session_same_time_in_other_room_is_allowed():
    existing = AgendaSessionFactory()
    other_room = RoomFactory(venue=existing.edition.venue)
    parallel = AgendaSessionFactory.build(
        edition=existing.edition, room=other_room, starts_at=existing.starts_at
    )
    agenda_session_save(session=parallel)
    assert AgendaSession.objects.filter(starts_at=existing.starts_at).count() == 2


def test_session_outside_edition_dates_is_refused():
    edition = EditionFactory()
    session = AgendaSessionFactory.build(
        edition=edition,
        room=RoomFactory(venue=edition.venue),
        starts_at=_at(edition.end_date + dt.timedelta(days=1), 9),
    )
    with pytest.raises(ValidationError) as excinfo:
        agenda_session_save(session=session)
    assert "must fall within the conference days" in str(excinfo.value)
    assert not AgendaSession.objects.exists()


def test_session_ending_before_it_starts_is_refused():
    session = AgendaSessionFactory.build(edition=EditionFactory(), room=None)
    session.ends_at = session.starts_at - dt.timedelta(minutes=5)
    with pytest.raises(ValidationError) as excinfo:
        agenda_session_save(session=session)
    assert "A session must end after it starts." in excinfo.value.messages


def test_session_room_at_another_venue_is_refused():
    edition = EditionFactory()
    session = AgendaSessionFactory.build(edition=edition, room=RoomFactory())
    with pytest.raises(ValidationError) as excinfo:
        agenda_session_save(session=session)
    assert "Choose a room at the edition's venue" in str(excinfo.value)


def test_edition_end_before_start_is_refused():
    edition = EditionFactory.build(series=EditionFactory().series, year=2030)
    edition.start_date = dt.date(2030, 5, 22)
    edition.end_date = dt.date(2030, 5, 21)
    edition.venue.save()
    edition.venue = edition.venue
    with pytest.raises(ValidationError) as excinfo:
        edition_save(edition=edition)
    assert "The end date cannot be before the start date" in str(excinfo.value)


def test_edition_end_before_start_is_refused_by_database():
    edition = EditionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(
            end_date=edition.start_date - dt.timedelta(days=1)
        )


def test_edition_duplicate_slug_is_refused():
    first = EditionFactory(slug="strategic-2030")
    copy = EditionFactory.build(slug="strategic-2030", series=first.series, year=2031)
    copy.start_date = dt.date(2031, 5, 21)
    copy.end_date = dt.date(2031, 5, 22)
    copy.venue = first.venue
    with pytest.raises(ValidationError) as excinfo:
        edition_save(edition=copy)
    assert "slug" in excinfo.value.message_dict
    assert "already exists" in excinfo.value.message_dict["slug"][0]


def test_edition_registration_closing_before_opening_is_refused():
    edition = EditionFactory()
    edition.registration_closes_at = edition.registration_opens_at - dt.timedelta(
        hours=1
    )
    with pytest.raises(ValidationError) as excinfo:
        edition_save(edition=edition)
    assert excinfo.value.message_dict["registration_closes_at"] == [
        "Registration must close after it opens."
    ]


def test_speaker_duplicate_slug_is_refused():
    SpeakerFactory(slug="jane-doe")
    speaker = SpeakerFactory.build(slug="jane-doe")
    with pytest.raises(ValidationError) as excinfo:
        speaker.full_clean()
    assert "slug" in excinfo.value.message_dict


def test_speaker_who_may_not_be_named_has_public_name_to_be_confirmed():
    speaker = SpeakerFactory.build(display_name="Kate Rowe", may_be_named=False)
    assert speaker.public_name == "Speaker to be confirmed"


def test_speaker_public_name_has_post_nominals():
    speaker = SpeakerFactory.build(display_name="Andy Cooke", post_nominals="QPM")
    assert speaker.public_name == "Andy Cooke QPM"


@pytest.mark.postgres
def test_room_overlap_is_refused_by_database_constraint():
    existing = AgendaSessionFactory()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        AgendaSession.objects.create(
            edition=existing.edition,
            room=existing.room,
            starts_at=existing.starts_at + dt.timedelta(minutes=30),
            ends_at=existing.ends_at + dt.timedelta(minutes=30),
            kind=AgendaSession.Kind.PANEL,
            title="Bypassing clean()",
        )
    assert "session_room_no_overlap" in str(excinfo.value)
    assert AgendaSession.objects.count() == 1


@pytest.mark.postgres
def test_room_back_to_back_is_allowed_by_database_constraint():
    existing = AgendaSessionFactory()
    AgendaSession.objects.create(
        edition=existing.edition,
        room=existing.room,
        starts_at=existing.ends_at,
        ends_at=existing.ends_at + dt.timedelta(hours=1),
        kind=AgendaSession.Kind.PANEL,
        title="Straight after",
    )
    assert AgendaSession.objects.count() == 2


def test_series_code_outside_ascii_letters_and_digits_is_refused():
    series = SeriesFactory.build(code="ÉC C")
    with pytest.raises(ValidationError) as excinfo:
        series.full_clean()
    assert excinfo.value.message_dict["code"] == [
        "Use letters A to Z and digits only, e.g. ECC."
    ]
