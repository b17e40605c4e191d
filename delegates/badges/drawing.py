"""The badge design, drawn with reportlab: the one place a badge's look is set.

Each size's geometry (A6 portrait, 4 × 3 inch card, and the A4 sheet of four A6
cells with cut marks) and the drawing of a front and a back from a
``rendering.badge_content`` dict. Nothing is fetched: the QR code is the PNG in
the content, text is drawn as text (``text.py``), and fonts are local files
(``fonts.py``).

Every text field stays inside its box: the name shrinks through ``NAME_SIZES``
and past the smallest ends in an ellipsis on its second line; the back's name
shrinks from 14 pt to 10 pt the same way; the series, the dates and venue, the
token and the category label are one line each, the label and token shrinking to
fit and the others cut with an ellipsis; rank (two lines), organisation (the
lines the box has left) and workshops (as many as the back holds) end in an
ellipsis when too long.
"""

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from . import text as t
from .rendering import NAME_LINES, NAME_SIZES

# Binary streams: reportlab's default ASCII85 makes them a quarter bigger and
# costs a third of the time of writing a badge out. Only badges use reportlab.
rl_config.useA85 = 0

NAVY = "#13233f"
WHITE = "#ffffff"
INK = "#111111"
BAND_COLOURS = {
    "delegate": "#1f5fa8",
    "speaker": "#b3261e",
    "partner": "#2e6b30",
    "staff": "#5b2a86",
}
BACK_NAME_SIZES = (14, 12, 10)
NO_WORKSHOPS = "Your workshops will be listed here once chosen."
WORKSHOPS_HEAD = "Your workshops"


@dataclass(frozen=True)
class Box:
    """A rectangle measured from the badge's top-left corner, in points."""

    x: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    bar: float  # the navy top bar's height
    pad: float  # left and right margin of the text
    bar_text_top: float
    series_size: float
    info_size: float
    who: Box
    who_size: float
    qr: Box
    token_x: float  # the token's left edge, or its right edge when right-aligned
    token_baseline: float  # from the top
    token_width: float
    token_size: float
    token_right: bool
    band: float
    band_size: float
    back_name_top: float
    back_name_scale: float
    workshops: Box
    ws_size: float
    ws_leading: float
    ws_head_size: float
    ws_head_gap: float
    ws_gap: float


def _a6(height: float = 148 * mm) -> Geometry:
    return Geometry(
        width=105 * mm,
        height=height,
        bar=24 * mm,
        pad=8 * mm,
        bar_text_top=5 * mm,
        series_size=11,
        info_size=9,
        who=Box(8 * mm, 32 * mm, 89 * mm, 56 * mm),
        who_size=11,
        qr=Box(8 * mm, height - 51 * mm, 29 * mm, 29 * mm),
        token_x=40 * mm,
        token_baseline=height - 23 * mm - 1.6,
        token_width=57 * mm,
        token_size=6,
        token_right=False,
        band=16 * mm,
        band_size=16,
        back_name_top=7 * mm,
        back_name_scale=1,
        workshops=Box(8 * mm, 30 * mm, 89 * mm, height - 50 * mm),
        ws_size=10,
        ws_leading=1.25,
        ws_head_size=12,
        ws_head_gap=2 * mm,
        ws_gap=2.5 * mm,
    )


A6 = _a6()
# A cell of the A4 sheet: A6 wide, half of A4 high.
SHEET_CELL = _a6(148.5 * mm)
SHEET = (210 * mm, 297 * mm)
CARD = Geometry(
    width=4 * inch,
    height=3 * inch,
    bar=0.44 * inch,
    pad=0.18 * inch,
    bar_text_top=0.1 * inch,
    series_size=9,
    info_size=7,
    who=Box(0.18 * inch, 0.6 * inch, 2.65 * inch, 1.65 * inch),
    who_size=11,
    qr=Box(2.9 * inch, 0.62 * inch, 0.95 * inch, 0.95 * inch),
    token_x=3.85 * inch,
    token_baseline=1.62 * inch + 4,
    token_width=0.95 * inch,
    token_size=4,
    token_right=True,
    band=0.4 * inch,
    band_size=13,
    back_name_top=0.14 * inch,
    back_name_scale=10 / 14,
    workshops=Box(0.18 * inch, 0.55 * inch, 3.64 * inch, 2 * inch),
    ws_size=7.5,
    ws_leading=1.15,
    ws_head_size=9,
    ws_head_gap=0.5 * mm,
    ws_gap=0.8 * mm,
)


