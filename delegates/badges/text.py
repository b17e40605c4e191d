"""Text on a drawn badge: cleaning, font fallback, bidi, shaping, wrapping.

What is drawn is the text as typed: nothing in it is markup, and nothing is
fetched. Control and format characters (bidi overrides, soft hyphens, NUL) are
dropped, white space becomes single spaces, and a character no installed font
has (most emoji) is left out. Each run of characters takes the first font of
its chain that has them (``fonts.Chain``); runs in complex scripts (Arabic,
Hebrew, Devanagari, Thai...) and right-to-left runs are shaped with HarfBuzz;
Latin, Greek, Cyrillic and CJK are drawn as they are, without ligatures, so the
extracted text is the text typed. Lines break at spaces and between CJK
characters, and a word longer than the line breaks anywhere between its
characters. A paragraph with more lines than its box holds ends in an ellipsis.
"""

import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import uharfbuzz as hb
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

from . import fonts

ELLIPSIS = "…"
_KEEP_FORMAT = {"\u200c", "\u200d"}  # joiners shape Arabic and Indic text
_NO_BREAK_BEFORE = {"\u200c", "\u200d", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True)
class Style:
    size: float
    bold: bool = False
    chain: str = "body"
    char_space: float = 0.0
    color: str = "#111111"

    @property
    def fonts(self) -> fonts.Chain:
        return fonts.chain(self.chain, bold=self.bold)


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """The printable text: NFC, controls and format characters out, white space
    as single spaces."""
    out = []
    for char in unicodedata.normalize("NFC", str(text)):
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zl", "Zp"):
            char = " "
        elif category in ("Cc", "Cs", "Co", "Cn") or (
            category == "Cf" and char not in _KEEP_FORMAT
        ):
            continue
        if char == " " and (not out or out[-1] == " "):
            continue
        out.append(char)
    return "".join(out).strip()


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") and char.isalpha()


def _boundary(text: str, k: int) -> bool:
    """May a line break, or an ellipsis cut, fall before ``text[k]``?"""
    if k <= 0 or k >= len(text):
        return True
    char = text[k]
    return not (
        unicodedata.category(char)[0] == "M"
        or char in _NO_BREAK_BEFORE
        or text[k - 1] == "\u200d"
    )


# --- fonts per character, and bidi levels --------------------------------------


def _faces(text: str, style: Style) -> list:
    """The face drawing each character (None: no font has it; left out).
    Spaces, punctuation and marks keep the face of the text before them."""
    chain = style.fonts
    faces = []
    previous = None
    for char in text:
        if previous is not None and fonts.is_neutral(char) and previous.covers(char):
            face = previous
        else:
            face = chain.face_for(char)
            if face is not None and not face.shaped and char in _KEEP_FORMAT:
                face = None  # a joiner means nothing to an unshaped font
        faces.append(face)
        if face is not None:
            previous = face
    return faces


def _levels(text: str) -> list[int] | None:
    """Bidi embedding levels (a small part of UAX #9, enough for names: base
    direction from the first strong character, numbers left to right, neutrals
    between two runs of one direction take it). None: all left to right."""
    kinds = [unicodedata.bidirectional(c) for c in text]
    if not any(k in ("R", "AL") for k in kinds):
        return None
    base = 0
    for kind in kinds:
        if kind == "L":
            break
        if kind in ("R", "AL"):
            base = 1
            break
    strong: list[int | None] = []
    last = base
    for kind in kinds:
        if kind == "L":
            last = 0
            strong.append(0)
        elif kind in ("R", "AL"):
            last = 1
            strong.append(1)
        elif kind in ("EN", "AN"):
            strong.append(2 if (base == 1 or last == 1 or kind == "AN") else 0)
        else:
            strong.append(None)
    levels = []
    for i, level in enumerate(strong):
        if level is None:
            # Numbers (level 2) count as right to left around a neutral.
            earlier = (s for s in reversed(strong[:i]) if s is not None)
            later = (s for s in strong[i + 1 :] if s is not None)
            before, after = bool(next(earlier, base)), bool(next(later, base))
            level = int(before) if before == after else base
        if base == 1 and level == 0:
            level = 2
        levels.append(level)
    return levels


# --- shaping and measuring ------------------------------------------------------


