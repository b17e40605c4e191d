"""Allocation from ranked preferences, drafted and published
(``workshops.services.allocations``)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Edition
from tests.factories.accounts import StaffFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import (
    WorkshopRunFactory,
    close_ranking,
    workshop_grid,
)
from workshops import services
from workshops.models import (
    Allocation,
    ChoiceWindow,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopRun,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_edition(db):
    edition = EditionFactory()
    grid = workshop_grid(
        edition, capacity=3, mode=WorkshopSettings.Mode.RANKED, per_block=2
    )
    return edition, grid


@pytest.mark.django_db
def test_allocation_run_reports_and_publish_emails(
    ranked_edition, django_capture_on_commit_callbacks
):
    edition, grid = ranked_edition
    workshops = [run.workshop_id for block in grid for run in block]
    registrations = [RegistrationFactory(edition=edition) for _ in range(5)]
    for i, registration in enumerate(registrations):
        order = workshops[i % 2 :] + workshops[: i % 2]
        services.workshop_preferences_set(registration=registration, workshop_ids=order)
    staff = StaffFactory()
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=11, actor=staff)
    report = allocation.report
    assert report["seed"] == 11
    assert report["delegates"] == 5
    assert len(report["fill"]) == 8
    assert all(row["taken"] <= row["capacity"] for row in report["fill"])
    assert report["unplaced"] == []
    assert 0 <= report["top_choices"] <= 5
    assert report["mean_rank"] >= 1
    # Draft: nobody has a seat yet.
    assert WorkshopChoice.objects.count() == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_publish(allocation=allocation, actor=staff)
    assert WorkshopChoice.objects.count() == 20
    for registration in registrations:
        assert WorkshopChoice.objects.filter(registration=registration).count() == 4
    for run in WorkshopRun.objects.filter(workshop__edition=edition):
        assert run.seats_taken == run.choices.count() <= run.capacity
    allocated = [m for m in mail.outbox if "allocated" in m.subject]
    assert sorted(m.to[0] for m in allocated) == sorted(
        r.user.email for r in registrations
    )
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.ALLOCATION_PUBLISHED, actor=staff
    ).exists()
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.PUBLISHED
    with pytest.raises(ValidationError):
        services.allocation_publish(allocation=allocation)


@pytest.mark.django_db
def test_allocation_lists_delegates_who_cannot_be_placed(ranked_edition):
    edition, grid = ranked_edition
    registrations = [RegistrationFactory(edition=edition) for _ in range(8)]
    allocation = services.allocation_run(edition=edition, seed=5)
    # 2 runs of 3 per block: 6 delegates get four workshops, 2 are listed.
    assert len(allocation.report["unplaced"]) == 2
    listed = {row["reference"] for row in allocation.report["unplaced"]}
    assert listed <= {r.reference for r in registrations}


@pytest.mark.django_db
def test_allocation_gives_top_choices_when_rooms_allow(db):
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=10, mode=WorkshopSettings.Mode.RANKED)
    registration = RegistrationFactory(edition=edition)
    top = [block[1].workshop_id for block in grid]
    rest = [block[0].workshop_id for block in grid]
    services.workshop_preferences_set(
        registration=registration, workshop_ids=top + rest
    )
    allocation = services.allocation_run(edition=edition, seed=1)
    assert allocation.report["top_choices"] == 1
    assert allocation.report["mean_rank"] == 2.5
    runs = sorted(a.run.workshop_id for a in allocation.assignments.all())
    assert runs == sorted(top)


@pytest.mark.django_db
def test_publish_opens_window_for_delegate_confirmed_after_run(ranked_edition):
    edition, _grid = ranked_edition
    RegistrationFactory(edition=edition)
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=2)
    late = RegistrationFactory(edition=edition)
    services.allocation_publish(allocation=allocation)
    assert ChoiceWindow.objects.filter(registration=late).exists()
    assert not WorkshopChoice.objects.filter(registration=late).exists()


@pytest.mark.django_db
def test_allocation_with_a_repeated_workshop(db):
    edition = EditionFactory()
    grid = workshop_grid(edition, capacity=4, mode=WorkshopSettings.Mode.RANKED)
    WorkshopRunFactory(workshop=grid[0][0].workshop, block=grid[1][0].block, capacity=4)
    registrations = [RegistrationFactory(edition=edition) for _ in range(6)]
    close_ranking(edition)
    allocation = services.allocation_run(edition=edition, seed=9)
    services.allocation_publish(allocation=allocation)
    for registration in registrations:
        workshops = list(
            WorkshopChoice.objects.filter(registration=registration).values_list(
                "workshop_id", flat=True
            )
        )
        assert len(workshops) == len(set(workshops))


def test_publishing_while_delegates_can_still_rank_is_refused(edition):
    workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    RegistrationFactory(edition=edition)
    allocation = services.allocation_run(edition=edition, seed=3)
    with pytest.raises(ValidationError, match="can still rank their workshops"):
        services.allocation_publish(allocation=allocation)
    # The deadline passes (now): the draft made before it is stale; a new one publishes.
    Edition.objects.filter(pk=edition.pk).update(
        workshop_selection_closes_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="run the allocation again"):
        services.allocation_publish(allocation=allocation)
    fresh = services.allocation_run(edition=edition, seed=3)
    services.allocation_publish(allocation=fresh)
    fresh.refresh_from_db()
    assert fresh.status == Allocation.Status.PUBLISHED
    assert WorkshopChoice.objects.count() == 4
