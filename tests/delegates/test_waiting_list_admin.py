"""The waiting list in the admin: queue order, each position and when they joined
(``delegates.admin.waitlist``, ``selectors.waitlist_with_positions``)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from delegates import selectors, services
from delegates.models import Registration
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def queue(edition, make_delegate):
    """Capacity 3 confirmed, then ``n`` waiting, the first joining earliest."""

    def make(n: int) -> list[Registration]:
        for _ in range(3):
            services.registration_create(
                edition=edition, user=make_delegate(), consent_terms=True
            )
        waiting = [
            services.registration_create(
                edition=edition, user=make_delegate(), consent_terms=True
            )
            for _ in range(n)
        ]
        # Joined an hour apart, and stored in an order unlike the queue's.
        base = timezone.now() - dt.timedelta(days=2)
        for index, registration in enumerate(waiting):
            Registration.objects.filter(pk=registration.pk).update(
                waitlisted_at=base + dt.timedelta(hours=index)
            )
        return waiting

    return make


def test_positions_follow_the_queue_and_match_the_promotion_order(edition, queue):
    waiting = queue(5)
    rows = list(selectors.waitlist_with_positions(edition=edition))
    assert [(r.pk, r.position) for r in rows] == [
        (r.pk, n) for n, r in enumerate(waiting, start=1)
    ]
    for registration in rows:
        assert registration.position == selectors.waitlist_position(
            registration=registration
        )


@pytest.mark.parametrize("n", [1, 30])
def test_waiting_list_page_in_queue_order_with_fixed_queries(
    client, edition, queue, n, django_assert_max_num_queries
):
    waiting = queue(n)
    client.force_login(StaffFactory())
    url = reverse("admin:delegates_registration_waiting_list", args=[edition.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.content.decode()
    references = re.findall(r">(T\d+-\d{4})</a>", body)
    assert references == [r.reference for r in waiting]
    first = timezone.localtime(Registration.objects.get(pk=waiting[0].pk).waitlisted_at)
    assert f"{first:%-d %b %Y, %H:%M}" in body


def test_waiting_list_index_lists_editions_with_a_queue(client, edition, queue):
    queue(2)
    client.force_login(StaffFactory())
    body = client.get(
        reverse("admin:delegates_registration_waiting_list_index")
    ).content.decode()
    assert f"{edition}</a>: 2 waiting" in body


def test_registrations_filtered_to_waitlisted_sort_in_queue_order(
    client, edition, queue
):
    waiting = queue(4)
    client.force_login(StaffFactory())
    body = client.get(
        reverse("admin:delegates_registration_changelist"),
        {"status__exact": "waitlisted"},
    ).content.decode()
    positions = [body.index(r.reference) for r in waiting]
    assert positions == sorted(positions)


def test_waiting_list_of_unknown_edition_is_404(client):
    client.force_login(StaffFactory())
    url = reverse("admin:delegates_registration_waiting_list", args=[999999])
    assert client.get(url).status_code == 404
