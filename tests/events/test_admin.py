import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import AgendaSession, Edition
from events.services import agenda_session_save, agenda_sessions_save
from events.signals import edition_capacity_changed
from tests.factories.accounts import StaffFactory
from tests.factories.events import AgendaSessionFactory, EditionFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def _change_data(edition: Edition, sessions: list[dict]) -> dict:
    local = timezone.localtime
    data = {
        "series": edition.series_id,
        "ordinal": edition.ordinal,
        "year": edition.year,
        "title": edition.title,
        "slug": edition.slug,
        "status": edition.status,
        "start_date": edition.start_date.isoformat(),
        "end_date": edition.end_date.isoformat(),
        "venue": edition.venue_id,
        "capacity": edition.capacity,
        "registration_opens_at_0": local(edition.registration_opens_at).date(),
        "registration_opens_at_1": local(edition.registration_opens_at).time(),
        "registration_closes_at_0": local(edition.registration_closes_at).date(),
        "registration_closes_at_1": local(edition.registration_closes_at).time(),
        "workshop_selection_closes_at_0": "",
        "workshop_selection_closes_at_1": "",
        "aim": edition.aim,
        "sessions-TOTAL_FORMS": len(sessions),
        "sessions-INITIAL_FORMS": 0,
        "partners-TOTAL_FORMS": 0,
        "partners-INITIAL_FORMS": 0,
    }
    for index, session in enumerate(sessions):
        for key, value in session.items():
            data[f"sessions-{index}-{key}"] = value
    return data


def _row(edition, room, title: str, start: str, end: str, **extra) -> dict:
    """One agenda row of the edition's admin form, on the first day."""
    day = edition.start_date.isoformat()
    return {
        "kind": "panel",
        "room": room.pk,
        "title": title,
        "starts_at_0": day,
        "starts_at_1": start,
        "ends_at_0": day,
        "ends_at_1": end,
        **extra,
    }


def _session_at(edition, room, title: str, start: str, end: str) -> AgendaSession:
    day = edition.start_date

    def at(clock: str) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(day, dt.time.fromisoformat(clock))
        )

    return AgendaSession(
        edition=edition,
        room=room,
        kind=AgendaSession.Kind.PANEL,
        title=title,
        starts_at=at(start),
        ends_at=at(end),
    )


def test_admin_duplicate_action_copies_edition(organiser):
    source = EditionFactory(
        title="Strategic SOCEX 2030",
        slug="strategic-2030",
        start_date=dt.date(2030, 5, 22),
    )
    AgendaSessionFactory(edition=source)
    response = organiser.post(
        reverse("admin:events_edition_changelist"),
        {"action": "duplicate_for_next_year", "_selected_action": [source.pk]},
        follow=True,
    )
    assert response.status_code == 200
    copy = Edition.objects.get(slug="strategic-2031")
    assert copy.status == Edition.Status.DRAFT
    assert copy.sessions.count() == 1
    assert "1 edition copied as a draft for next year." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]