@lru_cache(maxsize=4096)
def _wrap(pieces: tuple, width: float, max_lines: int) -> tuple[tuple, bool, bool]:
    """Lines of ``pieces`` (cached: a print run repeats its workshops), and
    whether they were cut short or a word broken."""
    paragraph = t.Paragraph(pieces)
    lines = paragraph.lines(width, max_lines)
    return tuple(lines), paragraph.truncated, paragraph.broken


def _one_line_fitting(value: str, style: t.Style, width: float) -> t.Style:
    """``style`` made smaller, if need be, so ``value`` fits on one line."""
    wide = t.measure(t.clean(value), style)
    if wide <= width:
        return style
    return t.Style(
        size=style.size * width / wide * 0.98,
        bold=style.bold,
        chain=style.chain,
        char_space=style.char_space * width / wide * 0.98,
        color=style.color,
    )


class Page:
    """One PDF page: what is drawn on it, in order, before it is written out."""

    def __init__(self, width: float, height: float):
        self.width = width
        self.height = height
        self.ops: list[tuple] = []

    def rect(self, x, top, width, height, colour) -> None:
        self.ops.append(("rect", x, self.height - top - height, width, height, colour))

    def image(self, reader, box: Box, ox: float, oy: float) -> None:
        y = self.height - oy - box.top - box.height
        self.ops.append(("image", ox + box.x, y, box.width, box.height, reader))

    def line(self, line: t.Line, x: float, baseline: float, width: float, align):
        runs = line.visual_runs
        total = sum(run.width() for run in runs)
        if align == "centre":
            x += (width - total) / 2
        elif align == "right":
            x += width - total
        y = self.height - baseline
        for run in runs:
            self.ops.append(("text", x, y, run))
            x += run.width()

    def paragraph(
        self, pieces, box_x, top, width, leading, max_lines, align="left", clear=False
    ) -> tuple[float, bool]:
        """Draws wrapped lines from ``top``; returns where they end and whether
        the text was cut short. With ``clear``, a line whose glyphs reach further
        than ``leading`` allows (Arabic below the line) pushes the next line, and
        the end, down to keep clear of it."""
        lines, truncated, _broken = _wrap(tuple(pieces), width, max_lines)
        baseline = top + leading * 0.8
        end = top + leading * len(lines)
        for i, line in enumerate(lines):
            if clear and i:
                below = lines[i - 1].ink()[1] + line.ink()[0] + 0.05 * leading
                baseline += max(0.0, below - leading)
            self.line(line, box_x, baseline, width, align)
            baseline += leading
        if clear and lines:
            # Past the deepest glyph: the next text's capitals start a little
            # below where this ends.
            last = baseline - leading
            end = last + max(0.2 * leading, lines[-1].ink()[1])
        return end, truncated


class Cell:
    """A badge's place on a page: the page, its geometry and its offset."""

    def __init__(self, page: Page, geometry: Geometry, ox: float = 0, oy: float = 0):
        self.page, self.g, self.ox, self.oy = page, geometry, ox, oy

    def rect(self, x, top, width, height, colour):
        self.page.rect(self.ox + x, self.oy + top, width, height, colour)

    def paragraph(
        self, pieces, box_x, top, width, leading, max_lines, align="left", clear=False
    ):
        end, truncated = self.page.paragraph(
            pieces,
            self.ox + box_x,
            self.oy + top,
            width,
            leading,
            max_lines,
            align,
            clear,
        )
        return end - self.oy, truncated


def _name_size(name: str, sizes, width: float, lines) -> tuple[float, int]:
    """The largest of ``sizes`` at which ``name`` takes at most ``lines(size)``
    lines without breaking a word; failing that, the largest at which it takes
    them with words broken; failing that the smallest, cut with an ellipsis.
    Returns the size and its number of lines."""
    fits = []
    for size in sizes:
        _lines, truncated, broken = _wrap(
            ((name, t.Style(size, bold=True)),), width, lines(size)
        )
        if not truncated and not broken:
            return size, lines(size)
        if not truncated:
            fits.append(size)
    size = fits[0] if fits else sizes[-1]
    return size, lines(size)


