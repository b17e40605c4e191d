"""Rooms hold together: a run's capacity within its room's seats (or an explicit
override), one run per room at a time, no run where an agenda session is
(``WorkshopRun.room_problems``, the organiser services, the admin and the
``collect_room_bookings`` hook answered by ``workshops.hooks``)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from events.models import AgendaSession
from tests.factories.events import AgendaSessionFactory, RoomFactory
from tests.factories.workshops import (
    TimeBlockFactory,
    WorkshopFactory,
    WorkshopRunFactory,
    workshop_grid,
)
from tests.workshops.helpers import refusal
from workshops import selectors, services
from workshops.models import WorkshopRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def thames(edition):
    return RoomFactory(venue=edition.venue, name="Thames", capacity=60)


@pytest.fixture
def block(edition):
    return TimeBlockFactory(edition=edition, hour=10)


def test_run_capacity_within_room_is_created(edition, thames, block):
    run = services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames, capacity=60
    )
    assert (run.capacity, run.over_room_capacity) == (60, False)


def test_run_without_capacity_takes_the_rooms(edition, thames, block):
    run = services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames
    )
    assert run.capacity == 60


def test_run_capacity_over_room_refused_naming_the_room(edition, thames, block):
    error = refusal(
        services.workshop_run_create,
        workshop=WorkshopFactory(edition=edition),
        block=block,
        room=thames,
        capacity=115,
    )
    assert error.message_dict["capacity"][0].startswith(
        "Thames seats 60; this run offers 115 places."
    )
    assert WorkshopRun.objects.count() == 0


def test_run_capacity_over_room_accepted_with_override_and_listed(
    edition, thames, block
):
    run = services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition),
        block=block,
        room=thames,
        capacity=70,
        over_room_capacity=True,
    )
    assert run.capacity == 70
    assert selectors.runs_over_room_capacity(edition) == [run]


def test_runs_over_room_capacity_lists_only_those_over(
    edition, thames, django_assert_num_queries
):
    grid = workshop_grid(edition)  # 20 places in rooms of 50
    WorkshopRun.objects.filter(pk=grid[1][0].pk).update(
        room=thames, capacity=80, over_room_capacity=True
    )
    with django_assert_num_queries(1):
        over = selectors.runs_over_room_capacity(edition)
        assert [(run.pk, run.room.name, run.workshop.title) for run in over] == [
            (grid[1][0].pk, "Thames", grid[1][0].workshop.title)
        ]


def test_capacity_set_over_room_refused_and_unchanged(edition, thames, block):
    run = WorkshopRunFactory(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames
    )
    error = refusal(services.workshop_run_capacity_set, run=run, capacity=61)
    assert "Thames seats 60; this run offers 61 places" in error.messages[0]
    run.refresh_from_db()
    assert run.capacity == 20


def test_update_to_smaller_room_refused_and_unchanged(edition, thames, block):
    run = WorkshopRunFactory(
        workshop=WorkshopFactory(edition=edition), block=block, capacity=55
    )
    small = RoomFactory(venue=edition.venue, name="Cherwell", capacity=30)
    error = refusal(services.workshop_run_update, run=run, room=small)
    assert "Cherwell seats 30; this run offers 55 places" in error.messages[0]
    run.refresh_from_db()
    assert run.room_id != small.pk


def test_two_runs_in_one_room_in_one_block_refused(edition, thames, block):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition, title="Money mules"),
        block=block,
        room=thames,
    )
    error = refusal(
        services.workshop_run_create,
        workshop=WorkshopFactory(edition=edition),
        block=block,
        room=thames,
    )
    assert (
        "Thames already holds “Money mules” from 10:00 to 11:00"
        in (error.message_dict["room"][0])
    )
    assert WorkshopRun.objects.count() == 1


def test_runs_in_one_room_in_overlapping_blocks_refused(edition, thames, block):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition, title="Money mules"),
        block=block,
        room=thames,
    )
    later = TimeBlockFactory(edition=edition, hour=10)
    AgendaSession.objects.filter(pk=later.session_id).update(
        starts_at=block.session.starts_at + dt.timedelta(minutes=30),
        ends_at=block.session.ends_at + dt.timedelta(minutes=30),
    )
    later.refresh_from_db()
    error = refusal(
        services.workshop_run_create,
        workshop=WorkshopFactory(edition=edition),
        block=later,
        room=thames,
    )
    assert "already holds “Money mules”" in error.messages[0]


def test_runs_in_one_room_back_to_back_allowed(edition, thames, block):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames
    )
    next_block = TimeBlockFactory(edition=edition, hour=11)
    run = services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition), block=next_block, room=thames
    )
    assert run.pk


def test_run_where_an_agenda_session_is_refused(edition, thames, block):
    AgendaSessionFactory(
        edition=edition,
        room=thames,
        title="Press briefing",
        starts_at=block.session.starts_at + dt.timedelta(minutes=15),
    )
    error = refusal(
        services.workshop_run_create,
        workshop=WorkshopFactory(edition=edition),
        block=block,
        room=thames,
    )
    assert (
        "Thames is booked for “Press briefing” from 10:15 to 11:15"
        in (error.messages[0])
    )


def test_agenda_session_where_a_run_is_refused(edition, thames, block):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition, title="Money mules"),
        block=block,
        room=thames,
    )
    session = AgendaSession(
        edition=edition,
        room=thames,
        kind=AgendaSession.Kind.PLENARY,
        title="Press briefing",
        starts_at=block.session.starts_at,
        ends_at=block.session.ends_at,
    )
    with pytest.raises(ValidationError) as refused:
        session.full_clean()
    assert (
        "Thames is already booked for “Money mules” from 10:00 to 11:00"
        in (refused.value.message_dict["room"][0])
    )


def test_block_session_itself_is_not_a_clash_with_its_runs(edition, thames, block):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames
    )
    session = block.session
    session.title = "Workshop block 1 (renamed)"
    session.full_clean()  # its own runs move with it


@pytest.mark.postgres
def test_database_refuses_two_runs_in_one_room_in_one_block(edition, thames, block):
    WorkshopRunFactory(
        workshop=WorkshopFactory(edition=edition), block=block, room=thames
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkshopRunFactory(
            workshop=WorkshopFactory(edition=edition), block=block, room=thames
        )


def test_admin_run_form_refuses_over_room_capacity_in_the_services_words(
    staff_client, edition, thames, block
):
    workshop = WorkshopFactory(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_add"),
        {
            "workshop": workshop.pk,
            "block": block.pk,
            "room": thames.pk,
            "capacity": 115,
        },
    )
    assert response.status_code == 200
    assert "Thames seats 60; this run offers 115 places." in response.content.decode()
    assert WorkshopRun.objects.count() == 0


def test_admin_run_form_accepts_the_override(staff_client, edition, thames, block):
    workshop = WorkshopFactory(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_add"),
        {
            "workshop": workshop.pk,
            "block": block.pk,
            "room": thames.pk,
            "capacity": 70,
            "over_room_capacity": "on",
        },
    )
    assert response.status_code == 302
    run = WorkshopRun.objects.get()
    assert (run.capacity, run.over_room_capacity) == (70, True)


def test_admin_run_form_refuses_a_room_clash(staff_client, edition, thames, block):
    WorkshopRunFactory(
        workshop=WorkshopFactory(edition=edition, title="Money mules"),
        block=block,
        room=thames,
    )
    response = staff_client.post(
        reverse("admin:workshops_workshoprun_add"),
        {
            "workshop": WorkshopFactory(edition=edition).pk,
            "block": block.pk,
            "room": thames.pk,
            "capacity": 10,
        },
    )
    assert response.status_code == 200
    assert "Thames already holds “Money mules”" in response.content.decode()
    assert WorkshopRun.objects.count() == 1


def test_run_list_flags_a_run_over_its_room_by_override(
    staff_client, edition, thames, block
):
    services.workshop_run_create(
        workshop=WorkshopFactory(edition=edition),
        block=block,
        room=thames,
        capacity=70,
        over_room_capacity=True,
    )
    body = staff_client.get(
        reverse("admin:workshops_workshoprun_changelist")
    ).content.decode()
    assert "0 / 70 (room seats 60: override)" in body
