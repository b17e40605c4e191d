"""Cached rendering of the public pages.

Every anonymous visitor sees the same programme, and the burst comes when registration
opens, so the heavy part of a page (agenda, speakers, partners) is rendered once and
kept in the cache under the current ``PublicPagesVersion`` number. Any change to events
data replaces that number in the same transaction (see ``EventsConfig.ready``), so no
process can serve a programme older than the committed data, whichever cache backend
is configured (a per-process memory cache included).
"""

import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from events.models import PublicPagesVersion

TIMEOUT = 60 * 60


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
    return mark_safe(html)  # noqa: S308 - rendered by our own templates
