"""/healthz is liveness (the database); /healthz/detail reports broker and cache."""

import pytest
import redis
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def _fail_every_query(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True}}


def test_healthz_is_503_when_the_database_fails(client):
    with connection.execute_wrapper(_fail_every_query):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": False}


def test_healthz_is_200_while_the_broker_is_down(client, broker_at, redis_down_url):
    broker_at(redis_down_url)

    assert client.get("/healthz").status_code == 200
    detail = client.get("/healthz/detail")

    assert detail.status_code == 200
    assert detail.json() == {
        "status": "degraded",
        "checks": {"database": True, "cache": True, "broker": False, "outbox": True},
    }


def test_healthz_detail_reports_a_hung_cache_without_failing(
    client, cache_at, redis_hung
):
    cache_at(redis_hung.url)

    response = client.get("/healthz/detail")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] is False
    assert client.get("/healthz").status_code == 200


def test_healthz_detail_reuses_its_broker_connection(client, broker_at, own_redis):
    broker_at(own_redis)
    server = redis.Redis.from_url(own_redis)
    server.ping()
    before = server.info("stats")["total_connections_received"]

    answers = [client.get("/healthz/detail").json() for _ in range(5)]

    after = server.info("stats")["total_connections_received"]
    assert [answer["checks"]["broker"] for answer in answers] == [True] * 5
    assert after - before == 1


def _queued_email(*, due_ago: float):
    from datetime import timedelta

    from django.utils import timezone

    from socex.mail.models import OutboxEmail

    return OutboxEmail.objects.create(
        to="officer@police.uk",
        subject="Registration received",
        body_text="b",
        status=OutboxEmail.Status.QUEUED,
        next_attempt_at=timezone.now() - timedelta(seconds=due_ago),
    )


def test_healthz_detail_reports_an_outbox_no_worker_takes(client, settings):
    """A worker that stopped consuming (as Celery's can after a Redis restart) or a
    stopped beat leaves emails due and untried: monitoring is told, the node stays
    in (liveness is the database only)."""
    settings.BROKER_CONFIGURED = False
    settings.OUTBOX_STALLED_AFTER = 600
    _queued_email(due_ago=30)  # just queued: its task is on the way

    assert client.get("/healthz/detail").json() == {
        "status": "ok",
        "checks": {"database": True, "cache": True, "outbox": True},
    }

    _queued_email(due_ago=601)
    detail = client.get("/healthz/detail")

    assert detail.status_code == 200
    assert detail.json() == {
        "status": "degraded",
        "checks": {"database": True, "cache": True, "outbox": False},
    }
    assert client.get("/healthz").status_code == 200


def test_an_email_waiting_out_a_mail_server_outage_is_not_a_stalled_outbox(
    client, settings
):
    """Retries scheduled later (the mail server refused) are the outbox working."""
    from socex.mail.models import OutboxEmail

    settings.BROKER_CONFIGURED = False
    settings.OUTBOX_STALLED_AFTER = 600
    email = _queued_email(due_ago=-3600)  # next attempt in an hour
    OutboxEmail.objects.filter(pk=email.pk).update(attempts=3)

    assert client.get("/healthz/detail").json()["checks"]["outbox"] is True
