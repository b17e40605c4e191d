"""Seats in the admin: the organisers' move (``workshops.admin.choices``)."""

import pytest
from django.urls import reverse

from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import (
    workshop_grid,
)
from tests.workshops.helpers import seat
from workshops import services
from workshops.models import (
    WorkshopAuditEntry,
    WorkshopChoice,
)

pytestmark = pytest.mark.django_db


def test_move_view_moves_and_audits(staff_client, edition):
    grid = workshop_grid(edition)
    (registration,) = seat(edition, grid)
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    url = reverse("admin:workshops_workshopchoice_move", args=[choice.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"to_run": grid[0][1].pk, "reason": "Room"})
    assert response.status_code == 302
    choice.refresh_from_db()
    assert choice.run_id == grid[0][1].pk
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.MOVE
    ).exists()


def test_move_view_into_full_run_is_400(staff_client, edition):
    grid = workshop_grid(edition, capacity=1)
    (registration,) = seat(edition, grid)
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other, run_ids=[block[1].pk for block in grid]
    )
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])
    url = reverse("admin:workshops_workshopchoice_move", args=[choice.pk])
    response = staff_client.post(url, {"to_run": grid[0][1].pk})
    assert response.status_code == 400
    choice.refresh_from_db()
    assert choice.run_id == grid[0][0].pk
