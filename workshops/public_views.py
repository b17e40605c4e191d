"""The public workshops page of an edition (anyone may read it; drafts are 404 but
for staff, as for every edition page)."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from events import selectors as event_selectors
from events.cache import anonymous_page_cache, fragment, seconds_until_change

from . import selectors


@require_safe
@anonymous_page_cache
def edition_workshops(request, slug: str):
    edition = event_selectors.edition_get(slug=slug, user=request.user)
    html = fragment(
        f"workshops:{edition.pk}",
        lambda: render_to_string(
            "workshops/_public_list.html",
            {
                "edition": edition,
                "workshops": list(selectors.published_workshops(edition)),
            },
        ),
    )
    call = selectors.call_for(edition)
    now = timezone.now()
    response = render(
        request,
        "workshops/edition_workshops.html",
        {
            "edition": edition,
            "workshops": html,
            "call": call if call and call.is_open(now) else None,
        },
    )
    # The page changes when the call opens or closes, as well as with the edition.
    moments = [call.opens_at, call.closes_at] if call else []
    ahead = [int((m - now).total_seconds()) for m in moments if m > now]
    response.cache_timeout = max(
        min([seconds_until_change([edition], now=now), *ahead]), 1
    )
    return response
