"""Project-wide views: the health checks and the failure pages.

``/healthz`` is the liveness check a load balancer follows: this process serves and
its database answers (200, else 503). ``/healthz/detail`` adds the broker, the
cache and whether the outbox's work is being taken, for monitoring; they are
reported, never failed on, because the site works without them (tasks wait for
the sweep, pages render uncached). Neither opens a new connection per call: the
database connection is Django's own, the broker is asked through one client per
process, the cache through Django's per-thread pool.
"""

import logging
import sys
import threading
from email.utils import parseaddr

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from socex.mail.selectors import outbox_stalled

logger = logging.getLogger(__name__)

# Exceptions that mean the database cannot be reached (down, restarting, connection
# dropped), as opposed to a bug in a query: they answer 503 and "try again".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


_broker_clients: dict[str, redis.Redis] = {}
_broker_clients_lock = threading.Lock()


def _broker_client(url: str) -> redis.Redis:
    """One client (and so one small connection pool) per broker URL and process."""
    with _broker_clients_lock:
        client = _broker_clients.get(url)
        if client is None:
            options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=options.get("socket_connect_timeout", 0.5),
                socket_timeout=options.get("socket_timeout", 1),
                max_connections=4,
            )
            _broker_clients[url] = client
        return client


def _broker_ok() -> bool:
    from socex.celery import app  # noqa: PLC0415  the Celery app loads only when asked

    url = app.conf.broker_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            return bool(_broker_client(url).ping())
        except (redis.RedisError, OSError):
            return False
    # Another transport: ask through Celery's own connection pool.
    try:
        with app.pool.acquire(block=True, timeout=1) as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
        return True
    except Exception:
        return False


def _cache_ok() -> bool:
    # The default alias raises when its store is unreachable (the page alias would
    # hide that as a miss).
    try:
        caches["default"].get("socex:healthz")
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 when the database answers, 503 when it does not."""
    database = _database_ok()
    status = "ok" if database else "unavailable"
    return JsonResponse(
        {"status": status, "checks": {"database": database}},
        status=200 if database else 503,
    )


@never_cache
@require_GET
def healthz_detail(request):
    """Liveness plus the broker, the cache and the background work, for monitoring:
    their failure shows as ``degraded`` with a 200, since the site keeps working
    without them. ``outbox`` is false when an email has waited past
    ``OUTBOX_STALLED_AFTER`` with no attempt: the workers (or beat) are down or
    stuck, e.g. a Celery worker that stopped consuming after a broker restart, and
    should be restarted."""
    database = _database_ok()
    checks = {"database": database, "cache": _cache_ok()}
    if settings.BROKER_CONFIGURED:
        checks["broker"] = _broker_ok()
    if database:
        try:
            checks["outbox"] = not outbox_stalled()
        except DatabaseError:  # the database went away between the two questions
            checks["outbox"] = False
    if not database:
        status = "unavailable"
    elif all(checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse(
        {"status": status, "checks": checks},
        status=503 if status == "unavailable" else 200,
    )


@require_GET
def favicon(request):
    """Browsers (and the admin) ask for /favicon.ico: point them at our icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without the request: its context processors (the
    user, the messages) would ask the database that just failed."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs):
    """``handler500``: the 503 page when the database is what failed (also when it
    failed in a middleware, which ``DatabaseUnavailableMiddleware`` does not see),
    else the static 500 page. Neither needs the database nor the request."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable_response()
    return HttpResponseServerError(render_to_string("500.html"))


@require_GET
def accessibility_statement(request):
    """The accessibility statement, with the address to ask for another format."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return render(request, "pages/accessibility.html", {"contact_email": address})
