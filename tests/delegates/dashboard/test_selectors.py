"""The dashboard's figures on a known edition: every number exact."""

import datetime as dt

import pytest
from django.utils import timezone

from delegates.dashboard import selectors
from delegates.models import Registration
from events.models import Submission
from events.speaking.services import submission_create
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory

from .conftest import at

pytestmark = pytest.mark.django_db
Status = Registration.Status


def dashboard(edition):
    return selectors.edition_dashboard(
        counts=selectors.edition_counts(edition_id=edition.pk)
    )


def test_edition_counts_known_edition(known_edition):
    counts = selectors.edition_counts(edition_id=known_edition.pk)

    assert (
        counts.capacity,
        counts.confirmed,
        counts.pending,
        counts.waitlisted,
        counts.cancelled,
        counts.declined,
    ) == (10, 3, 2, 1, 1, 1)
    assert counts.places_left == 7
    assert counts.fill_percent == 30
    assert counts.oldest_pending_at == at(known_edition, -29, 12)


def test_edition_counts_unknown_edition_is_none(db):
    assert selectors.edition_counts(edition_id=987654) is None


def test_edition_dashboard_badges_and_door(known_edition):
    board = dashboard(known_edition)

    assert board.badges_ready == 2
    # The finished run held c1, c2 and a cancelled registration; the queued run
    # (c3) is not printed yet.
    assert board.badges_printed == 2
    assert board.checked_in == 3
    assert board.checkins_by_hour == [
        (at(known_edition, 0, 9), 2),
        (at(known_edition, 0, 10), 1),
    ]


def test_edition_dashboard_registrations_by_day_and_status(known_edition):
    board = dashboard(known_edition)
    start = known_edition.start_date

    assert board.registrations_by_day == [
        (start - dt.timedelta(days=30), {Status.CONFIRMED: 2, Status.CANCELLED: 1}),
        (
            start - dt.timedelta(days=29),
            {Status.CONFIRMED: 1, Status.PENDING: 1, Status.DECLINED: 1},
        ),
        (start - dt.timedelta(days=28), {Status.PENDING: 1, Status.WAITLISTED: 1}),
    ]


def test_edition_dashboard_organisation_types_of_confirmed(known_edition):
    board = dashboard(known_edition)

    assert [(str(label), n) for label, n in board.organisation_types] == [
        ("UK police force", 2),
        ("National Crime Agency", 1),
    ]


def test_edition_dashboard_speaker_details_missing(known_edition):
    missing = dashboard(known_edition).speakers

    assert [s.title for s in missing.sessions_without_speakers] == ["Opening keynote"]
    assert [s.display_name for s in missing.speakers_without_bio] == ["Alex Unprepared"]
    assert [s.display_name for s in missing.speakers_without_photo] == [
        "Alex Unprepared"
    ]
    assert missing.total == 3


def test_edition_dashboard_counts_speaker_items_whose_details_are_awaited(
    known_edition,
):
    awaited = submission_create(
        edition=known_edition,
        kind=Submission.Kind.PLENARY,
        working_title="Ports and borders",
    )
    done = submission_create(
        edition=known_edition, kind=Submission.Kind.PANEL, working_title="Done panel"
    )
    Submission.objects.filter(pk=done.pk).update(state=Submission.State.ACCEPTED)

    missing = dashboard(known_edition).speakers

    assert missing.items_awaiting_speakers == [awaited]
    assert missing.total == 4


def test_edition_dashboard_workshop_fill_from_the_hook(known_edition):
    runs = dashboard(known_edition).workshop_runs
    first, second = known_edition.known["runs"]

    assert [(r["workshop"], r["seats_taken"], r["capacity"]) for r in runs] == [
        (first.workshop.title, 5, 20),
        (second.workshop.title, 0, 20),
    ]
    assert {r["room_capacity"] for r in runs} == {first.room.capacity}


def test_editions_current_soonest_first_without_past_or_archived(db):
    today = timezone.localdate()
    later = EditionFactory(start_date=today + dt.timedelta(days=60))
    sooner = EditionFactory(start_date=today + dt.timedelta(days=10))
    EditionFactory(
        start_date=today - dt.timedelta(days=30),
        end_date=today - dt.timedelta(days=29),
    )
    EditionFactory(
        start_date=today + dt.timedelta(days=5),
        status=EditionFactory._meta.model.Status.ARCHIVED,
    )
    RegistrationFactory(edition=sooner)
    RegistrationFactory(edition=sooner, status=Status.PENDING)

    current = selectors.editions_current()

    assert [c.edition for c in current] == [sooner, later]
    assert (current[0].confirmed, current[0].pending) == (1, 1)
    assert (current[1].confirmed, current[1].pending) == (0, 0)
