import datetime as dt
import io

import pytest
from django.utils import timezone

from delegates import demo, demo_registrations, selectors, services
from delegates.models import EditionSeats, Registration
from events import demo as events_demo
from events.models import Edition
from socex.demo import DEMO_ACCOUNTS
from tests.factories.delegates import TrustedDomainFactory

pytestmark = pytest.mark.django_db


Status = Registration.Status


def _load_demo() -> io.StringIO:
    """The demo accounts, editions and registrations, loaded once; their output."""
    out = io.StringIO()
    demo.load(stdout=out)
    events_demo.load(stdout=out)
    demo_registrations.load(stdout=out)
    return out


def _register(edition, user):
    return services.registration_create(edition=edition, user=user, consent_terms=True)


def test_demo_registrations_fill_economic_crime_2027_idempotently():
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


def test_demo_waitlist_is_in_the_past_and_newcomers_join_behind_it(make_delegate):
    _load_demo()
    edition = Edition.objects.get(slug="economic-crime-2027")
    queue = list(selectors.waitlist_queue(edition=edition))
    assert len(queue) == 30
    assert all(r.waitlisted_at < timezone.now() for r in queue)
    assert [r.number for r in queue] == sorted(r.number for r in queue)

    TrustedDomainFactory(edition=edition, domain="police.uk")
    newcomer = _register(edition, make_delegate("late@police.uk"))

    assert newcomer.status == Status.WAITLISTED
    assert selectors.waitlist_position(registration=newcomer) == 31
    promoted = services.registration_cancel(
        registration=Registration.objects.filter(
            edition=edition, status=Status.CONFIRMED
        ).first(),
        actor=newcomer.user,
    )
    assert promoted.status == Status.CANCELLED
    assert Registration.objects.get(pk=newcomer.pk).status == Status.WAITLISTED
    assert Registration.objects.get(pk=queue[0].pk).status == Status.CONFIRMED


def test_demo_load_repairs_a_waiting_list_loaded_in_the_future():
    out = _load_demo()
    edition = Edition.objects.get(slug="economic-crime-2027")
    queue = list(selectors.waitlist_queue(edition=edition))
    for n, registration in enumerate(queue):  # as the old demo wrote them
        registration.waitlisted_at = timezone.now() + dt.timedelta(minutes=n + 1)
    Registration.objects.bulk_update(queue, ["waitlisted_at"])

    demo_registrations.load(stdout=out)

    repaired = list(selectors.waitlist_queue(edition=edition))
    assert [r.pk for r in repaired] == [r.pk for r in queue]
    assert all(r.waitlisted_at < timezone.now() for r in repaired)
