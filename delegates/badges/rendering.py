"""From registrations to badge PDFs: what is printed, and how it is laid out.

Pure reads and layout, no writes. Kept cheap on purpose, because an edition prints
hundreds at once: the QR code is a tiny PNG data URI (one module a pixel, drawn
without smoothing) rather than SVG, the name's font size is chosen here from its
length instead of asking the layout engine to shrink it, the stylesheets are parsed
once per process, and the layout is plain blocks placed absolutely (no tables, flex
or grid).
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from . import selectors
from .models import BadgePrintJob, BadgeSettings
from .tokens import token_for

if TYPE_CHECKING:
    from socex.pdf import SafeURLFetcher

# Bump when the template changes what a badge looks like, to re-render every badge.
DESIGN_VERSION = "1"

# Name sizes (pt) the stylesheet defines as .name-0 ... .name-7.
NAME_SIZES = (30, 26, 22, 19, 16, 14, 12, 10)
# Width (pt) the name may take on each badge size, and how many lines.
NAME_WIDTH = {BadgeSettings.Size.A6: 250, BadgeSettings.Size.CARD: 190}
NAME_LINES = 2

CATEGORY_CLASSES = {"delegate", "speaker", "partner", "staff"}


def _char_em(ch: str) -> float:
    """Rough advance of a character in bold sans, in em."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch.isupper() or ch in "mwMW@":
        return 0.72
    if ch.isspace():
        return 0.28
    return 0.58


def name_size_class(name: str, *, size: str = BadgeSettings.Size.A6) -> int:
    """Index into NAME_SIZES of the largest size at which ``name`` fits.

    The longest word must fit on one line and the whole name on ``NAME_LINES``.
    """
    width = NAME_WIDTH.get(size, NAME_WIDTH[BadgeSettings.Size.A6])
    words = name.split() or [""]
    longest = max(sum(_char_em(c) for c in w) for w in words)
    total = sum(_char_em(c) for c in name)
    for index, points in enumerate(NAME_SIZES):
        if longest * points <= width and total * points <= width * NAME_LINES * 0.85:
            return index
    return len(NAME_SIZES) - 1


def _date_range(start, end) -> str:
    if start == end:
        return date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"


