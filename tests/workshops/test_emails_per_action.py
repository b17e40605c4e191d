"""One email per delegate action, counted on the outbox: registering (confirmed),
choosing workshops, ranking them and cancelling each send exactly one email, and the
badge is not emailed again after each; an organiser's move sends the changed badge."""

import pytest
from django.core import mail

from delegates.badges.models import Badge
from delegates.models import Registration
from delegates.services import registration_cancel, registration_create
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops.models import WorkshopChoice, WorkshopSettings
from workshops.services import (
    workshop_choice_move,
    workshop_choices_set,
    workshop_preferences_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    def register(edition, email="jo.bloggs@police.uk"):
        TrustedDomainFactory(edition=edition, domain="police.uk")
        user = UserFactory(email=email)
        ProfileFactory(user=user, badge_name="Jo Bloggs")
        with django_capture_on_commit_callbacks(execute=True):
            registration = registration_create(
                edition=edition, user=user, consent_terms=True
            )
        assert registration.status == Registration.Status.CONFIRMED
        return registration

    return register


def _subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


def test_each_delegate_action_sends_one_email(
    register, django_capture_on_commit_callbacks
):
    edition = EditionFactory(capacity=10)
    grid = workshop_grid(edition)

    registration = register(edition)
    assert len(mail.outbox) == 1, _subjects()
    # Rendered, not emailed.
    assert Badge.objects.get(registration=registration).status == "ready"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workshop_choices_set(
            registration=registration, run_ids=[block[0].pk for block in grid]
        )
    assert len(mail.outbox) == 1, _subjects()
    assert "/my/" in mail.outbox[0].body  # points to the badge on My SOCEX

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workshop_choices_set(
            registration=registration, run_ids=[block[1].pk for block in grid]
        )
    assert len(mail.outbox) == 1, _subjects()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, actor=registration.user)
    assert len(mail.outbox) == 1, _subjects()


def test_ranking_sends_one_email(register, django_capture_on_commit_callbacks):
    edition = EditionFactory(capacity=10)
    grid = workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    registration = register(edition)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workshop_preferences_set(
            registration=registration,
            workshop_ids=[run.workshop_id for block in grid for run in block],
        )

    assert len(mail.outbox) == 1, _subjects()


def test_organisers_move_emails_the_changed_badge_once(
    register, django_capture_on_commit_callbacks
):
    edition = EditionFactory(capacity=10)
    grid = workshop_grid(edition)
    registration = register(edition)
    with django_capture_on_commit_callbacks(execute=True):
        workshop_choices_set(
            registration=registration, run_ids=[block[0].pk for block in grid]
        )
    mail.outbox.clear()
    choice = WorkshopChoice.objects.get(registration=registration, run=grid[0][0])

    with django_capture_on_commit_callbacks(execute=True):
        workshop_choice_move(choice=choice, to_run=grid[0][1], reason="Room change")

    [email] = mail.outbox
    assert email.subject == f"Your badge for {edition.title} has changed"
    assert grid[0][1].workshop.title in email.body