@lru_cache(maxsize=8192)
def _shaped(text: str, face: fonts.Face, rtl: bool) -> tuple[ShapedStr, float]:
    """``text`` shaped in ``face``: the string of codes reportlab draws, with its
    glyph positions, and its advance per 1000 pt of font size."""
    font = face.font
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_GRAPHEMES
    hb.shape(face.hb_font, buf, {"kern": True, "liga": True})
    clusters = sorted({info.cluster for info in buf.glyph_infos}) + [len(text)]
    ends = dict(zip(clusters, clusters[1:], strict=False))
    codes, data, seen, advance = [], [], set(), 0.0
    scale = font.face._pdfScale
    with font.lock:
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            cluster = info.cluster
            cluster_text = "" if cluster in seen else text[cluster : ends[cluster]]
            seen.add(cluster)
            code = font.code_for(info.codepoint, cluster_text)
            if code is None:
                continue
            x_advance = scale(pos.x_advance)
            codes.append(chr(code))
            data.append(
                ShapeData(
                    cluster,
                    x_advance,
                    scale(pos.y_advance),
                    scale(pos.x_offset),
                    scale(pos.y_offset),
                    font.face.charWidths[code],
                )
            )
            advance += x_advance
    return ShapedStr("".join(codes), shapeData=data), advance


@dataclass
class Run:
    text: str
    style: Style
    face: fonts.Face
    level: int

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1

    @property
    def shaped(self) -> bool:
        return _is_shaped(self.face, self.rtl)

    def width(self) -> float:
        return _run_width(self.text, self.style, self.face, self.rtl)

    def payload(self):
        """What reportlab draws: the text, or its shaped codes."""
        if self.shaped:
            return _shaped(self.text, self.face, self.rtl)[0]
        return _visual(self.text) if self.rtl else self.text


def _is_shaped(face: fonts.Face, rtl: bool) -> bool:
    # A CFF face (CJK) is never shaped: HarfBuzz is given TrueType faces only.
    # It can still hold a right-to-left run: a space or stop between CJK and
    # Arabic or Hebrew.
    return (face.shaped or rtl) and not face.cff


def _visual(text: str) -> str:
    """A right-to-left run drawn unshaped: its characters in reverse, each
    keeping its marks after it."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.category(char)[0] == "M":
            clusters[-1] += char
        else:
            clusters.append(char)
    return "".join(reversed(clusters))


@lru_cache(maxsize=8192)
def _run_width(text: str, style: Style, face: fonts.Face, rtl: bool) -> float:
    if _is_shaped(face, rtl):
        width = _shaped(text, face, rtl)[1] * style.size / 1000
    else:
        width = face.width(text, style.size)
    return width + style.char_space * len(text)


def _runs(text: str, style: Style, levels: list[int] | None = None) -> list[Run]:
    """``text`` (one style) cut where its face or bidi level changes."""
    chain = style.fonts
    if levels is None and set(text) <= chain.primary_chars:
        return [Run(text, style, chain.primary, 0)]  # most text: one font, LTR
    runs: list[Run] = []
    for i, (char, face) in enumerate(zip(text, _faces(text, style), strict=True)):
        if face is None:
            continue
        level = levels[i] if levels else 0
        last = runs[-1] if runs else None
        if last is not None and last.face is face and last.level == level:
            last.text += char
        else:
            runs.append(Run(char, style, face, level))
    return runs


@lru_cache(maxsize=8192)
def _run_ink(text: str, face: fonts.Face, rtl: bool) -> tuple[float, float]:
    """The highest and lowest ink of a run, in ems above its baseline (marks
    placed by shaping included)."""
    if face.cff:
        return 0.88, -0.12  # a CJK face's ideographic em box
    font = face.font
    if _is_shaped(face, rtl):
        payload = _shaped(text, face, rtl)[0]
        shifts = [data.y_offset / 1000 for data in payload.__shapeData__]
    else:
        payload, shifts = text, [0.0] * len(text)
    per_em = 1 / face.hb_font.face.upem
    high = low = 0.0
    for code, shift in zip(payload, shifts, strict=True):
        glyph = font.face.charToGlyph.get(ord(code))
        extents = face.hb_font.get_glyph_extents(glyph) if glyph else None
        if extents is not None:
            high = max(high, extents.y_bearing * per_em + shift)
            low = min(low, (extents.y_bearing + extents.height) * per_em + shift)
    return high, low


@lru_cache(maxsize=16384)
def measure(text: str, style: Style) -> float:
    """Width (pt) of one line of ``text`` in ``style``: shaped in the direction
    it is drawn in, as a right-to-left run's joining and marks depend on it."""
    return sum(run.width() for run in _runs(text, style, _levels(text)))


# --- paragraphs ------------------------------------------------------------------


