"""The personal-data audit: written by one service, read-only in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from delegates.models import Registration
from delegates.privacy.models import PersonalDataAccess
from delegates.privacy.services import (
    personal_data_access_record,
    registrations_access_record,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

Kind = PersonalDataAccess.Kind


def test_record_takes_actor_and_ip_from_the_request():
    organiser = StaffFactory()
    edition = EditionFactory()
    request = RequestFactory().get("/admin/", REMOTE_ADDR="203.0.113.9")
    request.user = organiser
    record = personal_data_access_record(
        request=request, kind=Kind.EXPORT_CSV, edition=edition, rows=12
    )
    assert (record.actor, record.actor_email) == (organiser, organiser.email)
    assert (record.kind, record.edition, record.rows) == (Kind.EXPORT_CSV, edition, 12)
    assert record.ip_address == "203.0.113.9"


def test_record_refuses_an_unknown_kind():
    with pytest.raises(ValidationError):
        personal_data_access_record(kind="peek", actor=StaffFactory())
    assert PersonalDataAccess.objects.count() == 0


def test_admin_shows_the_audit_read_only(client):
    record = personal_data_access_record(kind=Kind.ATTENDANCE_CSV, actor=StaffFactory())
    organiser = UserFactory(is_staff=True)
    organiser.user_permissions.add(
        Permission.objects.get(codename="view_personaldataaccess")
    )
    client.force_login(organiser)
    changelist = client.get(reverse("admin:privacy_personaldataaccess_changelist"))
    assert changelist.status_code == 200
    assert record.actor_email in changelist.content.decode()
    assert (
        client.get(reverse("admin:privacy_personaldataaccess_add")).status_code == 403
    )
    change = client.post(
        reverse("admin:privacy_personaldataaccess_change", args=[record.pk]),
        {"rows": 0},
    )
    assert PersonalDataAccess.objects.get(pk=record.pk).kind == Kind.ATTENDANCE_CSV
    assert change.status_code == 403
    assert (
        client.post(
            reverse("admin:privacy_personaldataaccess_delete", args=[record.pk]),
            {"post": "yes"},
        ).status_code
        == 403
    )
    assert PersonalDataAccess.objects.filter(pk=record.pk).exists()


def test_audit_is_closed_to_staff_without_the_permission(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:privacy_personaldataaccess_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize("count", [1, 30])
def test_audit_changelist_queries_do_not_grow_with_rows(
    client, count, django_assert_max_num_queries
):
    organiser = StaffFactory()
    edition = EditionFactory()
    for _ in range(count):
        personal_data_access_record(
            kind=Kind.EXPORT_XLSX, actor=organiser, edition=edition, subject=organiser
        )
    client.force_login(organiser)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:privacy_personaldataaccess_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("Registrations exported (Excel)") >= count


def test_registrations_access_record_counts_rows_and_names_one_edition():
    edition = EditionFactory()
    RegistrationFactory.create_batch(3, edition=edition)
    other = RegistrationFactory()
    request = RequestFactory().post("/admin/")
    request.user = StaffFactory()
    one = registrations_access_record(
        request=request,
        kind=Kind.EXPORT_CSV,
        registrations=Registration.objects.filter(edition=edition),
    )
    assert (one.rows, one.edition) == (3, edition)
    both = registrations_access_record(
        request=request,
        kind=Kind.EXPORT_CSV,
        registrations=Registration.objects.filter(edition__in=[edition, other.edition]),
    )
    assert (both.rows, both.edition) == (4, None)
