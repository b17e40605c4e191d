"""Two organisers booking one room at the same time: exactly one wins, the other gets
the friendly error (the room row lock serialises the overlap check)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from events.models import AgendaSession
from events.services import agenda_session_save
from tests.factories.events import EditionFactory, RoomFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_bookings_of_one_room_let_exactly_one_through():
    edition = EditionFactory()
    room = RoomFactory(venue=edition.venue)
    start = timezone.make_aware(dt.datetime.combine(edition.start_date, dt.time(9)))
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes = []

    def book(number: int) -> None:
        try:
            barrier.wait()
            agenda_session_save(
                session=AgendaSession(
                    edition=edition,
                    room=room,
                    starts_at=start + dt.timedelta(minutes=number),
                    ends_at=start + dt.timedelta(hours=1, minutes=number),
                    kind=AgendaSession.Kind.PANEL,
                    title=f"Booking {number}",
                )
            )
            outcomes.append("saved")
        except ValidationError as error:
            assert "already booked" in str(error)
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * (threads_count - 1) + ["saved"]
    assert AgendaSession.objects.filter(room=room).count() == 1
