"""``socex.tasks.PublishBatcher``: in a web server's worker process, the tasks its
requests commit go to one thread of the process, which publishes those committed
within the linger as one message; the request never waits on the broker."""

import base64
import json
import os
import threading
import time

import pytest
import redis
from celery import shared_task
from django.db import transaction

from socex import gunicorn as gunicorn_config
from socex import tasks
from socex.tasks import (
    PublishBatcher,
    enqueue_on_commit,
    publish_batching_start,
    publish_batching_stop,
    tasks_together,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough that a test's commits all fall within one linger.
LINGER = 30.0


@shared_task(name="tests.batcher.note", publish_together=True)
def note(*, value: str) -> None:
    """A light task. Never run here: the tests read the broker's queue."""


@shared_task(name="tests.batcher.heavy")
def heavy(*, value: str) -> None:
    """A task not declared light (a batch of emails, a PDF). Never run here."""


def _bodies(url: str) -> list[tuple[str, dict]]:
    """The queue's messages, oldest first: (task name, kwargs)."""
    client = redis.Redis.from_url(url)
    try:
        raw = client.lrange("celery", 0, -1)
    finally:
        client.close()
    messages = []
    for item in reversed(raw):  # LPUSH: newest first
        message = json.loads(item)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append((message["headers"]["task"], kwargs))
    return messages


def _values(body: dict) -> list[str]:
    return [kwargs["value"] for _name, kwargs in body["tasks"]]


@pytest.fixture
def batching():
    """Start this process's batcher (with ``linger``); stopped afterwards."""
    started = []

    def start(*, linger: float = LINGER, **options) -> PublishBatcher:
        publish_batching_start(linger=linger)
        if options:
            publish_batching_stop()
            tasks._batcher = PublishBatcher(linger=linger, **options)
        started.append(tasks._batcher)
        return tasks._batcher

    yield start
    publish_batching_stop()
    for batcher in started:
        batcher.stop()


def _commit(*values: str) -> None:
    with transaction.atomic(), tasks_together():
        for value in values:
            enqueue_on_commit(note, value=value)


def test_commits_within_the_linger_leave_as_one_message_in_order(
    own_redis, broker_at, batching
):
    broker_at(own_redis)
    batching()

    _commit("a1", "a2")
    _commit("b1")
    _commit("c1", "c2")
    assert _bodies(own_redis) == []  # the requests answered; nothing sent yet

    publish_batching_stop()

    ((name, body),) = _bodies(own_redis)
    assert name == "socex.run_tasks"
    assert _values(body) == ["a1", "a2", "b1", "c1", "c2"]


def test_the_thread_sends_once_the_linger_is_over(own_redis, broker_at, batching):
    broker_at(own_redis)
    batching(linger=0.05)

    _commit("alone")

    deadline = time.monotonic() + 10
    while not _bodies(own_redis) and time.monotonic() < deadline:
        time.sleep(0.02)
    # One task goes as itself, as without the batcher.
    assert _bodies(own_redis) == [("tests.batcher.note", {"value": "alone"})]


def test_a_heavy_task_is_published_by_the_request_alone(own_redis, broker_at, batching):
    broker_at(own_redis)
    batcher = batching()

    _commit("light")
    with transaction.atomic():
        enqueue_on_commit(heavy, value="pdf")
    with transaction.atomic(), tasks_together():
        enqueue_on_commit(note, value="with")
        enqueue_on_commit(heavy, value="a heavy one")

    # Sent at once, each as it was enqueued; the light one waits in the thread.
    assert _bodies(own_redis) == [
        ("tests.batcher.heavy", {"value": "pdf"}),
        (
            "socex.run_tasks",
            {
                "tasks": [
                    ["tests.batcher.note", {"value": "with"}],
                    ["tests.batcher.heavy", {"value": "a heavy one"}],
                ]
            },
        ),
    ]
    assert len(batcher._waiting) == 1


def test_a_dead_thread_hands_the_publishing_back(own_redis, broker_at, batching):
    broker_at(own_redis)
    batcher = batching()
    batcher.stop()
    tasks._batcher = batcher  # as if the thread had died while in use

    _commit("direct")

    assert _bodies(own_redis) == [("tests.batcher.note", {"value": "direct"})]


def test_the_product_declares_only_its_light_tasks_light():
    from delegates.badges.tasks import badge_print_job_start_task, badge_render_task
    from socex.mail.tasks import outbox_send, outbox_send_batch

    assert outbox_send.publish_together and badge_render_task.publish_together
    assert not getattr(outbox_send_batch, "publish_together", False)
    assert not getattr(badge_print_job_start_task, "publish_together", False)


def test_a_message_holds_at_most_size_tasks(own_redis, broker_at, batching):
    broker_at(own_redis)
    batching(size=2)

    _commit("1", "2", "3")
    _commit("4", "5")
    publish_batching_stop()

    messages = _bodies(own_redis)
    assert [len(body["tasks"]) for _name, body in messages[:2]] == [2, 2]
    assert messages[2] == ("tests.batcher.note", {"value": "5"})


def test_a_rolled_back_transaction_hands_it_nothing(own_redis, broker_at, batching):
    broker_at(own_redis)
    batcher = batching()

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(note, value="never")
        raise RuntimeError("rolled back")

    assert batcher._waiting == []
    publish_batching_stop()
    assert _bodies(own_redis) == []


def test_a_hung_broker_holds_the_thread_not_the_request(
    redis_hung, broker_at, batching, settings
):
    settings.TASK_PUBLISH_PAUSE = 60
    broker_at(redis_hung.url)
    batcher = batching(linger=0)

    _commit("first")  # the thread now waits on the broker's socket
    deadline = time.monotonic() + 10
    while batcher._waiting and time.monotonic() < deadline:
        time.sleep(0.01)
    _commit("second")  # while it does, the next request hands over its task

    assert [task.name for task, _kwargs in batcher._waiting] == ["tests.batcher.note"]
    batcher.stop()
    # The failed publish paused publishing: the rest is left to the sweeps.
    assert tasks._publish_paused_until > time.monotonic()


def test_a_forked_process_publishes_itself(own_redis, broker_at, batching):
    broker_at(own_redis)
    batcher = batching()
    batcher._pid = os.getpid() + 1  # as a child forked after it started sees it

    _commit("direct")

    assert _bodies(own_redis) == [("tests.batcher.note", {"value": "direct"})]


def test_eager_tasks_run_at_commit_not_in_the_thread(batching):
    ran = []

    @shared_task(name="tests.batcher.eager")
    def eager(*, value):
        ran.append((value, threading.current_thread() is threading.main_thread()))

    batching()
    with transaction.atomic():
        enqueue_on_commit(eager, value="now")

    assert ran == [("now", True)]


def test_a_stopped_batcher_refuses_and_its_thread_ends(own_redis, broker_at):
    broker_at(own_redis)
    batcher = PublishBatcher(linger=LINGER)
    batcher.stop()

    assert batcher.take([(note, {"value": "late"})]) is False
    assert not batcher._thread.is_alive()


def test_gunicorn_workers_start_it_and_flush_it_on_exit(own_redis, broker_at, settings):
    broker_at(own_redis)
    settings.TASK_PUBLISH_LINGER = LINGER

    class Worker:
        log = None

    gunicorn_config.post_worker_init(Worker())
    try:
        assert tasks._batcher is not None
        _commit("waiting")
        assert _bodies(own_redis) == []
    finally:
        gunicorn_config.worker_exit(None, Worker())

    assert tasks._batcher is None
    assert _bodies(own_redis) == [("tests.batcher.note", {"value": "waiting"})]


def test_no_linger_no_batcher(settings):
    settings.TASK_PUBLISH_LINGER = 0

    class Worker:
        log = None

    gunicorn_config.post_worker_init(Worker())

    assert tasks._batcher is None
