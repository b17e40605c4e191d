"""Workshops with their runs inline, and the changelists
(``workshops.admin.programme``)."""

import pytest
from django.urls import reverse

from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import (
    workshop_grid,
)
from tests.workshops.helpers import seat
from workshops import services
from workshops.models import (
    WorkshopChoice,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("blocks,per_block", [(1, 1), (4, 5)])
@pytest.mark.parametrize(
    "changelist",
    [
        "admin:workshops_workshop_changelist",
        "admin:workshops_workshopchoice_changelist",
    ],
)
def test_workshop_and_choice_changelists_query_count(
    staff_client, edition, blocks, per_block, changelist, django_assert_max_num_queries
):
    grid = workshop_grid(edition, blocks=blocks, per_block=per_block, n=blocks)
    seat(edition, grid, 3)
    with django_assert_max_num_queries(14):
        response = staff_client.get(reverse(changelist))
    assert response.status_code == 200
    assert grid[0][0].workshop.title in response.content.decode()


def test_run_with_seats_cannot_move_to_another_block_from_the_workshop_page(
    staff_client, edition
):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    run = grid[0][0]
    other_block = grid[2][0].block
    url = reverse("admin:workshops_workshop_change", args=[run.workshop_id])
    response = staff_client.post(
        url,
        {
            "edition": edition.pk,
            "title": run.workshop.title,
            "summary": run.workshop.summary,
            "published": "on",
            "order": run.workshop.order,
            "runs-TOTAL_FORMS": 1,
            "runs-INITIAL_FORMS": 1,
            "runs-MIN_NUM_FORMS": 0,
            "runs-MAX_NUM_FORMS": 1000,
            "runs-0-id": run.pk,
            "runs-0-workshop": run.workshop_id,
            "runs-0-block": other_block.pk,
            "runs-0-room": run.room_id or "",
            "runs-0-capacity": run.capacity,
        },
    )
    assert response.status_code == 200
    assert "cannot move to another block" in response.content.decode()
    run.refresh_from_db()
    assert run.block_id == grid[0][0].block_id
    assert WorkshopChoice.objects.get(registration=registration, run=run).block_id == (
        run.block_id
    )
