"""Redis down (nothing listening) or hung (accepts, never answers): the public pages
render uncached, registrations go through, and publishing gives up fast."""

import logging

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from delegates.models import Registration
from socex.mail.models import OutboxEmail
from socex.mail.tasks import outbox_send
from socex.tasks import enqueue_on_commit
from tests.socex.conftest import product_settings

pytestmark = pytest.mark.django_db


def test_redis_cache_settings_have_short_timeouts_and_two_aliases(monkeypatch):
    caches_config = product_settings(
        monkeypatch, CACHE_URL="redis://127.0.0.1:6379/1"
    ).CACHES

    default, pages = caches_config["default"], caches_config["pages"]
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert pages["BACKEND"] == "socex.cache.DegradingRedisCache"
    assert pages["LOCATION"] == default["LOCATION"]
    for config in (default, pages):
        assert config["OPTIONS"]["socket_connect_timeout"] == 0.25
        assert config["OPTIONS"]["socket_timeout"] == 0.25


def test_broker_settings_give_up_fast(monkeypatch):
    probe = product_settings(monkeypatch, CELERY_BROKER_URL="redis://127.0.0.1:1/0")

    options = probe.CELERY_BROKER_TRANSPORT_OPTIONS
    assert probe.CELERY_TASK_PUBLISH_RETRY is False
    assert probe.CELERY_BROKER_CONNECTION_TIMEOUT == 1.0
    assert options["socket_connect_timeout"] == 0.5
    assert options["socket_timeout"] == 1.0
    assert options["max_retries"] == 1
    assert options["interval_start"] == 0


def test_edition_page_renders_with_redis_down(
    client, open_edition, cache_at, redis_down_url
):
    cache_at(redis_down_url)

    for _ in range(2):
        response = client.get(open_edition.get_absolute_url())
        assert response.status_code == 200
        assert "Economic Crime 2027" in response.content.decode()


def test_edition_page_renders_with_redis_hung_and_asks_it_once(
    client, open_edition, cache_at, redis_hung, caplog
):
    cache_at(redis_hung.url)

    with caplog.at_level(logging.WARNING, logger="socex.cache"):
        responses = [client.get(open_edition.get_absolute_url()) for _ in range(4)]

    assert [response.status_code for response in responses] == [200] * 4
    assert "Economic Crime 2027" in responses[-1].content.decode()
    # The first timeout opens the breaker: later requests do not wait on Redis.
    assert len(redis_hung.accepted) <= 1
    assert [r.levelname for r in caplog.records if r.name == "socex.cache"] == [
        "WARNING"
    ]


def test_edition_page_is_cached_in_a_working_redis(
    client, open_edition, cache_at, own_redis, django_assert_max_num_queries
):
    cache_at(own_redis)
    url = open_edition.get_absolute_url()

    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(1):  # the cache version only
        response = client.get(url)

    assert response.status_code == 200
    assert redis.Redis.from_url(own_redis).dbsize() > 0


def test_default_cache_alias_fails_closed_with_redis_down(cache_at, redis_down_url):
    """The login rate limits count in the default alias: an outage must raise there
    (so the login refuses), not pass as an empty count."""
    cache_at(redis_down_url)

    with pytest.raises(redis.ConnectionError):
        caches["default"].get("allauth:rl:probe")
    assert caches["pages"].get("events:page:probe") is None


def _register(client, edition, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
        )


def test_registration_goes_through_with_broker_and_cache_down(
    client,
    open_edition,
    delegate,
    cache_at,
    broker_at,
    redis_down_url,
    django_capture_on_commit_callbacks,
):
    cache_at(redis_down_url)
    broker_at(redis_down_url)

    response = _register(
        client, open_edition, delegate, django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=delegate)
    assert registration.status == Registration.Status.CONFIRMED
    # Not sent, not lost: the outbox sweep sends what could not be queued.
    assert OutboxEmail.objects.filter(to=delegate.email).exists()
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {
        OutboxEmail.Status.QUEUED
    }


def test_registration_with_broker_hung_waits_on_one_publish_only(
    client,
    open_edition,
    delegate,
    broker_at,
    redis_hung,
    caplog,
    django_capture_on_commit_callbacks,
):
    broker_at(redis_hung.url)

    with caplog.at_level(logging.INFO, logger="socex.tasks"):
        response = _register(
            client, open_edition, delegate, django_capture_on_commit_callbacks
        )

    assert response.status_code == 302
    assert Registration.objects.get(user=delegate).status == (
        Registration.Status.CONFIRMED
    )
    messages = [record.getMessage() for record in caplog.records]
    # The email's delivery and the badge's render leave as one message
    # (tasks_together): one publish waited on the hung broker.
    (failed,) = [message for message in messages if "Could not enqueue" in message]
    assert "outbox_send" in failed and "badge_render" in failed
    # Publishing is paused after it: the next task waits for the sweep, not Redis.
    with (
        caplog.at_level(logging.INFO, logger="socex.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(outbox_send, email_id=OutboxEmail.objects.first().pk)
    assert "left to the sweep" in caplog.records[-1].getMessage()
