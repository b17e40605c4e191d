"""``socex.tasks.tasks_together``: the tasks one block enqueues leave after commit
as one message, which a worker runs in order (``run_tasks``)."""

import base64
import json

import pytest
import redis
from celery import shared_task
from django.db import transaction

from delegates import services
from socex.tasks import enqueue_on_commit, run_tasks, tasks_together
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db(transaction=True)

RAN: list = []


@shared_task(name="tests.together.note")
def note(*, value: str) -> None:
    RAN.append(value)


@shared_task(name="tests.together.fail")
def fail(*, value: str) -> None:
    RAN.append(value)
    raise RuntimeError("this task fails")


@pytest.fixture(autouse=True)
def _ran():
    RAN.clear()


def _messages(url: str) -> list[dict]:
    client = redis.Redis.from_url(url)
    try:
        return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    finally:
        client.close()


def test_a_block_sends_one_message_after_commit(own_redis, broker_at):
    broker_at(own_redis)

    with transaction.atomic():
        with tasks_together():
            enqueue_on_commit(note, value="first")
            enqueue_on_commit(note, value="second")
        assert _messages(own_redis) == []  # not before the commit

    (message,) = _messages(own_redis)
    assert message["headers"]["task"] == "socex.run_tasks"
    assert message["headers"]["kwargsrepr"].count("tests.together.note") == 2


def test_a_rolled_back_block_sends_nothing(own_redis, broker_at):
    broker_at(own_redis)

    with pytest.raises(RuntimeError), transaction.atomic():
        with tasks_together():
            enqueue_on_commit(note, value="first")
        raise RuntimeError("rolled back")

    assert _messages(own_redis) == []


def test_one_task_goes_as_itself(own_redis, broker_at):
    broker_at(own_redis)

    with transaction.atomic(), tasks_together():
        enqueue_on_commit(note, value="alone")

    (message,) = _messages(own_redis)
    assert message["headers"]["task"] == "tests.together.note"


def test_the_worker_runs_each_in_order_past_one_that_fails(caplog):
    run_tasks.run(
        tasks=[
            ["tests.together.note", {"value": "a"}],
            ["tests.together.fail", {"value": "b"}],
            ["tests.together.note", {"value": "c"}],
        ]
    )

    assert RAN == ["a", "b", "c"]
    assert "tests.together.fail" in caplog.text


def test_eager_runs_each_task_after_commit():
    with transaction.atomic(), tasks_together():
        enqueue_on_commit(note, value="a")
        enqueue_on_commit(note, value="b")
        assert RAN == []

    assert RAN == ["a", "b"]


@pytest.mark.postgres
def test_a_new_registration_publishes_once(own_redis, broker_at):
    edition = EditionFactory(capacity=100)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    first, second = (UserFactory(email=f"{n}@police.uk") for n in ("one", "two"))
    for user in (first, second):
        ProfileFactory(user=user)
    broker_at(own_redis)

    # The first takes the edition lock (and makes the seats row); the next the
    # seats row only (admission.registration_admit): each publishes once.
    for user in (first, second):
        services.registration_create(edition=edition, user=user, consent_terms=True)

    messages = _messages(own_redis)
    assert [message["headers"]["task"] for message in messages] == [
        "socex.run_tasks"
    ] * 2
    # Newest first (LPUSH): the second's email, then its badge.
    body = json.loads(base64.b64decode(messages[0]["body"]))
    assert [name for name, _kwargs in body[1]["tasks"]] == [
        "socex.mail.tasks.outbox_send",
        "delegates.badges.tasks.badge_render",
    ]
