"""Project-wide middleware."""

import logging

from django.db import DataError
from django.http import HttpResponseBadRequest
from django.urls import reverse

from socex.views import DATABASE_UNAVAILABLE, database_unavailable_response

logger = logging.getLogger(__name__)


def _forged_id(exception: Exception) -> bool:
    if isinstance(exception, OverflowError):
        return True  # an id too large for the database's integers
    if isinstance(exception, ValueError) and "expected a number but got" in str(
        exception
    ):
        return True  # Django's message for a non-numeric id
    return isinstance(exception, DataError) and "out of range" in str(exception)


class AdminForgedIdMiddleware:
    """Answer 400, not 500, when a forged id reaches the Django admin.

    Our own admin code validates the ids it reads, but parts of Django's admin use a
    posted id before validating it (an autocomplete widget redrawing a form with
    errors, a many-to-many field or a one-to-one primary key given a number too large
    for the database). Those requests can only be forged, so they get a plain 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith(reverse("admin:index")):
            return None
        if not _forged_id(exception):
            return None
        logger.warning(
            "Forged id in an admin request to %s: %s", request.path, exception
        )
        return HttpResponseBadRequest(
            "The request named something that does not exist: go back and try again."
        )


class DatabaseUnavailableMiddleware:
    """Answer 503 with the "not saved, try again" page when the database cannot be
    reached during a view (down, restarting, a dropped connection), not Django's bare
    500. The view's transaction has rolled back, so nothing was half-written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error(
            "Database unavailable during %s %s: %s",
            request.method,
            request.path,
            exception,
        )
        return database_unavailable_response()
