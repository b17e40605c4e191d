import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import AgendaSession, Edition, EditionPartner
from events.services import edition_capacity_set, edition_duplicate, edition_save
from events.signals import edition_capacity_changed, edition_duplicated
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    EditionPartnerFactory,
    SessionSpeakerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, signal, **kwargs):
        calls.append(kwargs)

    edition_duplicated.connect(receiver, dispatch_uid="test-dup")
    edition_capacity_changed.connect(receiver, dispatch_uid="test-cap")
    yield calls
    edition_duplicated.disconnect(dispatch_uid="test-dup")
    edition_capacity_changed.disconnect(dispatch_uid="test-cap")


def _strategic(year: int = 2030) -> Edition:
    return EditionFactory(
        title=f"Strategic SOCEX {year}",
        slug=f"strategic-{year}",
        start_date=dt.date(year, 5, 22),
        end_date=dt.date(year, 5, 23),
        ordinal=5,
        welcome_message="Welcome",
        registration_opens_at=timezone.make_aware(dt.datetime(year, 1, 10, 9)),
        registration_closes_at=timezone.make_aware(dt.datetime(year, 5, 8, 23, 59)),
        workshop_selection_closes_at=timezone.make_aware(
            dt.datetime(year, 5, 1, 23, 59)
        ),
    )


def test_edition_duplicate_copies_a_draft_one_year_later(received):
    source = _strategic()
    keynote = AgendaSessionFactory(edition=source, title="Keynote")
    SessionSpeakerFactory(session=keynote)
    AgendaSessionFactory(
        edition=source,
        title="Workshop block 1",
        kind=AgendaSession.Kind.WORKSHOP_BLOCK,
        room=None,
        starts_at=timezone.make_aware(dt.datetime(2030, 5, 23, 9, 30)),
    )
    EditionPartnerFactory(edition=source, order=2)
    EditionPartnerFactory(edition=source, order=1)

    copy = edition_duplicate(edition=source)

    assert copy.status == Edition.Status.DRAFT
    assert (copy.title, copy.slug, copy.year, copy.ordinal) == (
        "Strategic SOCEX 2031",
        "strategic-2031",
        2031,
        6,
    )
    # Wednesday 22 May 2030 -> Wednesday 21 May 2031: the weekdays stay the same.
    assert (copy.start_date, copy.end_date) == (
        dt.date(2031, 5, 21),
        dt.date(2031, 5, 22),
    )
    assert copy.start_date.weekday() == source.start_date.weekday()
    assert copy.venue == source.venue
    assert copy.capacity == source.capacity
    assert copy.welcome_message == ""
    assert timezone.localtime(copy.registration_opens_at) == timezone.make_aware(
        dt.datetime(2031, 1, 9, 9)
    )
    sessions = list(copy.sessions.order_by("starts_at"))
    assert [(s.title, s.kind, s.room_id) for s in sessions] == [
        ("Keynote", "plenary", keynote.room_id),
        ("Workshop block 1", "workshop_block", None),
    ]
    assert timezone.localtime(sessions[1].starts_at) == timezone.make_aware(
        dt.datetime(2031, 5, 22, 9, 30)
    )
    assert not sessions[0].speakers.exists()
    assert list(
        EditionPartner.objects.filter(edition=copy).values_list("partner", "order")
    ) == list(
        EditionPartner.objects.filter(edition=source).values_list("partner", "order")
    )
    [signal] = received
    assert signal["source"] == source
    assert signal["copy"] == copy
    assert {old: new.title for old, new in signal["session_map"].items()} == {
        keynote.pk: "Keynote",
        source.sessions.get(title="Workshop block 1").pk: "Workshop block 1",
    }
    assert all(new.edition_id == copy.pk for new in signal["session_map"].values())


def test_edition_duplicate_when_next_year_exists_is_refused():
    source = _strategic(2030)
    EditionFactory(
        series=source.series, slug="strategic-2031", start_date=dt.date(2031, 5, 21)
    )
    with pytest.raises(ValidationError) as excinfo:
        edition_duplicate(edition=source)
    assert "already has an edition in 2031" in excinfo.value.messages[0]
    assert Edition.objects.count() == 2


def test_edition_duplicate_rolls_back_when_a_receiver_fails():
    source = _strategic()
    AgendaSessionFactory(edition=source)

    def refuse(sender, **kwargs):
        raise ValidationError("Workshops could not be copied.")

    edition_duplicated.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(ValidationError):
            edition_duplicate(edition=source)
    finally:
        edition_duplicated.disconnect(dispatch_uid="test-refuse")
    assert Edition.objects.count() == 1
    assert AgendaSession.objects.count() == 1


def test_edition_capacity_change_sends_signal(received):
    edition = EditionFactory(capacity=400)
    edition_capacity_set(edition=edition, capacity=450)
    assert received == [{"edition": edition, "old_capacity": 400, "new_capacity": 450}]
    edition.refresh_from_db()
    assert edition.capacity == 450


def test_edition_save_without_capacity_change_sends_no_signal(received):
    edition = EditionFactory(capacity=400)
    edition.title = "Renamed"
    edition_save(edition=edition)
    assert received == []


def test_edition_capacity_change_refused_by_receiver_is_rolled_back():
    edition = EditionFactory(capacity=400)

    def refuse(sender, **kwargs):
        raise ValidationError("300 delegates are confirmed: keep at least 300 places.")

    edition_capacity_changed.connect(refuse, dispatch_uid="test-refuse-cap")
    try:
        with pytest.raises(ValidationError):
            edition_capacity_set(edition=edition, capacity=100)
    finally:
        edition_capacity_changed.disconnect(dispatch_uid="test-refuse-cap")
    edition.refresh_from_db()
    assert edition.capacity == 400


def test_one_year_later_keeps_the_weekday_and_moves_to_next_year():
    from events.services import _one_year_later

    for day in (dt.date(2027, 1, 1), dt.date(2027, 5, 19), dt.date(2028, 2, 29)):
        later = _one_year_later(day)
        assert later.weekday() == day.weekday()
        assert later.year == day.year + 1
        assert 364 <= (later - day).days <= 371
