"""Delete my account (and the organisers' erasure): through the services, for good."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from delegates.badges.models import Badge
from delegates.models import Profile, Registration
from delegates.privacy.models import PersonalDataAccess
from delegates.privacy.services import account_erase, person_anonymise
from delegates.services import registration_create
from socex.mail.models import OutboxEmail
from socex.storage import private_storage
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.workshops import WorkshopRunFactory
from workshops.models import SignInSheet, WorkshopChoice

from .conftest import badge_with_file, past_edition

pytestmark = pytest.mark.django_db

Status = Registration.Status
URL = "delegates:account_delete"


@pytest.fixture
def full_edition(edition, make_delegate, django_capture_on_commit_callbacks):
    """One place: the first delegate confirmed, the second waiting."""
    type(edition).objects.filter(pk=edition.pk).update(capacity=1)
    edition.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        first = registration_create(
            edition=edition, user=make_delegate("first@police.uk"), consent_terms=True
        )
        waiter = registration_create(
            edition=edition, user=make_delegate("waiter@police.uk"), consent_terms=True
        )
    assert (first.status, waiter.status) == (Status.CONFIRMED, Status.WAITLISTED)
    return first, waiter


def test_delete_anonymous_is_sent_to_login(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_delete_get_without_reauthentication_asks_for_the_password(client, person):
    client.force_login(person)
    response = client.get(reverse(URL))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_delete_post_without_reauthentication_is_refused(client, person):
    client.force_login(person)
    response = client.post(reverse(URL), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    person.refresh_from_db()
    assert person.is_active
    assert Profile.objects.get(user=person).first_name == "Priya"


def test_delete_get_shows_confirmation_and_changes_nothing(
    client, full_edition, reauthenticate
):
    first, _waiter = full_edition
    client.force_login(first.user)
    reauthenticate(client)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert first.reference in response.content.decode()
    first.refresh_from_db()
    assert first.status == Status.CONFIRMED
    assert first.user.is_active


def test_delete_without_confirming_is_refused_with_a_message(
    client, person, reauthenticate
):
    client.force_login(person)
    reauthenticate(client)
    response = client.post(reverse(URL), {})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    person.refresh_from_db()
    assert person.is_active


def test_delete_cancels_promotes_the_waiter_anonymises_and_logs_out(
    client, full_edition, reauthenticate, django_capture_on_commit_callbacks
):
    first, waiter = full_edition
    user = first.user
    client.force_login(user)
    reauthenticate(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(URL), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:home")
    first.refresh_from_db()
    waiter.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert waiter.status == Status.CONFIRMED  # the next in line got the place
    assert first.edition.seats.confirmed == 1
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert not user.is_active
    assert not user.has_usable_password()
    assert authenticate(email="first@police.uk", password=PASSWORD) is None
    assert not EmailAddress.objects.filter(user=user).exists()
    profile = Profile.objects.get(user=user)
    assert (profile.first_name, profile.last_name, profile.phone) == ("", "", "")
    assert profile.organisation_type == "uk_police"  # kept for the counts
    # Logged out: My SOCEX asks to log in again.
    assert client.get(reverse("delegates:dashboard")).status_code == 302
    # Nothing more is sent to the erased person; the waiter hears of the place.
    assert not OutboxEmail.objects.filter(to__iexact="first@police.uk").exists()
    assert OutboxEmail.objects.filter(
        to="waiter@police.uk", template="registration_promoted"
    ).exists()
    record = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.ERASE)
    assert (record.actor, record.subject) == (user, user)
    assert "first@police.uk" not in record.actor_email


def test_erase_releases_workshop_seats_and_sign_in_sheets(
    full_edition, django_capture_on_commit_callbacks
):
    first, _waiter = full_edition
    run = WorkshopRunFactory(workshop__edition=first.edition)
    WorkshopChoice.objects.create(
        registration=first, run=run, block=run.block, workshop=run.workshop
    )
    type(run).objects.filter(pk=run.pk).update(seats_taken=1)
    sheet = SignInSheet.objects.create(run=run, status=SignInSheet.Status.READY)
    sheet.file.save("sheet.pdf", ContentFile(b"%PDF"))
    name = sheet.file.name
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=first.user, actor=first.user)
    run.refresh_from_db()
    sheet.refresh_from_db()
    assert run.seats_taken == 0
    assert not WorkshopChoice.objects.filter(registration=first).exists()
    assert (sheet.file.name, sheet.status) == ("", SignInSheet.Status.READY)
    assert not private_storage().exists(name)


def test_anonymise_keeps_past_registrations_and_deletes_badge_files(
    person, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(
        user=person, edition=past_edition(days_ago=900), decline_reason="Not police"
    )
    badge = badge_with_file(registration)
    name = badge.file.name
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(user=person)
    registration.refresh_from_db()
    badge.refresh_from_db()
    assert (registration.status, registration.category) == ("confirmed", "delegate")
    assert registration.decline_reason == ""
    assert (badge.file.name, badge.status) == ("", Badge.Status.READY)
    assert not private_storage().exists(name)


def test_admin_erase_action_needs_the_permission(client, person):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    changelist = client.get(reverse("admin:delegates_user_changelist"))
    assert "erase_personal_data" not in changelist.content.decode()
    response = client.post(
        reverse("admin:delegates_user_changelist"),
        {
            "action": "erase_personal_data",
            "_selected_action": [person.pk],
            "apply": "1",
            "confirm": "on",
        },
    )
    assert response.status_code in (200, 302)
    person.refresh_from_db()
    assert person.is_active
    erase = client.post(
        reverse("admin:delegates_user_erase", args=[person.pk]), {"confirm": "on"}
    )
    assert erase.status_code == 403
    person.refresh_from_db()
    assert person.is_active


def test_admin_erase_action_erases_through_the_service(
    client, full_edition, django_capture_on_commit_callbacks
):
    first, waiter = full_edition
    organiser = UserFactory(is_staff=True)
    organiser.user_permissions.add(
        Permission.objects.get(codename="view_user"),
        Permission.objects.get(codename="erase_person"),
    )
    client.force_login(organiser)
    url = reverse("admin:delegates_user_changelist")
    data = {"action": "erase_personal_data", "_selected_action": [first.user.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200
    assert "first@police.uk" in confirm.content.decode()
    first.user.refresh_from_db()
    assert first.user.is_active  # the confirmation page changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "apply": "1", "confirm": "on"})
    first.refresh_from_db()
    waiter.refresh_from_db()
    assert not first.user.is_active
    assert (first.status, waiter.status) == (Status.CANCELLED, Status.CONFIRMED)
    record = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.ERASE)
    assert (record.actor, record.subject) == (organiser, first.user)


def test_admin_delete_of_a_person_with_registrations_routes_to_erase(client, person):
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:delegates_user_delete", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:delegates_user_erase", args=[person.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Erase personal data" in page.content.decode()
    person.refresh_from_db()
    assert person.is_active


def test_admin_delete_of_a_person_without_registrations_deletes(client):
    lonely = UserFactory()
    client.force_login(StaffFactory())
    response = client.post(
        reverse("admin:delegates_user_delete", args=[lonely.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not type(lonely).objects.filter(pk=lonely.pk).exists()


def test_admin_may_not_erase_itself_or_a_superuser_without_being_one(client):
    organiser = UserFactory(is_staff=True)
    organiser.user_permissions.add(
        Permission.objects.get(codename="view_user"),
        Permission.objects.get(codename="erase_person"),
    )
    superuser = StaffFactory()
    client.force_login(organiser)
    for target in (organiser, superuser):
        client.post(
            reverse("admin:delegates_user_erase", args=[target.pk]), {"confirm": "on"}
        )
        target.refresh_from_db()
        assert target.is_active
