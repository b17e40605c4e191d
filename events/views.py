"""Public pages of the conferences. Drafts are 404 except for staff (preview)."""

import mimetypes

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from events import selectors
from events.cache import anonymous_page_cache, fragment, seconds_until_change
from events.ics import calendar_bytes
from events.models import Edition, Series
from events.storage import PHOTOS_UNDER


@require_safe
@anonymous_page_cache
def home(request):
    overview = selectors.home_overview(user=request.user)
    response = render(request, "events/home.html", {"overview": overview})
    response.cache_timeout = seconds_until_change(
        [item.next_edition for item in overview]
    )
    return response


@require_safe
@anonymous_page_cache
def series_detail(request, slug: str):
    series = get_object_or_404(Series, slug=slug)
    editions = list(
        selectors.editions_visible(user=request.user)
        .filter(series=series)
        .order_by("-start_date")
    )
    upcoming = [
        e for e in editions if not e.is_past and e.status != Edition.Status.ARCHIVED
    ]
    past = [e for e in editions if e not in upcoming]
    response = render(
        request,
        "events/series_detail.html",
        {"series": series, "upcoming": list(reversed(upcoming)), "past": past},
    )
    response.cache_timeout = seconds_until_change(upcoming)
    return response


def _programme(edition) -> dict:
    sessions = list(selectors.sessions_for(edition=edition))
    return {
        "edition": edition,
        "days": selectors.agenda_days(sessions=sessions),
        "speakers": selectors.speakers_for(sessions=sessions, edition=edition),
        "partners": selectors.partners_for(edition=edition),
    }


def _edition_programme(edition) -> str:
    return render_to_string(
        "events/_edition_programme.html",
        {
            **_programme(edition),
            "sections": selectors.edition_programme_sections(edition=edition),
        },
    )


@require_safe
@anonymous_page_cache
def edition_detail(request, slug: str):
    edition = selectors.edition_get(slug=slug, user=request.user)
    programme = fragment(
        f"edition:{edition.pk}",
        lambda: _edition_programme(edition),
    )
    response = render(
        request,
        "events/edition_detail.html",
        {"edition": edition, "programme": programme},
    )
    response.cache_timeout = seconds_until_change([edition])
    return response


def _programme_part(request, slug: str, *, part: str):
    """An edition page showing one part of its programme ("agenda" or "speakers"):
    the part is rendered once per data version and shared by every visitor."""
    edition = selectors.edition_get(slug=slug, user=request.user)
    html = fragment(
        f"{part}:{edition.pk}",
        lambda: render_to_string(
            f"events/_{part}.html", {**_programme(edition), "heading_level": 2}
        ),
    )
    response = render(
        request, f"events/edition_{part}.html", {"edition": edition, part: html}
    )
    response.cache_timeout = seconds_until_change([edition])
    return response


@require_safe
@anonymous_page_cache
def edition_agenda(request, slug: str):
    return _programme_part(request, slug, part="agenda")


@require_safe
@anonymous_page_cache
def edition_speakers(request, slug: str):
    return _programme_part(request, slug, part="speakers")


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@anonymous_page_cache
def edition_ics(request, slug: str):
    edition = selectors.edition_get(slug=slug, user=request.user)
    sessions = selectors.sessions_for(edition=edition)
    content = calendar_bytes(edition=edition, sessions=sessions, name=edition.title)
    return _ics_response(content, f"{edition.slug}.ics")


@require_safe
@anonymous_page_cache
def session_ics(request, slug: str, pk: int):
    edition = selectors.edition_get(slug=slug, user=request.user)
    session = selectors.sessions_for(edition=edition).filter(pk=pk).first()
    if session is None:
        raise Http404("No such session")
    content = calendar_bytes(
        edition=edition, sessions=[session], name=f"{session.title} — {edition.title}"
    )
    return _ics_response(content, f"{edition.slug}-{slugify(session.title)[:40]}.ics")


@require_safe
@anonymous_page_cache
def venue_detail(request, slug: str):
    venue = selectors.venue_get(slug=slug, user=request.user)
    editions = list(
        selectors.editions_visible(user=request.user)
        .filter(venue=venue)
        .order_by("-start_date")
    )
    return render(
        request, "events/venue_detail.html", {"venue": venue, "editions": editions}
    )


@require_safe
@anonymous_page_cache
def speaker_detail(request, slug: str):
    speaker, sessions, appearances = selectors.speaker_get(slug=slug, user=request.user)
    return render(
        request,
        "events/speaker_detail.html",
        {"speaker": speaker, "sessions": sessions, "appearances": appearances},
    )


@require_safe
def speaker_photo(request, name: str):
    """A speaker's photo, from private storage: 404 for a speaker who may not be
    named unless the viewer is staff who may view speakers, or the speaker."""
    speaker = selectors.speaker_photo_get(name=PHOTOS_UNDER + name, user=request.user)
    try:
        handle = speaker.photo.open("rb")
    except FileNotFoundError:
        raise Http404("No such photo") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Never kept by a shared cache: the speaker may be unnamed tomorrow.
    response["Cache-Control"] = "private, max-age=300"
    return response