def draw_front(cell: Cell, content: dict) -> None:
    g = cell.g
    inner = g.width - 2 * g.pad
    cell.rect(0, 0, g.width, g.bar, NAVY)
    series = t.Style(g.series_size, bold=True, color=WHITE)
    info = t.Style(g.info_size, color=WHITE)
    top = g.bar_text_top
    top, _ = cell.paragraph(
        [(content["series"], series)], g.pad, top, inner, g.series_size * 1.2, 1
    )
    where = " · ".join(filter(None, [content["dates"], content["venue"]]))
    cell.paragraph([(where, info)], g.pad, top, inner, g.info_size * 1.2, 1)

    who = g.who
    start = min(int(content.get("name_class") or 0), len(NAME_SIZES) - 1)
    size, _lines = _name_size(
        content["name"], NAME_SIZES[start:], who.width, lambda size: NAME_LINES
    )
    name = t.Style(size, bold=True)
    top, _ = cell.paragraph(
        [(content["name"], name)],
        who.x,
        who.top,
        who.width,
        size * 1.08,
        NAME_LINES,
        clear=True,
    )
    body = t.Style(g.who_size)
    leading = g.who_size * 1.3
    room = lambda top: int((who.top + who.height - top) // leading)  # noqa: E731
    if content.get("rank"):
        top, _ = cell.paragraph(
            [(content["rank"], body)], who.x, top, who.width, leading, min(2, room(top))
        )
    if content.get("organisation"):
        cell.paragraph(
            [(content["organisation"], body)],
            who.x,
            top,
            who.width,
            leading,
            room(top),
        )

    qr = _qr_image(content.get("qr") or "")
    if qr is not None:
        cell.page.image(qr, g.qr, cell.ox, cell.oy)
    token = _one_line_fitting(
        content["token"], t.Style(g.token_size, chain="mono"), g.token_width
    )
    token_x = g.token_x - g.token_width if g.token_right else g.token_x
    cell.paragraph(
        [(content["token"], token)],
        token_x,
        g.token_baseline - token.size,
        g.token_width,
        token.size * 1.25,
        1,
        "right" if g.token_right else "left",
    )

    cell.rect(0, g.height - g.band, g.width, g.band, colour_of(content))
    label = _one_line_fitting(
        str(content.get("category_label") or "").upper(),
        t.Style(g.band_size, bold=True, color=WHITE, char_space=1),
        inner,
    )
    cell.paragraph(
        [(str(content.get("category_label") or "").upper(), label)],
        g.pad,
        g.height - g.band / 2 + label.size * 0.36 - label.size * 1.25 * 0.8,
        inner,
        label.size * 1.25,
        1,
        "centre",
    )


def draw_back(cell: Cell, content: dict) -> None:
    g = cell.g
    inner = g.width - 2 * g.pad
    cell.rect(0, 0, g.width, g.bar, NAVY)
    sizes = tuple(s * g.back_name_scale for s in BACK_NAME_SIZES)
    # Two lines where the bar has room for them (on a card, only when smaller).
    room = g.bar - g.back_name_top - 0.1 * g.back_name_top
    size, lines = _name_size(
        content["name"], sizes, inner, lambda size: min(2, int(room // (size * 1.2)))
    )
    cell.paragraph(
        [(content["name"], t.Style(size, bold=True, color=WHITE))],
        g.pad,
        g.back_name_top,
        inner,
        size * 1.2,
        lines,
    )

    box = g.workshops
    bottom = box.top + box.height
    head = t.Style(g.ws_head_size, bold=True)
    top, _ = cell.paragraph(
        [(WORKSHOPS_HEAD, head)], box.x, box.top, box.width, g.ws_head_size * 1.2, 1
    )
    top += g.ws_head_gap
    plain = t.Style(g.ws_size)
    bold = t.Style(g.ws_size, bold=True)
    leading = g.ws_size * g.ws_leading
    lines = content.get("workshops") or []
    if not lines:
        cell.paragraph([(NO_WORKSHOPS, plain)], box.x, top, box.width, leading, 3)
    for line in lines:
        room = int((bottom - top) // leading)
        if room <= 0:
            break
        when = " ".join(filter(None, [line.get("day"), line.get("time")]))
        where = " · ".join(filter(None, [when, line.get("room")]))
        top, _truncated = cell.paragraph(
            [(where, bold), (line.get("title") or "", plain)],
            box.x,
            top,
            box.width,
            leading,
            room,
        )
        top += g.ws_gap
    cell.rect(0, g.height - g.band, g.width, g.band, colour_of(content))


def colour_of(content: dict) -> str:
    return BAND_COLOURS.get(content.get("category"), BAND_COLOURS["delegate"])


def _qr_image(data_uri: str) -> ImageReader | None:
    """The stored QR PNG (one pixel a module); drawn scaled, without smoothing
    (a PDF image interpolates only when asked to)."""
    if not data_uri.startswith("data:image/png;base64,"):
        return None
    raw = base64.b64decode(data_uri.partition(",")[2])
    return ImageReader(Image.open(io.BytesIO(raw)).convert("L"))


def _crop_marks(page: Page) -> None:
    width, height = page.width, page.height
    page.rect(width / 2 - 0.1 * mm, 0, 0.2 * mm, 9 * mm, "#000000")
    page.rect(width / 2 - 0.1 * mm, height - 9 * mm, 0.2 * mm, 9 * mm, "#000000")
    page.rect(0, height / 2 - 0.1 * mm, 9 * mm, 0.2 * mm, "#000000")
    page.rect(width - 9 * mm, height / 2 - 0.1 * mm, 9 * mm, 0.2 * mm, "#000000")


def pages_single(contents: Sequence[dict]) -> list[Page]:
    """A front page and a back page for each badge, in its edition's size."""
    pages = []
    for content in contents:
        geometry = CARD if content.get("size") == "card" else A6
        for draw in (draw_front, draw_back):
            page = Page(geometry.width, geometry.height)
            draw(Cell(page, geometry), content)
            pages.append(page)
    return pages


def pages_sheet(sheets: Sequence[dict]) -> list[Page]:
    """``rendering._sheets`` groups on A4: a page of four fronts, then a page of
    their backs (mirrored by ``_sheets``), each with cut marks."""
    pages = []
    origins = [(0, 0), (105 * mm, 0), (0, 148.5 * mm), (105 * mm, 148.5 * mm)]
    for sheet in sheets:
        for side, draw in (("fronts", draw_front), ("backs", draw_back)):
            page = Page(*SHEET)
            for (ox, oy), content in zip(origins, sheet[side], strict=True):
                if content is not None:
                    draw(Cell(page, SHEET_CELL, ox, oy), content)
            _crop_marks(page)
            pages.append(page)
    return pages


def write_pdf(pages: Sequence[Page], *, title: str = "SOCEX badges") -> bytes:
    """The pages as one PDF. Fonts are embedded as subsets; a face with CFF
    outlines (CJK) gets a TrueType copy of the glyphs this document uses."""
    chars: dict = {}
    for page in pages:
        for op in page.ops:
            if op[0] == "text" and op[3].face.cff:
                chars.setdefault(op[3].face, set()).update(op[3].text)
    document_fonts = {
        face: face.document_font(frozenset(used)) for face, used in chars.items()
    }

    out = io.BytesIO()
    canvas = Canvas(out, invariant=True, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("SOCEX")
    colours: dict[str, HexColor] = {}

    def colour(value: str) -> HexColor:
        if value not in colours:
            colours[value] = HexColor(value)
        return colours[value]

    for page in pages:
        canvas.setPageSize((page.width, page.height))
        fill = None
        char_space = 0.0  # each page's content stream starts with none
        for op in page.ops:
            kind = op[0]
            if kind == "text":
                _kind, x, y, run = op
                style = run.style
                if fill != style.color:
                    canvas.setFillColor(colour(style.color))
                    fill = style.color
                font = document_fonts.get(run.face) or run.face.font
                # A text object of its own, without reportlab's drawString's
                # line feed, which text extraction would read as a new line.
                text = canvas.beginText(x, y)
                text.setFont(font.fontName, style.size)
                # PDF keeps the spacing from one text object to the next: set
                # it back, or the label's spacing spreads every later badge.
                if style.char_space != char_space:
                    text.setCharSpace(style.char_space)
                    char_space = style.char_space
                text.textOut(run.payload())
                canvas.drawText(text)
            elif kind == "rect":
                _kind, x, y, width, height, value = op
                if fill != value:
                    canvas.setFillColor(colour(value))
                    fill = value
                canvas.rect(x, y, width, height, stroke=0, fill=1)
            elif kind == "image":
                _kind, x, y, width, height, reader = op
                canvas.drawImage(reader, x, y, width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
