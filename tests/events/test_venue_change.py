"""Changing an edition's venue: what is still at the old venue's rooms is listed and
moved room by room, same names matched (``events.services.edition_venue_plan`` and
``edition_venue_change``, the runs moved by ``workshops.receivers``)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import AgendaSession, Edition
from tests.factories.accounts import StaffFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    RoomFactory,
    VenueFactory,
)
from tests.factories.workshops import TimeBlockFactory, WorkshopFactory
from workshops import services as workshop_services
from workshops.models import WorkshopRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    old = VenueFactory(name="Chesford Grange")
    new = VenueFactory(name="The Belfry")
    edition = EditionFactory(venue=old)
    rooms = {
        "old_hall": RoomFactory(venue=old, name="Main Hall", capacity=300),
        "old_side": RoomFactory(venue=old, name="Avon Room", capacity=60),
        "new_hall": RoomFactory(venue=new, name="main  hall", capacity=300),
        "new_side": RoomFactory(venue=new, name="Ryder Room", capacity=40),
        "new_big": RoomFactory(venue=new, name="Derby Room", capacity=80),
    }
    session = AgendaSessionFactory(edition=edition, room=rooms["old_hall"])
    block = TimeBlockFactory(edition=edition, hour=10)
    run = workshop_services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition, title="Money mules"),
        block=block,
        room=rooms["old_side"],
        capacity=50,
    )
    return edition, new, rooms, session, run


def test_plan_lists_sessions_and_runs_by_old_room_with_matching_names(setting):
    edition, new, rooms, session, run = setting
    plan = services.edition_venue_plan(edition=edition, venue=new)
    by_room = {entry["room"].name: entry for entry in plan}
    assert set(by_room) == {"Main Hall", "Avon Room"}
    assert by_room["Main Hall"]["suggested"] == rooms["new_hall"]
    assert [u["title"] for u in by_room["Main Hall"]["uses"]] == [session.title]
    assert by_room["Avon Room"]["suggested"] is None
    assert [u["title"] for u in by_room["Avon Room"]["uses"]] == ["Money mules"]


def test_venue_change_moves_sessions_and_runs(setting):
    edition, new, rooms, session, run = setting
    moved = services.edition_venue_change(
        edition=edition,
        venue=new,
        room_map={
            rooms["old_hall"].pk: rooms["new_hall"],
            rooms["old_side"].pk: rooms["new_big"],
        },
    )
    assert moved == 2
    assert Edition.objects.get(pk=edition.pk).venue == new
    assert AgendaSession.objects.get(pk=session.pk).room == rooms["new_hall"]
    assert WorkshopRun.objects.get(pk=run.pk).room == rooms["new_big"]
    assert services.edition_venue_plan(edition=edition, venue=new) == []


def test_venue_change_to_a_too_small_room_refused_and_nothing_moves(setting):
    edition, new, rooms, session, run = setting
    with pytest.raises(ValidationError) as refused:
        services.edition_venue_change(
            edition=edition,
            venue=new,
            room_map={
                rooms["old_hall"].pk: rooms["new_hall"],
                rooms["old_side"].pk: rooms["new_side"],
            },
        )
    assert "Ryder Room seats 40; this run offers 50 places" in refused.value.messages[0]
    assert Edition.objects.get(pk=edition.pk).venue != new
    assert AgendaSession.objects.get(pk=session.pk).room == rooms["old_hall"]
    assert WorkshopRun.objects.get(pk=run.pk).room == rooms["old_side"]


def test_venue_change_into_a_clash_refused(setting):
    edition, new, rooms, session, run = setting
    AgendaSession.objects.filter(pk=session.pk).update(
        starts_at=run.block.session.starts_at, ends_at=run.block.session.ends_at
    )
    with pytest.raises(ValidationError, match="already booked|booked for"):
        services.edition_venue_change(
            edition=edition,
            venue=new,
            room_map={
                rooms["old_hall"].pk: rooms["new_big"],
                rooms["old_side"].pk: rooms["new_big"],
            },
        )
    assert WorkshopRun.objects.get(pk=run.pk).room == rooms["old_side"]


def test_venue_change_needs_every_old_room_mapped(setting):
    edition, new, rooms, _session, _run = setting
    with pytest.raises(ValidationError, match="Choose where to move"):
        services.edition_venue_change(
            edition=edition,
            venue=new,
            room_map={rooms["old_hall"].pk: rooms["new_hall"]},
        )
    assert Edition.objects.get(pk=edition.pk).venue != new


def test_venue_change_to_a_room_of_another_venue_refused(setting):
    edition, new, rooms, _session, _run = setting
    with pytest.raises(ValidationError, match="is not at The Belfry"):
        services.edition_venue_change(
            edition=edition,
            venue=new,
            room_map={
                rooms["old_hall"].pk: rooms["old_hall"],
                rooms["old_side"].pk: None,
            },
        )


def test_admin_venue_page_moves_room_by_room(client, setting):
    edition, new, rooms, session, run = setting
    client.force_login(StaffFactory())
    url = reverse("admin:events_edition_venue", args=[edition.pk])
    page = client.get(url, {"venue": new.pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Money mules" in body and session.title in body
    assert f'<option value="{rooms["new_hall"].pk}" selected>' in body
    response = client.post(
        url,
        {
            "venue": new.pk,
            "apply": "1",
            f"room_{rooms['old_hall'].pk}": rooms["new_hall"].pk,
            f"room_{rooms['old_side'].pk}": rooms["new_side"].pk,
        },
    )
    assert response.status_code == 400
    assert "Ryder Room seats 40" in response.content.decode()
    response = client.post(
        url,
        {
            "venue": new.pk,
            "apply": "1",
            f"room_{rooms['old_hall'].pk}": rooms["new_hall"].pk,
            f"room_{rooms['old_side'].pk}": rooms["new_big"].pk,
        },
    )
    assert response.status_code == 302
    assert WorkshopRun.objects.get(pk=run.pk).room == rooms["new_big"]


def test_admin_venue_page_refuses_a_room_not_offered(client, setting):
    edition, new, rooms, _session, run = setting
    client.force_login(StaffFactory())
    url = reverse("admin:events_edition_venue", args=[edition.pk])
    response = client.post(
        url,
        {
            "venue": new.pk,
            "apply": "1",
            f"room_{rooms['old_hall'].pk}": rooms["old_side"].pk,
            f"room_{rooms['old_side'].pk}": "99999999999999999999999",
        },
    )
    assert response.status_code == 400
    assert Edition.objects.get(pk=edition.pk).venue != new


def test_plan_after_the_venue_field_changed_lists_the_runs_left_behind(setting):
    edition, new, rooms, session, run = setting
    AgendaSession.objects.filter(pk=session.pk).update(room=None)
    edition.venue = new
    services.edition_save(edition=edition)
    plan = services.edition_venue_plan(edition=edition, venue=new)
    assert [entry["room"] for entry in plan] == [rooms["old_side"]]
