"""Cached rendering of the public pages.

Every anonymous visitor sees the same programme, and the burst comes when registration
opens, so the heavy part of a page (agenda, speakers, partners) is rendered once and
kept in the cache under the current ``PublicPagesVersion`` number. Any change to events
data bumps that number in the same transaction (see ``EventsConfig.ready``), so no
process can serve a programme older than the committed data, whichever cache backend
is configured (a per-process memory cache included).
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db.models import F
from django.utils.safestring import SafeString, mark_safe

from events.models import PublicPagesVersion

TIMEOUT = 60 * 60


def version_bump(**kwargs) -> None:
    """Signal receiver: bump the version row (creating it when missing)."""
    if kwargs.get("raw"):
        return
    if not PublicPagesVersion.objects.filter(pk=1).update(number=F("number") + 1):
        PublicPagesVersion.objects.get_or_create(pk=1, defaults={"number": 1})


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
    return mark_safe(html)  # noqa: S308 - rendered by our own templates
