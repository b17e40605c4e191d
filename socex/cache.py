"""A Redis cache that degrades to no cache when Redis is down or hung.

The public pages keep their rendered copies in a cache (``events/cache.py``), but the
database holds everything they show, so losing Redis must only make them slower, never
take them down. ``DegradingRedisCache`` is Django's ``RedisCache`` whose every
operation, when Redis refuses, drops or does not answer the connection, behaves as
Django's ``DummyCache`` does (a miss; writes are dropped) instead of raising.

After a failure the cache stops asking Redis for ``breaker_seconds`` (an ``OPTIONS``
key, 5 by default): with a hung Redis each failed call costs a socket timeout, and a
page asks several times, so only the first request in each window pays it. One warning
is logged per window, and one line when Redis answers again.

Only the page cache uses it. The ``default`` alias (allauth's login rate limits) keeps
Django's plain backend, so a Redis failure there raises and the login refuses rather
than letting unlimited guesses through (see ``CACHES`` in ``socex/settings/base.py``).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Breaker:
    """Per-process state for one Redis location, shared by every thread's cache
    object (Django makes one backend instance per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.down = False

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, seconds: float, location: str, error: Exception) -> None:
        with self.lock:
            if self.is_open():
                return
            self.open_until = time.monotonic() + seconds
            self.down = True
        logger.warning(
            "Page cache at %s unavailable (%s: %s); serving without it for %ss",
            location,
            type(error).__name__,
            error,
            seconds,
        )

    def reset(self, location: str) -> None:
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning("Page cache at %s answers again", location)


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


class DegradingRedisCache(RedisCache):
    """``RedisCache`` that treats an unreachable or silent Redis as an empty cache."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        self.breaker_seconds = float(params["OPTIONS"].pop("breaker_seconds", 5))
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = _breaker_for(self._location)

    def _call(self, operation, fallback, *args, **kwargs):
        if self._breaker.is_open():
            return fallback()
        try:
            result = operation(*args, **kwargs)
        except UNAVAILABLE as error:
            self._breaker.trip(self.breaker_seconds, self._location, error)
            return fallback()
        self._breaker.reset(self._location)
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, lambda: True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, lambda: None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, lambda: False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, dict, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, lambda: False, key, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found.")

        return self._call(super().incr, missing, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, lambda: None, keys, version)

    def clear(self):
        return self._call(super().clear, lambda: False)
