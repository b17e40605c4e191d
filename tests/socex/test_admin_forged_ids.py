"""Forged ids that Django's admin uses before validating get 400, never 500."""

import pytest

from events.models import Edition
from tests.factories.accounts import StaffFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_one_to_one_primary_key_too_large_is_400(staff_client):
    response = staff_client.get(f"/admin/delegates/editionseats/{HUGE}/change/")
    assert response.status_code in (302, 400, 404)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/events/edition/add/", "venue"),
        ("/admin/events/agendasession/add/", "edition"),
        ("/admin/delegates/profile/add/", "user"),
    ],
)
def test_autocomplete_field_with_garbage_id_is_not_a_server_error(
    staff_client, url, field
):
    before = Edition.objects.count()
    response = staff_client.post(url, {field: "abc"})
    assert response.status_code in (200, 400)
    assert Edition.objects.count() == before


def test_many_to_many_id_too_large_is_not_a_server_error(staff_client):
    edition = EditionFactory()
    response = staff_client.post(
        "/admin/workshops/workshop/add/",
        {"edition": edition.pk, "title": "Forged", "facilitators": HUGE},
    )
    assert response.status_code in (200, 400)


def test_real_errors_outside_the_admin_are_not_hidden(client):
    # The middleware only answers for the admin; elsewhere a 404 stays a 404.
    assert client.get(f"/editions/{HUGE}/").status_code == 404
