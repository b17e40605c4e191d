"""The fonts badges are drawn in: found once per process, loaded when first needed.

Each text style draws from an ordered chain of font families (``BODY``, ``MONO``):
a character takes the first font of its chain that has a glyph for it, so a name
in Greek, Chinese, Arabic or Devanagari finds its script's font. Fonts are found
through fontconfig (one ``fc-list`` per process), or named file by file in the
``BADGE_FONTS`` setting (``{"Noto Sans Bold": "/path/NotoSans-Bold.ttf",
"Noto Sans CJK SC": "/path/NotoSansCJK-Regular.ttc#2"}``: family, " Bold" for the
bold face, and ``#index`` for a collection's subfont). A family that is not
installed is left out of its chain; no font at all for body text is an error that
says what to install.

reportlab embeds TrueType outlines only. Noto Sans CJK ships PostScript (CFF)
outlines, so each glyph is converted to TrueType with fontTools the first time a
process draws it (``Face._truetype_glyph``), and a document gets a small TrueType
font of just its characters built from those (``Face.document_font``): a few
milliseconds for a chunk that holds a CJK name, once the process has read the
collection's CFF table (about 0.2 s, the first time).
"""

import io
import itertools
import logging
import shutil
import subprocess
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import uharfbuzz as hb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

logger = logging.getLogger(__name__)
# fontTools logs each step of a subset at INFO (LOGGING says so too, for
# processes configured without it).
logging.getLogger("fontTools").setLevel(logging.WARNING)

INSTALL_HINT = (
    "apt-get install -y fontconfig fonts-noto-core fonts-noto-cjk fonts-dejavu-core, "
    "or name the files in the BADGE_FONTS setting"
)


@dataclass(frozen=True)
class Family:
    name: str
    # Complex scripts (joining, reordering, marks): shaped with HarfBuzz.
    shaped: bool = False
    # A family that has no bold face of its own lends its regular one.
    regular_only: bool = False


# The body text's chain, in order of preference.
BODY = (
    Family("Noto Sans"),
    Family("Noto Sans CJK SC"),
    Family("Noto Sans Arabic", shaped=True),
    Family("Noto Sans Hebrew", shaped=True),
    Family("Noto Sans Devanagari", shaped=True),
    Family("Noto Sans Thai", shaped=True),
    Family("Noto Sans Bengali", shaped=True),
    Family("Noto Sans Tamil", shaped=True),
    Family("Noto Sans Gurmukhi", shaped=True),
    Family("Noto Sans Gujarati", shaped=True),
    Family("Noto Sans Georgian"),
    Family("Noto Sans Armenian"),
    Family("Noto Sans Ethiopic", shaped=True),
    Family("DejaVu Sans"),
    Family("Noto Sans Symbols 2", regular_only=True),
    Family("Noto Sans Symbols"),
)
MONO = (Family("DejaVu Sans Mono"), Family("Noto Sans Mono"), *BODY)


class FontsMissing(ImproperlyConfigured):
    pass


def _key(family: str, bold: bool) -> str:
    return f"{family} Bold" if bold else family


