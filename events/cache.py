"""Cached rendering of the public pages.

Every anonymous visitor sees the same programme, and the burst comes when registration
opens, so the heavy part of a page (agenda, speakers, partners) is rendered once and
kept in the cache under the current ``PublicPagesVersion`` number. Any change to events
data replaces that number in the same transaction (see ``EventsConfig.ready``), so no
process can serve a programme older than the committed data, whichever cache backend
is configured (a per-process memory cache included).

The copies live in the ``pages`` cache alias, which degrades to no cache when Redis is
down or hung (``socex.cache.DegradingRedisCache``): the pages then render from the
database on every request, slower but up.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.connection import ConnectionProxy
from django.utils.safestring import SafeString, mark_safe

from events.models import PublicPagesVersion

TIMEOUT = 60 * 60

cache = ConnectionProxy(caches, "pages")


def version_bump(**kwargs) -> None:
    """Signal receiver: give the version row a new random number (creating the row
    when missing). Random rather than incremented, so a rolled-back change can never
    make a later, different state reuse a number that was already cached."""
    if kwargs.get("raw"):
        return
    number = secrets.randbits(62)
    if not PublicPagesVersion.objects.filter(pk=1).update(number=number):
        PublicPagesVersion.objects.update_or_create(pk=1, defaults={"number": number})


def version_current() -> int:
    number = PublicPagesVersion.objects.filter(pk=1).values_list("number", flat=True)
    return next(iter(number), 0)


def fragment(name: str, render: Callable[[], str]) -> SafeString:
    """The cached HTML for ``name`` at the current version, rendering it on a miss.

    ``render`` must not depend on the request (user, CSRF token, messages).
    """
    key = f"events:fragment:{version_current()}:{name}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, TIMEOUT)
    # bandit: the HTML is our own autoescaping templates' output, cached as is.
    return mark_safe(html)  # noqa: S308 # nosec B308 B703


def seconds_until_change(editions, *, now: dt.datetime | None = None) -> int:
    """Seconds until what a page shows about ``editions`` changes with time alone
    (registration opens or closes, the conference starts or ends), at most TIMEOUT."""
    now = now or timezone.now()
    moments = []
    for edition in editions:
        if edition is None:
            continue
        moments += [
            edition.registration_opens_at,
            edition.registration_closes_at,
            edition.workshop_selection_closes_at,
            *edition.local_bounds(),
        ]
    ahead = [(moment - now).total_seconds() for moment in moments if moment]
    ahead = [seconds for seconds in ahead if seconds > 0]
    return int(max(min([TIMEOUT, *ahead]), 1))


CACHED_HEADERS = ("Content-Type", "Content-Disposition")


def anonymous_page_cache(view):
    """Serve the whole response from the cache to anonymous visitors.

    What an anonymous visitor sees depends only on the events data (keyed by the
    version number) and on the time (the view sets ``response.cache_timeout`` to the
    next moment its content changes). Signed-in users, pending messages, query
    strings and anything carrying a CSRF token or a cookie bypass the cache.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.GET
            or request.user.is_authenticated
            or len(messages.get_messages(request))
        ):
            return view(request, *args, **kwargs)
        key = f"events:page:{version_current()}:{request.path}"
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        cacheable = (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and b"csrfmiddlewaretoken" not in response.content
        )
        if cacheable:
            headers = {h: response[h] for h in CACHED_HEADERS if response.has_header(h)}
            timeout = getattr(response, "cache_timeout", TIMEOUT)
            cache.set(key, (response.content, headers), timeout)
        return response

    return wrapper
