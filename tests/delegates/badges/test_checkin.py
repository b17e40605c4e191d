import csv
import datetime as dt
import io
import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from delegates.badges.models import CheckIn
from delegates.badges.services import check_in_record
from delegates.badges.tokens import token_for
from delegates.models import Registration
from events.models import Edition
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid

from .conftest import choose

pytestmark = pytest.mark.django_db


def token(registration) -> str:
    return token_for(registration.badge.key)


@pytest.fixture
def badge_edition(db):
    """The edition at the door: it starts today, so check-in is open."""
    today = timezone.localdate()
    return EditionFactory(
        title="Economic Crime Conference 2027",
        capacity=400,
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        registration_opens_at=timezone.now() - dt.timedelta(days=60),
    )


@pytest.fixture
def door(client, organiser, badge_edition):
    """An organiser signed in at the edition's check-in page."""
    client.force_login(organiser)
    return reverse("badges:checkin", kwargs={"slug": badge_edition.slug})


def test_check_in_records_time_and_operator(door, client, organiser, make_registration):
    registration = make_registration(
        badge_name="Ada Lovelace", organisation="HMRC", title_rank="Dr"
    )

    response = client.post(door, {"token": token(registration)})

    check_in = CheckIn.objects.get(registration=registration)
    assert check_in.operator == organiser
    assert response.status_code == 200
    body = response.content.decode()
    assert "Checked in at" in body
    assert "Ada Lovelace" in body
    assert "HMRC" in body
    assert "Delegate" in body


def test_check_in_shows_workshops(door, client, badge_edition, make_registration):
    registration = make_registration()
    grid = workshop_grid(badge_edition, blocks=2, per_block=1)
    choose(registration, grid[0][0])

    response = client.post(door, {"token": token(registration)})

    assert grid[0][0].workshop.title in response.content.decode()


def test_check_in_twice_says_when(door, client, make_registration):
    registration = make_registration()
    client.post(door, {"token": token(registration)})

    response = client.post(door, {"token": token(registration)})

    assert "Already checked in on" in response.content.decode()
    assert CheckIn.objects.filter(registration=registration).count() == 1


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Registration.Status.CANCELLED, "cancelled"),
        (Registration.Status.WAITLISTED, "waiting list"),
        (Registration.Status.PENDING, "awaiting approval"),
    ],
)
def test_check_in_not_confirmed_is_refused_with_reason(
    door, client, make_registration, status, reason
):
    registration = make_registration(status=status)

    response = client.post(door, {"token": token(registration)})

    assert reason in response.content.decode()
    assert "Not admitted" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_check_in_other_edition_is_refused(door, client, make_registration):
    other = EditionFactory(title="Strategic Conference 2027")
    registration = make_registration(edition=other)

    response = client.post(door, {"token": token(registration)})

    assert "this badge is for Strategic Conference 2027" in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("bad", ["", "hello", "A" * 33, "<script>alert(1)</script>"])
def test_check_in_bad_or_tampered_token_is_400_and_changes_nothing(
    door, client, make_registration, bad
):
    registration = make_registration()
    good = token(registration)
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")

    for value in (bad, tampered):
        response = client.post(door, {"token": value})
        assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_check_in_typed_by_hand_in_lower_case_works(door, client, make_registration):
    registration = make_registration()

    client.post(door, {"token": token(registration).lower().replace("-", " ")})

    assert CheckIn.objects.filter(registration=registration).exists()


def test_checkin_page_is_for_staff_only(client, badge_edition, make_registration):
    url = reverse("badges:checkin", kwargs={"slug": badge_edition.slug})
    registration = make_registration()

    assert client.get(url).status_code == 302
    client.force_login(registration.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"token": token(registration)}).status_code == 403
    assert client.get(reverse("badges:checkin_index")).status_code == 403
    assert not CheckIn.objects.exists()


def test_checkin_unknown_edition_is_404(client, organiser):
    client.force_login(organiser)

    url = reverse("badges:checkin", kwargs={"slug": "no-such-event"})

    assert client.get(url).status_code == 404


def test_checkin_count_is_checked_in_against_confirmed(
    door, client, badge_edition, make_registration
):
    first = make_registration()
    make_registration()
    make_registration(status=Registration.Status.WAITLISTED)
    client.post(door, {"token": token(first)})

    url = reverse("badges:checkin_count", kwargs={"slug": badge_edition.slug})

    assert client.get(url).json() == {"confirmed": 2, "checked_in": 1}


@pytest.mark.parametrize("arrivals", [1, 8])
def test_checkin_page_queries_do_not_grow_with_arrivals(
    door, client, make_registration, organiser, django_assert_max_num_queries, arrivals
):
    for _ in range(arrivals):
        check_in_record(
            token=token(make_registration()),
            edition=make_registration().edition,
            operator=organiser,
        )

    with django_assert_max_num_queries(8):
        response = client.get(door)

    assert response.status_code == 200


def test_attendance_csv_lists_confirmed_with_check_in_times(
    door, client, badge_edition, make_registration
):
    arrived = make_registration(last_name="Arrived", organisation="=HYPERLINK(1)")
    make_registration(last_name="Absent")
    make_registration(last_name="Cancelled", status=Registration.Status.CANCELLED)
    client.post(door, {"token": token(arrived)})

    url = reverse("badges:attendance_csv", kwargs={"slug": badge_edition.slug})
    response = client.get(url)

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Reference"
    assert [row[1] for row in rows[1:]] == ["Absent", "Arrived"]
    assert rows[2][7] != "" and rows[1][7] == ""
    assert rows[2][4] == "'=HYPERLINK(1)"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_check_in_at_two_doors_at_once_records_one(badge_edition, make_registration):
    registration = make_registration()
    operators = [UserFactory(is_staff=True, password=PASSWORD) for _ in range(4)]
    barrier = threading.Barrier(len(operators))
    outcomes = []

    def scan(operator):
        try:
            barrier.wait()
            result = check_in_record(
                token=token(registration), edition=badge_edition, operator=operator
            )
            outcomes.append(result.outcome)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scan, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already", "already", "already", "checked_in"]
    assert CheckIn.objects.filter(registration=registration).count() == 1


def test_checkin_index_lists_current_editions_not_archived_or_drafts(client, organiser):
    current = EditionFactory(title="Economic Crime 2027 door")
    EditionFactory(title="Strategic 2019 history", status=Edition.Status.ARCHIVED)
    EditionFactory(title="Next year draft", status=Edition.Status.DRAFT)
    EditionFactory(
        title="Long past",
        start_date=dt.date(2019, 5, 22),
        end_date=dt.date(2019, 5, 23),
        registration_opens_at=None,
        registration_closes_at=None,
        workshop_selection_closes_at=None,
    )
    client.force_login(organiser)
    content = client.get(reverse("badges:checkin_index")).content.decode()
    assert current.title in content
    for title in ("Strategic 2019 history", "Next year draft", "Long past"):
        assert title not in content
