"""Who may use the door pages, and when: the check-in permission (not being staff),
the attendance CSV as a personal-data export, and the check-in window (a published
edition, from the day before it starts to its last day)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delegates.badges.models import CheckIn
from delegates.badges.services import check_in_record
from delegates.badges.tokens import token_for
from events.models import Edition
from socex.roles.definitions import CHECK_IN, ORGANISER, VIEWER
from tests.factories.accounts import UserFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db


def staff(*roles):
    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def token(registration) -> str:
    return token_for(registration.badge.key)


def edition_starting(days: int, **fields) -> Edition:
    """An edition that starts ``days`` from today (negative: in the past)."""
    start = timezone.localdate() + dt.timedelta(days=days)
    return EditionFactory(
        start_date=start,
        end_date=start + dt.timedelta(days=1),
        registration_opens_at=None,
        registration_closes_at=None,
        workshop_selection_closes_at=None,
        **fields,
    )


def door(edition) -> str:
    return reverse("badges:checkin", kwargs={"slug": edition.slug})


def csv_url(edition) -> str:
    return reverse("badges:attendance_csv", kwargs={"slug": edition.slug})


@pytest.fixture
def open_edition(db):
    return edition_starting(0)


def test_staff_without_permissions_cannot_download_attendance_or_check_in(
    client, open_edition, make_registration
):
    registration = make_registration(edition=open_edition)
    client.force_login(staff())

    assert client.get(csv_url(open_edition)).status_code == 403
    assert client.get(reverse("badges:checkin_index")).status_code == 403
    assert client.get(door(open_edition)).status_code == 403
    response = client.post(door(open_edition), {"token": token(registration)})
    assert response.status_code == 403
    count = reverse("badges:checkin_count", kwargs={"slug": open_edition.slug})
    assert client.get(count).status_code == 403
    assert not CheckIn.objects.exists()


def test_viewer_cannot_check_in_or_export(client, open_edition, make_registration):
    registration = make_registration(edition=open_edition)
    client.force_login(staff(VIEWER))

    assert (
        client.post(door(open_edition), {"token": token(registration)}).status_code
        == 403
    )
    assert client.get(csv_url(open_edition)).status_code == 403
    assert not CheckIn.objects.exists()


def test_check_in_role_checks_in_but_gets_no_attendance_csv(
    client, open_edition, make_registration
):
    registration = make_registration(edition=open_edition)
    operator = staff(CHECK_IN)
    client.force_login(operator)

    response = client.post(door(open_edition), {"token": token(registration)})

    assert response.status_code == 200
    assert CheckIn.objects.get(registration=registration).operator == operator
    assert csv_url(open_edition) not in response.content.decode()
    assert client.get(csv_url(open_edition)).status_code == 403


def test_organiser_role_downloads_attendance(client, open_edition, make_registration):
    make_registration(edition=open_edition, last_name="Present")
    client.force_login(staff(ORGANISER))

    response = client.get(csv_url(open_edition))

    assert response.status_code == 200
    assert "Present" in response.content.decode("utf-8-sig")
    assert csv_url(open_edition) in client.get(door(open_edition)).content.decode()


def test_non_staff_with_the_permission_is_still_refused(
    client, open_edition, make_registration
):
    registration = make_registration(edition=open_edition)
    user = UserFactory()
    user.groups.set(Group.objects.filter(name=CHECK_IN))
    client.force_login(user)

    assert (
        client.post(door(open_edition), {"token": token(registration)}).status_code
        == 403
    )
    assert client.get(door(open_edition)).status_code == 403
    assert not CheckIn.objects.exists()


def test_check_in_for_archived_edition_eleven_months_away_is_refused(
    client, make_registration
):
    archived = edition_starting(335, status=Edition.Status.ARCHIVED)
    registration = make_registration(edition=archived)
    client.force_login(staff(CHECK_IN))

    assert client.get(door(archived)).status_code == 404
    assert (
        client.post(door(archived), {"token": token(registration)}).status_code == 404
    )
    with pytest.raises(ValidationError) as refused:
        check_in_record(token=token(registration), edition=archived, operator=None)
    assert refused.value.code == "closed"
    assert not CheckIn.objects.exists()


def test_check_in_for_a_draft_edition_is_404(client, make_registration):
    draft = edition_starting(0, status=Edition.Status.DRAFT)
    registration = make_registration(edition=draft)
    client.force_login(staff(CHECK_IN))

    assert client.get(door(draft)).status_code == 404
    assert client.post(door(draft), {"token": token(registration)}).status_code == 404
    assert not CheckIn.objects.exists()


def test_check_in_opens_the_day_before_the_start(client, make_registration):
    tomorrow = edition_starting(1)
    registration = make_registration(edition=tomorrow)
    client.force_login(staff(CHECK_IN))

    response = client.post(door(tomorrow), {"token": token(registration)})

    assert response.status_code == 200
    assert CheckIn.objects.filter(registration=registration).exists()


def test_check_in_works_on_the_last_day(client, make_registration):
    ending_today = edition_starting(-1)
    registration = make_registration(edition=ending_today)
    client.force_login(staff(CHECK_IN))

    client.post(door(ending_today), {"token": token(registration)})

    assert CheckIn.objects.filter(registration=registration).exists()


def test_check_in_two_days_before_says_when_it_opens(client, make_registration):
    later = edition_starting(2)
    registration = make_registration(edition=later)
    client.force_login(staff(CHECK_IN))
    opens = later.start_date - dt.timedelta(days=1)

    page = client.get(door(later))
    scan = client.post(door(later), {"token": token(registration)})

    assert page.status_code == 403
    assert f"opens on {opens:%-d %B %Y}" in page.content.decode()
    assert 'name="token"' not in page.content.decode()
    assert scan.status_code == 403
    assert not CheckIn.objects.exists()


def test_check_in_after_the_last_day_says_it_closed(client, make_registration):
    ended = edition_starting(-2)
    registration = make_registration(edition=ended)
    client.force_login(staff(CHECK_IN))
    count = reverse("badges:checkin_count", kwargs={"slug": ended.slug})

    scan = client.post(door(ended), {"token": token(registration)})

    assert scan.status_code == 403
    assert f"closed on {ended.end_date:%-d %B %Y}" in scan.content.decode()
    assert client.get(count).status_code == 403
    assert not CheckIn.objects.exists()


def test_attendance_csv_stays_available_to_organisers_after_the_event(client):
    ended = edition_starting(-20, status=Edition.Status.ARCHIVED)
    client.force_login(staff(ORGANISER))

    assert client.get(csv_url(ended)).status_code == 200


def test_checkin_index_says_which_doors_are_open(client):
    today = edition_starting(0, title="Door open today")
    later = edition_starting(40, title="Door later")
    client.force_login(staff(CHECK_IN))

    content = client.get(reverse("badges:checkin_index")).content.decode()

    assert today.title in content and later.title in content
    assert content.count("Check-in is open.") == 1
    opens = later.start_date - dt.timedelta(days=1)
    assert f"opens on {opens:%-d %B %Y}" in content