class Paragraph:
    """Styled pieces of text read as one, wrapped into lines."""

    def __init__(self, pieces):
        self.text = ""
        self.spans: list[tuple[int, int, Style]] = []
        for text, style in pieces:
            text = clean(text)
            if not text:
                continue
            if self.text:
                self.text += " "
                self.spans.append((len(self.text) - 1, len(self.text), style))
            self.spans.append((len(self.text), len(self.text) + len(text), style))
            self.text += text

    def width(self, a: int, b: int) -> float:
        total = 0.0
        for start, end, style in self.spans:
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                total += measure(self.text[lo:hi], style)
        return total

    def style_at(self, k: int) -> Style:
        for start, end, style in self.spans:
            if start <= k < end:
                return style
        return self.spans[-1][2]

    def _tokens(self) -> list[tuple[int, int]]:
        tokens, start, text = [], None, self.text
        for k, char in enumerate(text):
            if char == " ":
                if start is not None:
                    tokens.append((start, k))
                start = None
            elif _is_wide(char):
                if start is not None:
                    tokens.append((start, k))
                start = None
                end = k + 1
                while end < len(text) and not _boundary(text, end):
                    end += 1
                tokens.append((k, end))
            elif start is None and (not tokens or tokens[-1][1] <= k):
                start = k
            if char in "-/" and start is not None and start < k:
                tokens.append((start, k + 1))  # a line may break after a hyphen
                start = None
        if start is not None:
            tokens.append((start, len(text)))
        return [t for t in tokens if t[0] < t[1]]

    def _fit(self, a: int, b: int, width: float) -> int:
        """The furthest cut k in (a, b] with [a, k) within ``width`` (at least
        one character, so a line always moves on)."""
        lo, hi = a + 1, b
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.width(a, mid) <= width:
                lo = mid
            else:
                hi = mid - 1
        k = lo
        while k > a + 1 and not _boundary(self.text, k):
            k -= 1
        while k < b and not _boundary(self.text, k):
            k += 1
        return k

    def lines(self, width: float, max_lines: int) -> list["Line"]:
        """At most ``max_lines`` lines within ``width``; ``truncated`` tells
        whether the last one was cut short with an ellipsis, ``broken`` whether a
        word too long for a line was broken between two characters."""
        self.truncated = self.broken = False
        if not self.text or max_lines <= 0:
            self.truncated = bool(self.text)
            return []
        ranges: list[list[int]] = []
        for a, b in self._tokens():
            if ranges and self.width(ranges[-1][0], b) <= width:
                ranges[-1][1] = b
                continue
            while self.width(a, b) > width:
                self.broken = True
                k = self._fit(a, b, width)
                ranges.append([a, k])
                a = k
            if a < b:
                ranges.append([a, b])
        if len(ranges) <= max_lines:
            return [self._line(a, b) for a, b in ranges]
        self.truncated = True
        kept = [self._line(a, b) for a, b in ranges[: max_lines - 1]]
        return [*kept, self._ellipsized(ranges[max_lines - 1][0], width)]

    def _ellipsized(self, a: int, width: float) -> "Line":
        """The rest of the text from ``a``, cut to fit ``width`` with an ellipsis."""
        b = len(self.text)
        lo, hi = a, b
        while lo < hi:
            mid = (lo + hi + 1) // 2
            end = mid
            while end > a and self.text[end - 1] == " ":
                end -= 1
            tail = measure(ELLIPSIS, self.style_at(max(end - 1, a)))
            if self.width(a, end) + tail <= width:
                lo = mid
            else:
                hi = mid - 1
        k = lo
        while k > a and not _boundary(self.text, k):
            k -= 1
        while k > a and self.text[k - 1] == " ":
            k -= 1
        line = self._line(a, k)
        line.pieces.append((ELLIPSIS, self.style_at(max(k - 1, a))))
        return line

    def _line(self, a: int, b: int) -> "Line":
        pieces = []
        for start, end, style in self.spans:
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                if pieces and pieces[-1][1] == style:
                    pieces[-1] = (pieces[-1][0] + self.text[lo:hi], style)
                else:
                    pieces.append((self.text[lo:hi], style))
        return Line(pieces)


@dataclass
class Line:
    pieces: list[tuple[str, Style]]

    @cached_property
    def visual_runs(self) -> list[Run]:
        """The line's runs left to right as they are drawn."""
        text = "".join(t for t, _s in self.pieces)
        levels = _levels(text)
        runs: list[Run] = []
        offset = 0
        for piece, style in self.pieces:
            piece_levels = levels[offset : offset + len(piece)] if levels else None
            runs.extend(_runs(piece, style, piece_levels))
            offset += len(piece)
        if levels:
            top = max(run.level for run in runs) if runs else 0
            for level in range(top, 0, -1):
                i = 0
                while i < len(runs):
                    if runs[i].level >= level:
                        j = i
                        while j < len(runs) and runs[j].level >= level:
                            j += 1
                        runs[i:j] = reversed(runs[i:j])
                        i = j
                    else:
                        i += 1
        return runs

    def width(self) -> float:
        return sum(run.width() for run in self.visual_runs)

    def ink(self) -> tuple[float, float]:
        """How far (pt) the line's glyphs reach above and below its baseline."""
        rise = depth = 0.0
        for run in self.visual_runs:
            high, low = _run_ink(run.text, run.face, run.rtl)
            rise = max(rise, high * run.style.size)
            depth = max(depth, -low * run.style.size)
        return rise, depth

    @property
    def text(self) -> str:
        return "".join(t for t, _s in self.pieces)
