"""The workshops demo data: the Strategic Conference's call for proposals, a few
proposals scored, and a workshop led by the speaker who may not be named; and the demo
holds together: every run fits its room, no room holds two things at once, and every
confirmed delegate could have a place in every block (``workshops.demo`` on top of
the events and delegates demos)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from delegates import demo as delegates_demo
from delegates import demo_registrations
from delegates.models import Registration
from events import demo as events_demo
from events.models import AgendaSession, Edition, Speaker
from tests.crawl import body, crawl
from workshops import demo, selectors
from workshops.models import (
    ProposalReview,
    Workshop,
    WorkshopCall,
    WorkshopChoice,
    WorkshopProposal,
    WorkshopRun,
)

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_strategic_edition_has_a_call_with_scored_proposals_idempotently(
    settings,
):
    settings.DEMO_DATA_ALLOWED = True
    _load()
    counts = (WorkshopProposal.objects.count(), ProposalReview.objects.count())
    _load()

    call = WorkshopCall.objects.get(edition__slug="strategic-2027")
    assert call.is_open()
    assert (WorkshopProposal.objects.count(), ProposalReview.objects.count()) == counts
    assert call.proposals.count() == 3
    scored = [p for p in call.proposals.all() if p.reviews.count() == 2]
    assert len(scored) == 2
    assert call.proposals.filter(proposer__email="delegate@police.uk").exists()
    unnamed = Speaker.objects.get(may_be_named=False, slug="covert-lead")
    assert Workshop.objects.filter(
        edition__slug="strategic-2027", facilitators=unnamed, published=True
    ).exists()

    # The demo's unnamed leader is nowhere on the public site.
    seen = crawl(Client())
    workshops = reverse("workshops_public:edition", args=["strategic-2027"])
    assert seen[workshops].status_code == 200
    assert "Speaker to be confirmed" in body(seen[workshops]).decode()
    assert [p for p in seen if unnamed.display_name.encode() in body(seen[p])] == []


def _load_parts() -> None:
    out = io.StringIO()
    delegates_demo.load(stdout=out)
    events_demo.load(stdout=out)
    demo_registrations.load(stdout=out)
    demo.load(stdout=out)


def test_demo_runs_fit_their_rooms_without_clashes():
    _load_parts()
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
    _load_parts()
    for edition in Edition.objects.filter(workshops__isnull=False).distinct():
        confirmed = Registration.objects.filter(
            edition=edition,
            status=Registration.Status.CONFIRMED,
            category=Registration.Category.DELEGATE,
        ).count()
        for block in edition.workshop_blocks.prefetch_related("runs"):
            assert sum(run.capacity for run in block.runs.all()) >= confirmed


def test_demo_load_twice_changes_nothing():
    _load_parts()
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
