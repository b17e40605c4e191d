"""Workshop settings and allocations in the admin (``workshops.admin.allocations``)."""

import pytest
from django.urls import reverse

from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import (
    close_ranking,
    workshop_grid,
)
from workshops import services
from workshops.models import (
    Allocation,
    WorkshopChoice,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db


def test_allocate_action_then_publish(staff_client, edition):
    workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    RegistrationFactory(edition=edition)
    close_ranking(edition)
    settings_obj = WorkshopSettings.objects.get(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshopsettings_changelist"),
        {"action": "allocate", "_selected_action": [settings_obj.pk]},
    )
    allocation = Allocation.objects.get(edition=edition)
    assert response.status_code == 302
    page = staff_client.get(
        reverse("admin:workshops_allocation_change", args=[allocation.pk])
    )
    assert "got their 4 highest-ranked" in page.content.decode()
    response = staff_client.post(
        reverse("admin:workshops_allocation_publish", args=[allocation.pk])
    )
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.PUBLISHED
    assert WorkshopChoice.objects.count() == 4


def _settings_form(settings_row, **changes):
    data = {
        "edition": settings_row.edition_id,
        "workshops_per_delegate": settings_row.workshops_per_delegate,
        "mode": settings_row.mode,
    }
    return {**data, **changes}


def test_workshops_per_delegate_above_the_number_of_blocks_is_refused(
    staff_client, edition
):
    workshop_grid(edition)
    row = WorkshopSettings.objects.get(edition=edition)
    url = reverse("admin:workshops_workshopsettings_change", args=[row.pk])
    response = staff_client.post(url, _settings_form(row, workshops_per_delegate=99))
    assert response.status_code == 200
    assert "This conference has 4 workshop blocks" in response.content.decode()
    row.refresh_from_db()
    assert row.workshops_per_delegate == 4


def test_mode_cannot_switch_once_delegates_hold_places(staff_client, edition):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    row = WorkshopSettings.objects.get(edition=edition)
    url = reverse("admin:workshops_workshopsettings_change", args=[row.pk])
    response = staff_client.post(
        url, _settings_form(row, mode=WorkshopSettings.Mode.RANKED)
    )
    assert response.status_code == 200
    assert "can no longer change" in response.content.decode()
    row.refresh_from_db()
    assert row.mode == WorkshopSettings.Mode.LIVE
    assert WorkshopChoice.objects.filter(registration=registration).count() == 4


def test_allocate_on_a_live_choice_edition_is_refused_and_keeps_choices(
    staff_client, edition
):
    grid = workshop_grid(edition)
    registration = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    row = WorkshopSettings.objects.get(edition=edition)
    response = staff_client.post(
        reverse("admin:workshops_workshopsettings_changelist"),
        {"action": "allocate", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "uses live choice" in response.content.decode()
    assert not Allocation.objects.exists()
    assert WorkshopChoice.objects.filter(registration=registration).count() == 4
