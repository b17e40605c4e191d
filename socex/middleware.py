"""Project-wide middleware."""

import logging
import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.core.cache import cache
from django.db import DataError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

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


# The only pages whose images may be ``data:`` URIs: allauth draws the TOTP set-up QR
# code as one. Everywhere else the policy keeps ``img-src 'self'``.
DATA_IMAGE_VIEWS = frozenset({"mfa_activate_totp"})

# The admin's theme (django-unfold) runs on Alpine.js, whose standard build evaluates
# the expressions in the page's ``x-*`` attributes with ``new Function``: the admin's
# pages, and only they, allow ``'unsafe-eval'``. Inline scripts and styles stay
# refused there too (no ``'unsafe-inline'``), so injected markup still cannot run a
# ``<script>``; every admin page is our own template and escapes what it shows.
ADMIN_CSP_UPDATE = {"script-src": ["'unsafe-eval'"]}


class SecurityHeadersMiddleware:
    """Add the headers Django's SecurityMiddleware does not: Permissions-Policy and
    Cross-Origin-Resource-Policy (settings PERMISSIONS_POLICY and
    CROSS_ORIGIN_RESOURCE_POLICY), and widen the CSP's ``img-src`` with ``data:`` on
    the pages of ``DATA_IMAGE_VIEWS`` only, and ``script-src`` with
    ``'unsafe-eval'`` on the admin's (``ADMIN_CSP_UPDATE``); listed after
    django-csp's middleware, so it sees the response first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in DATA_IMAGE_VIEWS:
            response._csp_update = {"img-src": ["data:"]}
        elif request.path_info.startswith(reverse("admin:index")):
            response._csp_update = ADMIN_CSP_UPDATE
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault(
                "Permissions-Policy", settings.PERMISSIONS_POLICY
            )
        if settings.CROSS_ORIGIN_RESOURCE_POLICY:
            response.headers.setdefault(
                "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
            )
        return response


# The views allauth rate-limits through the cache: a POST to one of them must be able
# to count, or it is refused.
RATE_LIMITED_VIEWS = frozenset(
    {
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_from_key",
        "account_reauthenticate",
        "account_change_password",
        "account_email",
        "mfa_authenticate",
        "mfa_reauthenticate",
    }
)


def _cache_can_count() -> bool:
    """Write and read back a key: a cache that raises, or silently stores nothing
    (down, or a dummy backend), cannot enforce a rate limit."""
    token = get_random_string(16)
    # A key per request: concurrent logins must not read each other's probe.
    key = f"socex:ratelimit-probe:{token}"
    try:
        cache.set(key, token, timeout=5)
        return cache.get(key) == token
    except Exception:  # any backend's connection error: fail closed
        logger.exception("The cache behind the login rate limits is unreachable")
        return False


def _try_again_shortly(request):
    return render(request, "account/rate_limit_unavailable.html", status=503)


class LoginCacheGuardMiddleware:
    """Fail closed: refuse a login (and the other rate-limited account forms) when the
    cache that counts attempts cannot count, instead of letting unlimited guesses in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    @staticmethod
    def _guarded(request) -> bool:
        match = request.resolver_match
        return (
            request.method == "POST"
            and match is not None
            and match.url_name in RATE_LIMITED_VIEWS
        )

    def process_view(self, request, view_func, view_args, view_kwargs):
        if self._guarded(request) and not _cache_can_count():
            return _try_again_shortly(request)
        return None

    def process_exception(self, request, exception):
        # The probe passed but the cache failed while allauth counted.
        if self._guarded(request) and isinstance(exception, RedisError | OSError):
            logger.error("Cache failed during a rate-limited request: %s", exception)
            return _try_again_shortly(request)
        return None


def _is_staff(user) -> bool:
    return user.is_authenticated and (user.is_staff or user.is_superuser)


# What staff may open before their second factor is set up and used in this session.
MFA_EXEMPT_VIEWS = frozenset(
    {
        "account_login",
        "account_logout",
        "account_reauthenticate",
        "account_email_verification_sent",
        "account_confirm_email",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "healthz",
    }
)


def _exempt_path(request) -> bool:
    path = request.path_info
    if path.startswith((settings.STATIC_URL, settings.MEDIA_URL)) or path in (
        "/favicon.ico",
    ):
        return True
    match = request.resolver_match
    return match is not None and match.url_name in MFA_EXEMPT_VIEWS


def has_authenticator(user) -> bool:
    return (
        Authenticator.objects.filter(user_id=user.pk)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


def mfa_used_in_session(request, user) -> bool:
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, user)
    )


class StaffMFAMiddleware:
    """A second factor for every staff account (allauth has no setting for this).

    Staff without an authenticator are sent to set one up; staff whose session has
    not used it (signed in before enrolling, or by other means) are asked for a code.
    Only the setup, logout, reauthentication and verification pages stay open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not _is_staff(user) or _exempt_path(request):
            return None
        # The session check first: it costs no query on every staff request.
        if mfa_used_in_session(request, user):
            return None
        next_query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        if not has_authenticator(user):
            messages.info(
                request,
                _(
                    "Staff accounts need a second factor: set up an authenticator "
                    "app to continue."
                ),
                fail_silently=True,
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{next_query}")
        messages.info(
            request,
            _("Enter a code from your authenticator app to continue."),
            fail_silently=True,
        )
        return redirect(f"{reverse('mfa_reauthenticate')}?{next_query}")


LAST_SEEN_SESSION_KEY = "socex_staff_last_seen"


class StaffIdleTimeoutMiddleware:
    """End a staff session after STAFF_IDLE_TIMEOUT_MINUTES without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if _is_staff(user):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            timeout = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
            if isinstance(last_seen, int) and now - last_seen > timeout:
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out after %(minutes)d minutes without "
                        "activity. Sign in again to continue."
                    )
                    % {"minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES},
                    fail_silently=True,
                )
                query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                return redirect(f"{reverse('account_login')}?{query}")
            # Write at most once a minute: a session save on every request is waste.
            if not isinstance(last_seen, int) or now - last_seen >= 60:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)
