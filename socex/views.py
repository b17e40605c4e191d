"""Project-wide views: the health check."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    from socex.celery import app  # noqa: PLC0415  the Celery app loads only when asked

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    """Report the database's and (when one is configured) the broker's reachability."""
    checks = {"database": _database_ok()}
    if settings.BROKER_CONFIGURED:
        checks["broker"] = _broker_ok()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
def favicon(request):
    """Browsers (and the admin) ask for /favicon.ico: point them at our icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
