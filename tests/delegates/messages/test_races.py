"""Concurrent submits on PostgreSQL: a message sent from two tabs at once, and the
digest task delivered twice at once, each send once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from delegates.messages import digest, services
from delegates.messages.models import AgendaChange, Message
from socex.mail.models import OutboxEmail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def run_concurrently(function, n: int = THREADS) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # reported by the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_message_sent_from_many_tabs_at_once_is_sent_once(
    edition, organiser, delegates
):
    message = services.message_create(
        edition=edition,
        sender=organiser,
        audience=Message.Audience.CONFIRMED,
        subject="Parking",
        body="Dear {name}",
    )

    results = run_concurrently(
        lambda: services.message_send(message=message, actor=organiser)
    )

    sent = [r for r in results if r == 3]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(sent), len(refused)) == (1, THREADS - 1)
    assert all(r.code == "already_sent" for r in refused)
    assert OutboxEmail.objects.filter(group=message.outbox_group).count() == 3
    assert OutboxEmail.objects.count() == 3


def test_digest_task_run_twice_at_once_sends_one_email_per_person(edition, delegates):
    AgendaChange.objects.create(
        edition=edition,
        kind=AgendaChange.Kind.SESSION,
        object_id=1,
        title="Follow the money",
        changes=[{"field": "room", "label": "Room", "old": "A", "new": "B"}],
    )
    later = timezone.now() + dt.timedelta(minutes=10)

    results = run_concurrently(lambda: digest.agenda_digests_send(now=later), n=4)

    assert sorted(results) == [0, 0, 0, 3]
    assert sorted(OutboxEmail.objects.values_list("to", flat=True)) == sorted(
        r.user.email for r in delegates["confirmed"]
    )
