"""The desk: finding someone without a badge by name, the editions soonest first,
and a check-in undone when the registration stops being confirmed
(``delegates.badges`` views, selectors and receivers)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.badges.models import CheckIn
from delegates.badges.services import check_in_record
from delegates.badges.tokens import token_for
from delegates.models import Registration
from delegates.privacy.models import PersonalDataAccess
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge_edition(db):
    """The edition at the door: it starts today, so check-in is open."""
    today = timezone.localdate()
    return EditionFactory(
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        registration_opens_at=timezone.now() - dt.timedelta(days=60),
    )


@pytest.fixture
def door(client, organiser, badge_edition):
    client.force_login(organiser)
    return reverse("badges:checkin", kwargs={"slug": badge_edition.slug})


def test_find_by_name_then_check_in_without_a_badge(
    door, client, organiser, make_registration
):
    ada = make_registration(first_name="Ada", last_name="Lovelace", organisation="HMRC")
    make_registration(first_name="Charles", last_name="Babbage")
    page = client.get(door, {"q": "lovelace hmrc"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Ada Lovelace" in body and ada.reference in body
    assert "Babbage" not in body
    assert PersonalDataAccess.objects.filter(detail="search").exists()
    response = client.post(door, {"reference": ada.reference})
    assert response.status_code == 200
    assert "Checked in at" in response.content.decode()
    assert CheckIn.objects.get(registration=ada).operator == organiser


def test_find_matches_nobody_says_so(door, client, make_registration):
    make_registration(last_name="Lovelace")
    body = client.get(door, {"q": "Nobody"}).content.decode()
    assert "Nobody registered for this conference matches" in body


def test_check_in_by_reference_of_another_edition_refused(
    door, client, make_registration
):
    other = make_registration(edition=EditionFactory())
    response = client.post(door, {"reference": other.reference})
    assert response.status_code == 400
    assert "Nobody with that reference" in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("reference", ["", "x" * 21, "ECC27 0042", "ECC\x00"])
def test_check_in_by_malformed_reference_is_400(door, client, reference):
    response = client.post(door, {"reference": reference})
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_cancelled_delegate_found_is_not_offered_check_in(
    door, client, make_registration
):
    waiting = make_registration(
        last_name="Lovelace", status=Registration.Status.WAITLISTED
    )
    body = client.get(door, {"q": "Lovelace"}).content.decode()
    assert waiting.reference in body
    assert f'value="{waiting.reference}"' not in body  # no check-in button
    response = client.post(door, {"reference": waiting.reference})
    assert "Refused: this delegate is on the waiting list" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_search_query_count_does_not_grow(
    door, client, make_registration, django_assert_max_num_queries
):
    for n in range(12):
        make_registration(last_name=f"Lovelace{n}")
    with django_assert_max_num_queries(20):
        response = client.get(door, {"q": "Lovelace"})
    assert response.content.decode().count('name="reference"') == 12


def test_check_in_undone_when_the_registration_stops_being_confirmed(
    badge_edition, make_registration, organiser
):
    registration = make_registration()
    check_in_record(
        token=token_for(registration.badge.key),
        edition=badge_edition,
        operator=organiser,
    )
    assert CheckIn.objects.filter(registration=registration).exists()
    services.registration_waitlist(registration=registration, actor=organiser)
    assert not CheckIn.objects.filter(registration=registration).exists()


def test_checkin_index_lists_current_editions_soonest_first(client, organiser):
    today = timezone.localdate()
    later = EditionFactory(
        title="Later conference", start_date=today + dt.timedelta(30)
    )
    soon = EditionFactory(title="Sooner conference", start_date=today + dt.timedelta(2))
    ended = EditionFactory(
        title="Just ended one",
        start_date=today - dt.timedelta(days=5),
        registration_opens_at=None,
        registration_closes_at=None,
        workshop_selection_closes_at=None,
    )
    client.force_login(organiser)
    body = client.get(reverse("badges:checkin_index")).content.decode()
    positions = [body.index(e.title) for e in (soon, later, ended)]
    assert positions == sorted(positions)
