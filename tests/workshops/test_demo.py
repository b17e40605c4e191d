"""The demo holds together: every run fits its room, no room holds two things at
once, and every confirmed delegate could have a place in every block
(``workshops.demo`` on top of the events and delegates demos)."""

import io

import pytest
from django.core.exceptions import ValidationError

from delegates import demo as delegates_demo
from delegates import demo_registrations
from delegates.models import Registration
from events import demo as events_demo
from events.models import AgendaSession, Edition
from workshops import demo, selectors
from workshops.models import WorkshopChoice, WorkshopRun

pytestmark = pytest.mark.django_db


def _load() -> None:
    out = io.StringIO()
    delegates_demo.load(stdout=out)
    events_demo.load(stdout=out)
    demo_registrations.load(stdout=out)
    demo.load(stdout=out)


def test_demo_runs_fit_their_rooms_without_clashes():
    _load()
    runs = list(
        WorkshopRun.objects.select_related("room", "block__session", "workshop")
    )
    assert runs
    for run in runs:
        assert run.room is not None
        assert run.capacity <= run.room.capacity, run
        assert not run.over_room_capacity
        run.full_clean()  # the room rules: capacity, other runs, agenda sessions
        assert run.seats_taken <= run.capacity
    for edition in Edition.objects.filter(workshops__isnull=False).distinct():
        assert selectors.runs_over_room_capacity(edition) == []
    for session in AgendaSession.objects.select_related("edition", "room"):
        try:
            session.full_clean()
        except ValidationError as error:  # pragma: no cover - the failure message
            pytest.fail(f"{session}: {error.messages}")


def test_demo_blocks_seat_every_confirmed_delegate():
    _load()
    for edition in Edition.objects.filter(workshops__isnull=False).distinct():
        confirmed = Registration.objects.filter(
            edition=edition,
            status=Registration.Status.CONFIRMED,
            category=Registration.Category.DELEGATE,
        ).count()
        for block in edition.workshop_blocks.prefetch_related("runs"):
            assert sum(run.capacity for run in block.runs.all()) >= confirmed


def test_demo_load_twice_changes_nothing():
    _load()
    before = sorted(
        WorkshopRun.objects.values_list("pk", "room_id", "capacity", "seats_taken")
    )
    choices = WorkshopChoice.objects.count()
    demo.load(stdout=io.StringIO())
    after = sorted(
        WorkshopRun.objects.values_list("pk", "room_id", "capacity", "seats_taken")
    )
    assert after == before
    assert WorkshopChoice.objects.count() == choices
