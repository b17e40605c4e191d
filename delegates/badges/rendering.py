"""From registrations to badge PDFs: what is printed, and how it is laid out.

Pure reads, no writes. ``badge_content`` is everything printed on a badge, as
plain data (hashed, so an unchanged badge is not drawn again); ``drawing.py`` draws
it with reportlab, the design's one home. Kept cheap on purpose, because an edition
prints hundreds at once: the QR code is a tiny PNG data URI (one module a pixel,
drawn scaled without smoothing), and the name's starting size is chosen here from
its length.
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import ModuleType

import segno
from django.utils import timezone
from django.utils.formats import date_format

from . import selectors
from .models import BadgePrintJob, BadgeSettings
from .tokens import token_for

# Bump when the drawing changes what a badge looks like, to re-render every badge.
DESIGN_VERSION = "3"

# Name sizes (pt), largest first: the drawing starts at NAME_SIZES[name_class]
# and goes smaller if the name still takes more than NAME_LINES lines.
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


def _drawing() -> ModuleType:
    """``drawing``, loaded on the first render: it imports reportlab and the
    fonts, which app start-up (web processes, the services importing this module)
    should not pay."""
    from . import drawing  # noqa: PLC0415  reportlab loads on first render only

    return drawing


def badges_pdf(
    contents: Sequence[dict], *, layout: str = BadgePrintJob.Layout.SINGLE
) -> bytes:
    """One PDF of these badges: front then back for each, or with the ``sheet``
    layout four A6 fronts to an A4 page followed by their mirrored backs (badges
    of another size print one a page). Drawn from the content alone: nothing is
    fetched, and every piece of text is printed as text, literally."""
    contents = list(contents)
    drawing = _drawing()
    if layout == BadgePrintJob.Layout.SHEET and all(
        content["size"] == BadgeSettings.Size.A6 for content in contents
    ):
        pages = drawing.pages_sheet(_sheets(contents))
    else:
        pages = drawing.pages_single(contents)
    return drawing.write_pdf(pages)


def pdfs_join(parts: Sequence[bytes]) -> bytes:
    """One PDF of ``parts``, in order (the chunks of a print job)."""
    from socex.pdf import join_pdfs  # noqa: PLC0415  pypdf loads only to join

    return join_pdfs(parts)