def _clock(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def _pdf() -> ModuleType:
    """``socex.pdf``, loaded on the first render: it imports WeasyPrint, which app
    start-up (web processes, the services importing this module) should not pay."""
    from socex import pdf  # noqa: PLC0415  WeasyPrint loads on first render only

    return pdf


def workshop_lines(rows: Iterable[dict]) -> list[dict]:
    """The back of the badge, as printed: one registration's rows from
    ``selectors.badge_workshops`` (already in time order)."""
    lines = []
    for row in rows:
        starts, ends = row.get("starts_at"), row.get("ends_at")
        lines.append(
            {
                "day": date_format(timezone.localtime(starts), "D j M")
                if starts
                else "",
                "time": f"{_clock(starts)}–{_clock(ends)}" if starts else "",
                "title": str(row.get("title") or ""),
                "room": row.get("room") or "",
            }
        )
    return lines


def _edition_badge_size(edition) -> str:
    try:
        return edition.badge_settings.size
    except BadgeSettings.DoesNotExist:
        return BadgeSettings.Size.A6


def badge_contents(registrations: Sequence) -> list[dict]:
    """``badge_content`` of each registration, asking the apps above for the
    workshop lines once for all of them (a print chunk costs the same few queries
    whatever its size)."""
    registrations = list(registrations)
    workshops = selectors.badge_workshops(registrations=registrations)
    return [
        badge_content(registration, workshops=workshops[registration.pk])
        for registration in registrations
    ]


def print_chunk_contents(registration_ids: Sequence[int]) -> list[dict]:
    """What a print job's chunk prints: these registrations' badges, in this order
    (those gone since the job was made are left out)."""
    by_id = {r.pk: r for r in selectors.badge_registrations(ids=registration_ids)}
    return badge_contents([by_id[pk] for pk in registration_ids if pk in by_id])


def badge_content(registration, *, workshops: list[dict] | None = None) -> dict:
    """Everything printed on one badge, as plain data (hashed to skip re-renders).

    The registration needs ``badge`` (for the token), ``user.profile`` and
    ``edition.series``/``venue``; select them related when rendering many, and use
    ``badge_contents``. ``workshops``: this registration's rows from
    ``selectors.badge_workshops`` (asked for here when not given).
    """
    if workshops is None:
        workshops = selectors.badge_workshops(registrations=[registration])[
            registration.pk
        ]
    user = registration.user
    profile = getattr(user, "profile", None)
    edition = registration.edition
    size = _edition_badge_size(edition)
    if profile is not None:
        name = profile.name_on_badge
        rank = " ".join(filter(None, [profile.title_rank, profile.post_nominals]))
        organisation = profile.organisation
        job_title = profile.job_title
    else:
        name = user.get_full_name() or user.email.split("@")[0]
        rank = organisation = job_title = ""
    category = registration.category
    venue = edition.venue
    return {
        "design": DESIGN_VERSION,
        "size": size,
        "series": edition.series.short_name or edition.series.name,
        "edition": edition.title,
        "dates": _date_range(edition.start_date, edition.end_date),
        "venue": venue.name if venue else "",
        "name": name,
        "name_class": name_size_class(name, size=size),
        "rank": rank,
        "job_title": job_title,
        "organisation": organisation,
        "category": category if category in CATEGORY_CLASSES else "delegate",
        "category_label": str(registration.get_category_display()),
        "token": token_for(registration.badge.key),
        "qr": registration.badge.qr or qr_data_uri(token_for(registration.badge.key)),
        "workshops": workshop_lines(workshops),
    }


def content_hash(content: dict) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def qr_data_uri(token: str) -> str:
    """The token as a QR code: a PNG one pixel per module, with a 2-module border."""
    return segno.make(token, error="m", micro=False).png_data_uri(scale=1, border=2)


def _stylesheets(size: str, layout: str):
    names = ["css/badge.css"]
    if layout == BadgePrintJob.Layout.SHEET:
        names.append("css/badge-sheet.css")
    elif size == BadgeSettings.Size.CARD:
        names.append("css/badge-card.css")
    else:
        names.append("css/badge-a6.css")
    return [_pdf().static_stylesheet(name) for name in names]


def _sheets(entries: list[dict]) -> list[dict]:
    """Groups of four: fronts in reading order, then backs with each row's columns
    swapped, so that after a long-edge duplex flip every back lands on its front."""
    sheets = []
    for start in range(0, len(entries), 4):
        group = entries[start : start + 4] + [None] * (4 - len(entries[start:]))
        group = group[:4]
        sheets.append(
            {"fronts": group, "backs": [group[1], group[0], group[3], group[2]]}
        )
    return sheets


def badges_html(
    contents: Sequence[dict], *, layout: str = BadgePrintJob.Layout.SINGLE
) -> str:
    entries = list(contents)
    size = entries[0]["size"] if entries else BadgeSettings.Size.A6
    return render_to_string(
        "delegates/badges/document.html",
        {
            "entries": entries,
            "sheets": _sheets(entries) if layout == BadgePrintJob.Layout.SHEET else [],
            "layout": layout,
            "size": size,
        },
    )


def badges_pdf(
    contents: Sequence[dict],
    *,
    layout: str = BadgePrintJob.Layout.SINGLE,
    fetcher: "SafeURLFetcher | None" = None,
) -> bytes:
    """One PDF of these badges (front then back for each), through the safe fetcher."""
    if layout == BadgePrintJob.Layout.SHEET and any(
        content["size"] != BadgeSettings.Size.A6 for content in contents
    ):
        layout = BadgePrintJob.Layout.SINGLE
    size = contents[0]["size"] if contents else BadgeSettings.Size.A6
    return _pdf().html_to_pdf(
        badges_html(contents, layout=layout),
        stylesheets=_stylesheets(size, layout),
        fetcher=fetcher,
        user_agent_stylesheet=_pdf().static_stylesheet("css/badge-ua.css"),
    )


def pdfs_join(parts: Sequence[bytes]) -> bytes:
    """One PDF of ``parts``, in order (the chunks of a print job)."""
    return _pdf().join_pdfs(parts)
