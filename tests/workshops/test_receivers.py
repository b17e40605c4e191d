"""What workshops does when a registration changes status (``workshops.receivers``)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from delegates.models import Registration
from tests.factories.delegates import RegistrationFactory
from tests.workshops.helpers import chosen, first_of_each, seats
from workshops import services
from workshops.models import (
    ChoiceWindow,
    WorkshopAuditEntry,
)

pytestmark = pytest.mark.django_db


def test_cancelled_registration_frees_its_seats(grid, registration):
    from delegates.signals import registration_status_changed

    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    registration.status = Registration.Status.CANCELLED
    registration.save()
    registration_status_changed.send(
        sender=Registration,
        registration=registration,
        from_status=Registration.Status.CONFIRMED,
        to_status=Registration.Status.CANCELLED,
    )
    assert chosen(registration) == []
    assert [seats(block[0]) for block in grid] == [0, 0, 0, 0]
    assert WorkshopAuditEntry.objects.filter(
        action=WorkshopAuditEntry.Action.SEATS_RELEASED, registration=registration
    ).exists()


def test_cancel_through_delegates_service_frees_seats(grid, registration):
    from delegates.services import registration_cancel

    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    registration_cancel(registration=registration, actor=registration.user)
    assert chosen(registration) == []
    assert seats(grid[0][0]) == 0


def test_late_confirmation_opens_72_hour_window_and_emails(
    edition, grid, django_capture_on_commit_callbacks
):
    from delegates.signals import registration_status_changed

    edition.workshop_selection_closes_at = timezone.now() - dt.timedelta(hours=1)
    edition.save()
    registration = RegistrationFactory(edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        registration_status_changed.send(
            sender=Registration,
            registration=registration,
            from_status=Registration.Status.WAITLISTED,
            to_status=Registration.Status.CONFIRMED,
        )
    window = ChoiceWindow.objects.get(registration=registration)
    hours = (window.closes_at - window.opened_at).total_seconds() / 3600
    assert hours == 72
    assert any("72 hours" in m.body for m in mail.outbox)
    services.workshop_choices_set(
        registration=registration, run_ids=first_of_each(grid)
    )
    assert chosen(registration) == sorted(first_of_each(grid))


def test_confirmation_before_deadline_opens_no_window(edition, grid):
    from delegates.signals import registration_status_changed

    registration = RegistrationFactory(edition=edition)
    registration_status_changed.send(
        sender=Registration,
        registration=registration,
        from_status=Registration.Status.PENDING,
        to_status=Registration.Status.CONFIRMED,
    )
    assert not ChoiceWindow.objects.filter(registration=registration).exists()
