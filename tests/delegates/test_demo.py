import io

import pytest

from delegates import demo, demo_registrations
from delegates.models import EditionSeats, Registration
from socex.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db


def test_demo_registrations_fill_economic_crime_2027_idempotently():
    from events import demo as events_demo

    out = io.StringIO()
    for _ in range(2):
        demo.load(stdout=out)
        events_demo.load(stdout=out)
        demo_registrations.load(stdout=out)

    registrations = Registration.objects.filter(edition__slug="economic-crime-2027")
    counts = {
        status: registrations.filter(status=status).count()
        for status in ("confirmed", "waitlisted", "pending")
    }
    assert counts == {"confirmed": 400, "waitlisted": 30, "pending": 12}
    assert registrations.get(user__email=DEMO_ACCOUNTS["delegate"]).status == (
        "confirmed"
    )
    seats = EditionSeats.objects.get(edition__slug="economic-crime-2027")
    assert (seats.confirmed, seats.capacity) == (400, 400)
    assert registrations.values("user__profile__country").distinct().count() > 3


def test_demo_registrations_skip_without_the_edition():
    out = io.StringIO()

    demo_registrations.load(stdout=out)

    assert "skipped" in out.getvalue()
    assert Registration.objects.count() == 0