def test_admin_duplicate_action_reports_refusal(organiser):
    source = EditionFactory(slug="strategic-2030", start_date=dt.date(2030, 5, 22))
    EditionFactory(series=source.series, start_date=dt.date(2031, 5, 21))
    response = organiser.post(
        reverse("admin:events_edition_changelist"),
        {"action": "duplicate_for_next_year", "_selected_action": [source.pk]},
        follow=True,
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("already has an edition in 2031" in m for m in messages)
    assert Edition.objects.count() == 2


def test_admin_overlapping_sessions_in_one_form_are_refused(organiser):
    edition = EditionFactory()
    room = RoomFactory(venue=edition.venue)
    day = edition.start_date.isoformat()
    session = {"kind": "panel", "room": room.pk, "starts_at_0": day, "ends_at_0": day}
    data = _change_data(
        edition,
        [
            {**session, "title": "A", "starts_at_1": "09:00", "ends_at_1": "10:00"},
            {**session, "title": "B", "starts_at_1": "09:30", "ends_at_1": "10:30"},
        ],
    )
    response = organiser.post(
        reverse("admin:events_edition_change", args=[edition.pk]), data
    )
    assert response.status_code == 200
    assert "“A” and “B” overlap in" in response.content.decode()
    assert not AgendaSession.objects.exists()
    # The service refuses the same two sessions with the same words.
    with pytest.raises(ValidationError) as excinfo:
        agenda_sessions_save(
            sessions=[
                _session_at(edition, room, "A", "09:00", "10:00"),
                _session_at(edition, room, "B", "09:30", "10:30"),
            ]
        )
    assert excinfo.value.messages == [
        f"“A” and “B” overlap in {room.name}: change the room or the time of one "
        "of them."
    ]
    assert excinfo.value.messages[0] in response.content.decode()


def test_admin_session_outside_dates_shows_error(organiser):
    edition = EditionFactory()
    late = (edition.end_date + dt.timedelta(days=2)).isoformat()
    data = _change_data(
        edition,
        [
            {
                "kind": "panel",
                "title": "Too late",
                "starts_at_0": late,
                "starts_at_1": "09:00",
                "ends_at_0": late,
                "ends_at_1": "10:00",
            }
        ],
    )
    response = organiser.post(
        reverse("admin:events_edition_change", args=[edition.pk]), data
    )
    assert response.status_code == 200
    assert "must fall within the conference days" in response.content.decode()
    assert not AgendaSession.objects.exists()


def test_admin_capacity_change_sends_signal_and_saves(organiser):
    edition = EditionFactory(capacity=400)
    received = []
    edition_capacity_changed.connect(
        lambda sender, **kw: received.append(kw["new_capacity"]),
        dispatch_uid="test-admin-cap",
        weak=False,
    )
    try:
        data = {**_change_data(edition, []), "capacity": 420}
        response = organiser.post(
            reverse("admin:events_edition_change", args=[edition.pk]), data
        )
    finally:
        edition_capacity_changed.disconnect(dispatch_uid="test-admin-cap")
    assert response.status_code == 302
    assert received == [420]
    edition.refresh_from_db()
    assert edition.capacity == 420


def test_admin_capacity_change_refused_by_receiver_keeps_old_value(organiser):
    edition = EditionFactory(capacity=400)

    def refuse(sender, **kwargs):
        raise ValidationError("Keep at least 300 places: 300 are confirmed.")

    edition_capacity_changed.connect(refuse, dispatch_uid="test-admin-refuse")
    try:
        data = {**_change_data(edition, []), "capacity": 100, "title": "Renamed"}
        response = organiser.post(
            reverse("admin:events_edition_change", args=[edition.pk]), data
        )
    finally:
        edition_capacity_changed.disconnect(dispatch_uid="test-admin-refuse")
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Keep at least 300 places: 300 are confirmed."]
    edition.refresh_from_db()
    assert (edition.capacity, edition.title) == (400, edition.title)
    assert edition.title != "Renamed"


def test_admin_is_closed_to_non_staff(client):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("admin:events_edition_changelist"))
    assert response.status_code == 302


def test_admin_and_service_refuse_a_room_already_booked_alike(organiser):
    edition = EditionFactory()
    room = RoomFactory(venue=edition.venue, name="Hall 1")
    agenda_session_save(session=_session_at(edition, room, "Keynote", "09:00", "10:00"))
    with pytest.raises(ValidationError) as excinfo:
        agenda_session_save(
            session=_session_at(edition, room, "Panel", "09:30", "10:30")
        )
    panel = _row(edition, room, "Panel", "09:30", "10:30")
    edition_page = organiser.post(
        reverse("admin:events_edition_change", args=[edition.pk]),
        _change_data(edition, [panel]),
    )
    session_page = organiser.post(
        reverse("admin:events_agendasession_add"),
        {
            **panel,
            "edition": edition.pk,
            "sessionspeaker_set-TOTAL_FORMS": 0,
            "sessionspeaker_set-INITIAL_FORMS": 0,
        },
    )
    message = excinfo.value.message_dict["room"][0]
    assert message == (
        "Hall 1 is already booked for “Keynote” from 09:00 to 10:00: choose another "
        "room or time."
    )
    assert message in edition_page.content.decode()
    assert message in session_page.content.decode()
    assert AgendaSession.objects.count() == 1


def test_admin_agenda_rows_save_and_delete_in_one_submission(organiser):
    edition = EditionFactory()
    room = RoomFactory(venue=edition.venue)
    old = agenda_session_save(
        session=_session_at(edition, room, "Old", "09:00", "10:00")
    )
    data = _change_data(
        edition,
        [
            _row(edition, room, "Old", "09:00", "10:00", id=old.pk, DELETE="on"),
            _row(edition, room, "New", "10:00", "11:00"),
        ],
    )
    data["sessions-INITIAL_FORMS"] = 1
    response = organiser.post(
        reverse("admin:events_edition_change", args=[edition.pk]), data
    )
    assert response.status_code == 302
    assert list(edition.sessions.values_list("title", flat=True)) == ["New"]