def _fc_list() -> str:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ""
    return subprocess.run(  # noqa: S603  a fixed command, no user input
        [
            fc_list,
            "--format",
            "%{family}\t%{weight}\t%{slant}\t%{index}\t%{variable}\t%{file}\n",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout


@lru_cache(maxsize=1)
def installed() -> dict[str, tuple[str, int]]:
    """``{"Noto Sans Bold": (path, subfont index), ...}`` from fontconfig, upright
    static faces only (regular weight 50–100, bold 180 and up), then BADGE_FONTS."""
    best: dict[str, tuple[int, str, int]] = {}
    for line in _fc_list().splitlines():
        parts = line.split("\t")
        if len(parts) != 6:
            continue
        families, weight, slant, index, variable, path = parts
        try:
            weight_n, slant_n, index_n = int(float(weight)), int(slant), int(index)
        except ValueError:
            continue  # a variable font's weight range: reportlab draws no instance
        if slant_n != 0 or variable == "True" or index_n >= 0x10000:
            continue
        if 50 <= weight_n <= 100:
            bold, distance = False, abs(weight_n - 80)
        elif weight_n >= 180:
            bold, distance = True, abs(weight_n - 200)
        else:
            continue
        for family in families.split(","):
            key = _key(family.strip(), bold)
            if key not in best or distance < best[key][0]:
                best[key] = (distance, path, index_n)
    found = {key: (path, index) for key, (_d, path, index) in best.items()}
    for key, value in settings.BADGE_FONTS.items():
        path, _sep, index = str(value).partition("#")
        found[key] = (path, int(index or 0))
    return found


class _TTFont(TTFont):
    """A TrueType font whose shaped glyphs extract as the text they stand for.

    A shaped glyph with no character of its own (an Arabic letter's joining form,
    a Devanagari conjunct) is given a private-use code; reportlab's ToUnicode map
    would send it to that code, ours sends it to the characters of its cluster, so
    copying or searching the PDF gives back the name as typed.
    """

    def __init__(self, name, source, subfont_index=0):
        super().__init__(name, source, subfontIndex=subfont_index, asciiReadable=False)
        self.code_text: dict[int, str] = {}
        self._glyph_codes: dict[tuple[int, str], int] = {}
        self._next_private = 0xE000
        self.lock = threading.Lock()

    def code_for(self, glyph: int, text: str) -> int | None:
        """The code to draw ``glyph`` with so that it extracts as ``text``; None
        when the private-use area is full (the caller leaves the glyph out)."""
        if len(text) == 1 and self.face.charToGlyph.get(ord(text)) == glyph:
            return ord(text)
        code = self._glyph_codes.get((glyph, text))
        if code is not None:
            return code
        face = self.face
        while self._next_private in face.charToGlyph:
            self._next_private += 1
        if self._next_private > 0xF8FF:
            return None
        code = self._next_private
        face.charToGlyph[code] = glyph
        face.glyphToChar.setdefault(glyph, []).append(code)
        face.charWidths[code] = face._pdfScale(face.hmetrics[glyph][0])
        self._glyph_codes[(glyph, text)] = code
        self.code_text[code] = text
        return code

    def addObjects(self, doc):
        state = self._assignState(doc)
        subsets = [list(subset) for subset in state.subsets]
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            base = b"".join(
                (SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)
            ).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = _to_unicode_cmap(base, subset, self.code_text)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(name: str, subset: list[int], code_text: dict[int, str]) -> str:
    """reportlab's ToUnicode CMap, with private codes mapped to their text (none,
    ``<>``, for a cluster's second glyph) and characters beyond the BMP written
    as UTF-16 (reportlab writes them short)."""
    lines = [
        f"<{i:02X}> <{_utf16_hex(code_text.get(code, chr(code)))}>"
        for i, code in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name})",
            "/Supplement 0 >> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(lines)} beginbfchar",
            *lines,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


class Face:
    """One font file (one weight of one family) as text is measured and drawn."""

    def __init__(self, key: str, path: str, index: int, family: Family):
        self.key = key
        self.path = path
        self.index = index
        self.shaped = family.shaped
        self.name = "socex-" + "".join(c for c in key if c.isalnum())
        with open(path, "rb") as fh:
            self.cff = fh.read(4) == b"OTTO" or self._collection_is_cff(fh)
        self._documents: OrderedDict[frozenset, _TTFont] = OrderedDict()
        self._glyphs: dict[str, object] = {}
        # fontTools reads a CFF face lazily, through one file: a thread converting
        # glyphs (a badge rendered in a gthread request) holds this while it does.
        self._cff_lock = threading.RLock()

    def _collection_is_cff(self, fh) -> bool:
        fh.seek(0)
        head = fh.read(12 + 4 * (self.index + 1))
        if head[:4] != b"ttcf":
            return False
        offset = int.from_bytes(head[12 + 4 * self.index : 16 + 4 * self.index])
        fh.seek(offset)
        return fh.read(4) == b"OTTO"

    @cached_property
    def font(self) -> "_TTFont | None":
        """The TrueType font reportlab draws with (None for CFF outlines)."""
        if self.cff:
            return None
        font = _TTFont(self.name, self.path, self.index)
        pdfmetrics.registerFont(font)
        return font

    @cached_property
    def hb_font(self):
        """The HarfBuzz font that shapes this face's complex-script runs."""
        return hb.Font(hb.Face(hb.Blob(self.font.face._ttf_data), self.index))

    @cached_property
    def _cff(self):
        from fontTools.ttLib import TTFont as FTFont  # noqa: PLC0415  CJK only

        return FTFont(self.path, fontNumber=self.index, lazy=True)

    @cached_property
    def cmap(self) -> dict[int, int | str]:
        if self.cff:
            with self._cff_lock:
                return self._cff.getBestCmap()
        return self.font.face.charToGlyph

    def _truetype_glyph(self, name: str):
        """One glyph of this CFF face with its outline in TrueType quadratics,
        converted on first use and kept for the process."""
        glyph = self._glyphs.get(name)
        if glyph is None:
            # fontTools loads only where a CJK name is drawn.
            from fontTools.pens.cu2quPen import Cu2QuPen  # noqa: PLC0415
            from fontTools.pens.ttGlyphPen import TTGlyphPen  # noqa: PLC0415

            with self._cff_lock:
                glyph_set = self._cff.getGlyphSet()
                pen = TTGlyphPen(glyph_set)
                glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
                glyph = self._glyphs[name] = pen.glyph()
        return glyph

    @cached_property
    def _cff_widths(self) -> tuple[dict, float]:
        with self._cff_lock:
            return self._cff["hmtx"].metrics, 1000 / self._cff["head"].unitsPerEm

    def covers(self, char: str) -> bool:
        return ord(char) in self.cmap

    def width(self, text: str, size: float) -> float:
        if not self.cff:
            return self.font.stringWidth(text, size)
        metrics, scale = self._cff_widths
        cmap = self.cmap
        return (
            sum(metrics[cmap[ord(c)]][0] for c in text if ord(c) in cmap)
            * scale
            * size
            / 1000
        )

    def document_font(self, chars: frozenset[str]) -> _TTFont:
        """The font to draw ``chars`` with in one document: this face itself, or
        for CFF outlines a TrueType copy of just those glyphs."""
        if not self.cff:
            return self.font
        with self._cff_lock:
            font = self._documents.get(chars)
            if font is None:
                font = _TTFont(
                    f"{self.name}-{len(self._documents)}-{abs(hash(chars)):x}",
                    io.BytesIO(_truetype_subset(self, chars, serial=next(_serials))),
                )
                pdfmetrics.registerFont(font)
                self._documents[chars] = font
                if len(self._documents) > 32:
                    _old, evicted = self._documents.popitem(last=False)
                    evicted.unregister()
            self._documents.move_to_end(chars)
            return font


_serials = itertools.count(1)


def _truetype_subset(face: "Face", chars: frozenset[str], *, serial: int) -> bytes:
    """``chars`` of a CFF-outline face, as a small TrueType font built from scratch:
    each glyph is converted once per process (``Face._truetype_glyph``), so a
    document with a CJK name costs a few milliseconds, not a subset of the whole
    20 MB collection. ``serial`` makes the PostScript name unique: reportlab knows
    a font's glyphs by that name, so two copies sharing it would draw the second
    one's new characters as missing glyphs."""
    # fontTools loads only where a CJK name is drawn.
    from fontTools.fontBuilder import FontBuilder  # noqa: PLC0415

    source = face._cff
    cmap = face.cmap
    mapping = {ord(c): cmap[ord(c)] for c in sorted(chars) if ord(c) in cmap}
    order = [".notdef", *dict.fromkeys(name for name in mapping.values())]
    metrics = source["hmtx"].metrics
    hhea, os2 = source["hhea"], source["OS/2"]
    builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    builder.setupGlyf({name: face._truetype_glyph(name) for name in order})
    builder.setupHorizontalMetrics({name: metrics[name] for name in order})
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    family = source["name"].getDebugName(1) or "Badge CJK"
    style = source["name"].getDebugName(2) or "Regular"
    builder.setupNameTable(
        {
            "familyName": family,
            "styleName": style,
            "psName": "{}-{}".format(
                source["name"].getDebugName(6) or f"{family}-{style}".replace(" ", ""),
                serial,
            ),
        }
    )
    builder.setupOS2(
        fsType=0,
        sTypoAscender=os2.sTypoAscender,
        sTypoDescender=os2.sTypoDescender,
        sTypoLineGap=os2.sTypoLineGap,
        usWinAscent=os2.usWinAscent,
        usWinDescent=os2.usWinDescent,
        sxHeight=getattr(os2, "sxHeight", 0),
        sCapHeight=getattr(os2, "sCapHeight", 0),
        usWeightClass=os2.usWeightClass,
    )
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


# Characters that take the font of the text around them rather than choosing
# their own: spaces, punctuation, marks, joiners.
def is_neutral(char: str) -> bool:
    return unicodedata.category(char)[0] in "ZPM" or char in "\u200c\u200d\ufe0f"


class Chain:
    """A style's fonts in order, and which one draws each character."""

    def __init__(self, families: tuple[Family, ...], bold: bool):
        self.families = families
        self.bold = bold
        self._for_char: dict[str, Face | None] = {}

    @cached_property
    def faces(self) -> list[Face]:
        found = installed()
        faces = []
        for family in self.families:
            key = _key(family.name, self.bold)
            if key not in found and (family.regular_only or self.bold):
                key = _key(family.name, False) if family.regular_only else key
            if key in found:
                path, index = found[key]
                faces.append(_face(key, path, index, family))
            else:
                logger.info("Badge font %s not installed: its script falls back", key)
        if not faces:
            wanted = ", ".join(_key(f.name, self.bold) for f in self.families[:2])
            raise FontsMissing(
                f"No font to draw badges with ({wanted} not found): {INSTALL_HINT}."
            )
        return faces

    @property
    def primary(self) -> Face:
        return self.faces[0]

    @cached_property
    def primary_chars(self) -> frozenset[str]:
        """What the first font draws alone, unshaped (joiners need shaping)."""
        if self.primary.shaped:
            return frozenset()
        return frozenset(map(chr, self.primary.cmap)) - {"\u200c", "\u200d"}

    def face_for(self, char: str) -> "Face | None":
        try:
            return self._for_char[char]
        except KeyError:
            pass
        code = ord(char)
        face = next((f for f in self.faces if code in f.cmap), None)
        self._for_char[char] = face
        return face


@lru_cache(maxsize=64)
def _face(key: str, path: str, index: int, family: Family) -> Face:
    if not Path(path).is_file():
        raise FontsMissing(f"Badge font {key} not found at {path}: {INSTALL_HINT}.")
    return Face(key, path, index, family)


@lru_cache(maxsize=8)
def chain(name: str, *, bold: bool = False) -> Chain:
    """The chain of a style, one per process: "body" or "mono"."""
    return Chain({"body": BODY, "mono": MONO}[name], bold)


def reset() -> None:
    """Look for the fonts again (after BADGE_FONTS changes, in tests). A font
    file already loaded stays loaded: text laid out with it stays drawable."""
    installed.cache_clear()
    chain.cache_clear()
