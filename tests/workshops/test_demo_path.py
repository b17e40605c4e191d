"""The demo data lets a newcomer go the whole way: sign up with a police.uk address,
register for an upcoming edition, be confirmed and choose four workshops live; the
waiting list, pending vetting and ranked allocation are shown at another edition."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from delegates.models import Registration
from delegates.services import profile_save, registration_create
from events.models import Edition
from tests.factories.accounts import UserFactory
from workshops import selectors
from workshops.models import WorkshopPreference, WorkshopSettings
from workshops.services import workshop_choices_set

pytestmark = pytest.mark.django_db

PROFILE = {
    "title_rank": "PC",
    "first_name": "Sam",
    "last_name": "Newcomer",
    "job_title": "Financial investigator",
    "organisation": "Kent Police",
    "organisation_type": "uk_police",
    "country": "United Kingdom",
}


@pytest.fixture
def demo_loaded():
    call_command("load_demo", stdout=io.StringIO())


def test_a_police_uk_newcomer_registers_and_chooses_four_live(
    demo_loaded, django_capture_on_commit_callbacks
):
    upcoming = Edition.objects.filter(
        status=Edition.Status.PUBLISHED, start_date__gt=timezone.localdate()
    )
    live = [
        edition
        for edition in upcoming
        if WorkshopSettings.objects.filter(
            edition=edition, mode=WorkshopSettings.Mode.LIVE
        ).exists()
    ]
    assert live, "no upcoming edition with live workshop choice"
    edition = live[0]
    user = UserFactory(email="sam.newcomer@kent.police.uk")
    EmailAddress.objects.filter(user=user).update(verified=True)
    if not EmailAddress.objects.filter(user=user).exists():
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
    profile_save(user=user, **PROFILE)

    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(
            edition=edition, user=user, consent_terms=True
        )
    assert registration.status == Registration.Status.CONFIRMED

    state = selectors.choice_state(registration)
    assert state.can_choose
    by_block = {}
    for run in selectors.offered_runs(edition).order_by("block__session__starts_at"):
        if not run.is_full and run.workshop_id not in {
            r.workshop_id for r in by_block.values()
        }:
            by_block.setdefault(run.block_id, run)
    assert len(by_block) == 4
    with django_capture_on_commit_callbacks(execute=True):
        choices = workshop_choices_set(
            registration=registration, run_ids=[run.pk for run in by_block.values()]
        )
    assert len(choices) == 4


def test_waiting_list_vetting_and_ranking_stay_demonstrated(demo_loaded):
    statuses = set(
        Registration.objects.exclude(edition__status=Edition.Status.ARCHIVED)
        .values_list("status", flat=True)
        .distinct()
    )
    assert {"waitlisted", "pending", "confirmed"} <= statuses
    ranked = WorkshopSettings.objects.get(mode=WorkshopSettings.Mode.RANKED).edition
    assert WorkshopPreference.objects.filter(registration__edition=ranked).count() > 100
    assert Registration.objects.filter(edition=ranked, status="waitlisted").exists()
