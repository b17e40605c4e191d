"""The drawn badge: names in any script, hostile and oversized text, the boxes."""

import io
import threading

import pytest
from pypdf import PdfReader

from delegates.badges import drawing, fonts, rendering
from delegates.badges import text as t
from delegates.badges.models import BadgePrintJob

from .conftest import pdf_text, shown_text_states

TOKEN = "ABCDEFGHIJKLMNOP-QRSTUVWXYZ234567"


def content(**fields) -> dict:
    """A badge's content as ``rendering.badge_content`` makes it."""
    name = fields.pop("name", "Priya Raman")
    return {
        "design": rendering.DESIGN_VERSION,
        "size": "a6",
        "series": "SOCEX Economic Crime",
        "edition": "Economic Crime Conference 2027",
        "dates": "17–18 November 2027",
        "venue": "Crowne Plaza",
        "name": name,
        "name_class": rendering.name_size_class(name),
        "rank": "DCI",
        "job_title": "",
        "organisation": "National Crime Agency",
        "category": "delegate",
        "category_label": "Delegate",
        "token": TOKEN,
        "qr": rendering.qr_data_uri(TOKEN),
        "workshops": [
            {
                "day": "Thu 18 Nov",
                "time": "09:00–10:00",
                "title": "Cryptoassets and money laundering",
                "room": "Suite 1",
            }
        ],
        **fields,
    }


def runs(pages):
    """Every text run drawn, with its page, left edge and baseline."""
    return [
        (page, op[1], op[2], op[3])
        for page in pages
        for op in page.ops
        if op[0] == "text"
    ]


def assert_drawn_with_glyphs(pages):
    """No character is drawn as .notdef: every run's font has its glyphs."""
    for _page, _x, _y, run in runs(pages):
        if run.face.cff:
            assert all(run.face.covers(c) for c in run.text), run.text
        else:
            glyphs = run.face.font.face.charToGlyph
            assert all(glyphs.get(ord(c), 0) != 0 for c in run.payload()), run.text


def faces_of(pages, char: str) -> set[str]:
    """The fonts of the bold runs (the name's) drawing ``char``."""
    return {
        run.face.key
        for *_rest, run in runs(pages)
        if char in run.text and run.style.bold
    }


def test_names_in_arabic_devanagari_and_hebrew_are_shaped_and_extract_as_typed():
    names = ["محمد بن عبد الله", "राहुल शर्मा", "דוד לוי", "สมชาย ใจดี"]
    contents = [content(name=name) for name in names]

    pages = drawing.pages_single(contents)
    text = pdf_text(drawing.write_pdf(pages))

    for index, name in enumerate(names):
        assert name in text[2 * index]  # front
        assert name in text[2 * index + 1]  # back
    assert faces_of(pages, "م") == {"Noto Sans Arabic Bold"}
    assert faces_of(pages, "र") == {"Noto Sans Devanagari Bold"}
    assert faces_of(pages, "ד") == {"Noto Sans Hebrew Bold"}
    assert_drawn_with_glyphs(pages)


def test_mixed_latin_and_cjk_name_takes_each_run_from_a_font_with_its_glyphs():
    pages = drawing.pages_single([content(name="Li 王秀英 Smith")])

    text = pdf_text(drawing.write_pdf(pages))

    assert "Li 王秀英 Smith" in text[0]
    assert faces_of(pages, "王") == {"Noto Sans CJK SC Bold"}
    assert faces_of(pages, "m") == {"Noto Sans Bold"}
    assert_drawn_with_glyphs(pages)


def test_cjk_font_comes_from_its_collection_subfont():
    face = fonts.chain("body").face_for("王")

    assert face.key == "Noto Sans CJK SC"
    assert face.path.endswith(".ttc")
    assert face.index == fonts.installed()["Noto Sans CJK SC"][1]
    assert face.cff  # drawn from a TrueType copy of the glyphs a document uses
    pdf = drawing.write_pdf(drawing.pages_single([content(name="王秀英")]))
    assert b"NotoSansCJKsc" in pdf


def test_cjk_glyphs_are_converted_once_a_process_not_once_a_document(monkeypatch):
    """A print chunk holding a CJK name must not pay for subsetting the 20 MB
    collection: each glyph's outline is converted once, and a later document reuses
    it (the first chunk cost 0.5 s more than a Latin one before)."""
    face = fonts.chain("body", bold=True).face_for("张")  # names are bold
    converted = []
    original = face._truetype_glyph.__func__

    def counting(self, name):
        if name not in self._glyphs:
            converted.append(name)
        return original(self, name)

    monkeypatch.setattr(type(face), "_truetype_glyph", counting)
    face._glyphs.clear()
    face._documents.clear()

    first = pdf_text(drawing.write_pdf(drawing.pages_single([content(name="张鑫淼")])))
    after_first = len(converted)
    second = pdf_text(drawing.write_pdf(drawing.pages_single([content(name="张鑫磊")])))

    # 磊 is drawn (and extracts) from the second copy, not as a missing glyph.
    assert "张鑫淼" in first[0] and "张鑫磊" in second[0]
    assert after_first >= 3
    # Only 磊 is new (and nothing else on the badge is drawn in the CJK face).
    assert len(converted) - after_first == 1


def test_right_to_left_runs_are_laid_out_right_to_left():
    [line] = t.Paragraph([("محمد Smith", t.Style(10))]).lines(500, 1)
    runs = line.visual_runs

    assert [run.text.strip() for run in runs if run.text.strip()] == [
        "Smith",
        "محمد",
    ]
    [line] = t.Paragraph([("Dr محمد علي", t.Style(10))]).lines(500, 1)
    assert line.visual_runs[0].text.startswith("Dr")
    assert line.visual_runs[-1].rtl


def test_control_and_format_characters_are_dropped():
    name = "Ana\x00\x07 Lima\u202e\u00ad\ufeff"

    text = pdf_text(drawing.write_pdf(drawing.pages_single([content(name=name)])))

    assert "Ana Lima" in text[0]
    assert "\x00" not in text[0] and "\u202e" not in text[0]


@pytest.mark.parametrize("name", ["Sam 😀 Lee", "Sam 🧑🏽‍🚀 Lee", "🦄🦄🦄"])
def test_emoji_fall_back_or_are_left_out_without_a_crash(name):
    pages = drawing.pages_single([content(name=name)])

    text = pdf_text(drawing.write_pdf(pages))

    if "Sam" in name:
        assert "Sam" in text[0] and "Lee" in text[0]
    assert_drawn_with_glyphs(pages)


def test_empty_fields_print_nothing_in_their_place():
    badge = content(rank="", organisation="", venue="", workshops=[], name="Jo")

    text = pdf_text(rendering.badges_pdf([badge]))

    assert "Jo" in text[0]
    assert "None" not in " ".join(text)
    assert "17–18 November 2027" in text[0] and "·" not in text[0]
    assert drawing.NO_WORKSHOPS in text[1]


def test_empty_name_still_draws_a_badge():
    pdf = rendering.badges_pdf([content(name="")])

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def _inside(pages, contents, geometry):
    """Each run within the badge's text margins, and no two runs overlapping."""
    boxes = []
    # The card's token is right-aligned under its QR code, nearer the edge.
    margin = min(geometry.pad, geometry.width - geometry.token_x) - 0.5
    for page, x, y, run in runs(pages):
        width = run.width()
        assert x >= margin, run.text
        assert x + width <= page.width - margin, run.text
        boxes.append(
            (id(page), x, x + width, y - 0.2 * run.style.size, y + 0.7 * run.style.size)
        )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlaps = a[0] == b[0] and a[1] < b[2] - 0.01 and b[1] < a[2] - 0.01
            overlaps = overlaps and a[3] < b[4] - 0.01 and b[3] < a[4] - 0.01
            assert not overlaps, (a, b)


@pytest.mark.parametrize("size", ["a6", "card"])
def test_long_fields_stay_inside_their_boxes(size):
    badge = content(
        size=size,
        name="Wolfeschlegelsteinhausenbergerdorffvoralternwaren "
        "Bartholomew-Featherstonehaugh Cholmondeley-Marjoribanks Maximilian",
        rank="Detective Chief Superintendent " * 4,
        organisation="North West Regional Organised Crime Unit " * 12,
        series="Serious and Organised Crime Exchange " * 3,
        venue="The International Convention Centre, Broad Street, Birmingham",
        category_label="Partner organisation representative",
        workshops=[
            {
                "day": "Thu 18 Nov",
                "time": "09:00–10:00",
                "title": "Cryptoassets " * 12,
                "room": "Suite 1",
            }
        ]
        * 12,
    )
    geometry = drawing.CARD if size == "card" else drawing.A6

    pages = drawing.pages_single([badge])
    text = pdf_text(drawing.write_pdf(pages))

    _inside(pages, [badge], geometry)
    assert "…" in text[0]  # the organisation, cut short
    assert "Wolfeschlegel" in text[0]
    # The workshops end before the band at the bottom.
    lowest = min(y for page, _x, y, _run in runs(pages) if page is pages[1])
    assert lowest > geometry.band
    # White text (the bars' and the band's) stays on its bar or band.
    for page, _x, y, run in runs(pages):
        if run.style.color == drawing.WHITE:
            below, above = y - 0.25 * run.style.size, y + 0.75 * run.style.size
            on_bar = below >= page.height - geometry.bar
            on_band = above <= geometry.band
            assert on_bar or on_band, run.text


def test_five_hundred_character_organisation_ends_in_an_ellipsis_above_the_qr():
    badge = content(organisation="Organised Crime Partnership " * 18 + "END")

    pages = drawing.pages_single([badge])
    text = pdf_text(drawing.write_pdf(pages))

    assert len(badge["organisation"]) > 500
    assert "…" in text[0] and "END" not in text[0]
    qr_top = drawing.A6.height - drawing.A6.qr.top
    organisation = [y for _p, _x, y, run in runs(pages[:1]) if "Organised" in run.text]
    assert min(organisation) > qr_top


def test_a_word_longer_than_the_line_wraps_anywhere():
    word = "Organisationsentwicklungsbeauftragtenstellvertretung" * 2

    pages = drawing.pages_single([content(organisation=word)])
    text = pdf_text(drawing.write_pdf(pages))

    assert word in "".join(text[0].split())
    _inside(pages[:1], [], drawing.A6)


def test_sheet_draws_four_cells_and_cut_marks_on_a4(make_registration):
    contents = [content(name=f"Delegate {i}") for i in range(4)]

    pdf = rendering.badges_pdf(contents, layout=BadgePrintJob.Layout.SHEET)
    reader = PdfReader(io.BytesIO(pdf))

    assert len(reader.pages) == 2
    front, back = (page.extract_text() for page in reader.pages)
    for i in range(4):
        assert f"Delegate {i}" in front and f"Delegate {i}" in back
    # Long-edge duplex: the back's rows read right to left.
    assert back.index("Delegate 1") < back.index("Delegate 0")
    assert back.index("Delegate 3") < back.index("Delegate 2")


def test_a_missing_font_file_is_a_clear_error(settings):
    settings.BADGE_FONTS = {"Noto Sans Bold": "/nonexistent/NotoSans-Bold.ttf"}
    fonts.reset()
    try:
        with pytest.raises(fonts.FontsMissing, match="apt-get install"):
            fonts.chain("body", bold=True).faces  # noqa: B018
    finally:
        settings.BADGE_FONTS = {}
        fonts.reset()


def test_no_installed_family_is_a_clear_error():
    chain = fonts.Chain((fonts.Family("No Such Sans"),), bold=False)

    with pytest.raises(fonts.FontsMissing, match="No Such Sans"):
        chain.primary  # noqa: B018


@pytest.mark.parametrize("size", ["a6", "card"])
@pytest.mark.parametrize(
    "name",
    [
        "Bartholomew Maximilian Featherstonehaugh-Cholmondeley",
        "Wolfeschlegelsteinhausenbergerdorff Bartholomew-Featherstonehaugh",
        "王秀英 Ναταλία Σμιρνόβα محمد بن عبد الله",
    ],
)
def test_the_back_name_stays_on_its_bar(size, name):
    geometry = drawing.CARD if size == "card" else drawing.A6

    pages = drawing.pages_single([content(size=size, name=name)])

    on_back = [(y, run) for page, _x, y, run in runs(pages) if page is pages[1]]
    names = [(y, run) for y, run in on_back if run.style.color == drawing.WHITE]
    assert names
    for y, run in names:
        assert y - 0.25 * run.style.size >= geometry.height - geometry.bar, run.text


def test_the_category_labels_letter_spacing_does_not_spread_the_next_badges_text():
    """PDF keeps character spacing (Tc) from one text object to the next: the
    label's spacing must end with the label, or every later badge on an A4 sheet
    is drawn letter-spaced, wider than it was measured, and overlaps."""
    contents = [content(name=f"Delegate {i}") for i in range(4)]

    pdf = rendering.badges_pdf(contents, layout=BadgePrintJob.Layout.SHEET)
    fronts = shown_text_states(pdf)[0]

    spaced = [shown for char_space, shown in fronts if char_space]
    assert len(spaced) == 4  # the four category labels, and nothing else
    assert len(fronts) > 4 * 6


@pytest.mark.parametrize("name", ["محمد 王 علي", "שלום (王) דוד", "محمد。علي"])
def test_cjk_between_right_to_left_words_is_drawn_not_a_failed_badge(name):
    """A space or stop between CJK and Arabic or Hebrew takes the CJK font (CFF
    outlines, which HarfBuzz is not given) at a right-to-left level: drawn as it
    is, in visual order, rather than crashing the badge."""
    pages = drawing.pages_single([content(name=name)])

    text = pdf_text(drawing.write_pdf(pages))

    for word in name.replace("(", " ").replace(")", " ").replace("。", " ").split():
        assert word in text[0], word
    assert_drawn_with_glyphs(pages)
    _inside(pages[:1], [], drawing.A6)


def test_cjk_badges_drawn_in_threads_at_once_all_draw():
    """Without a broker a badge renders in the request's thread (gthread workers),
    so several CJK badges may convert glyphs at once: fontTools reads the
    collection lazily through one file, which must not be read by two at once."""
    shared = fonts.chain("body").face_for("王")
    face = fonts.Face(shared.key, shared.path, shared.index, fonts.BODY[1])
    ideographs = [chr(code) for code in range(0x4E00, 0x4E00 + 6 * 40)]
    batches = [frozenset(ideographs[k::6]) for k in range(6)]
    errors, made = [], {}
    start = threading.Barrier(len(batches))

    def build(chars):
        start.wait()
        try:
            made[chars] = face.document_font(chars)
        except Exception as exc:  # noqa: BLE001  reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=build, args=(c,)) for c in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for chars, font in made.items():
        assert all(font.face.charToGlyph.get(ord(c), 0) for c in chars)


@pytest.mark.parametrize("size", ["a6", "card"])
def test_right_to_left_text_is_measured_as_drawn_and_stays_inside(size):
    """Arabic is measured shaped right to left, as it is drawn: shaped left to
    right it measured up to a tenth narrower, and full lines ran off the badge."""
    geometry = drawing.CARD if size == "card" else drawing.A6
    badge = content(
        size=size,
        name="محمد، علي؟ " * 3,
        organisation="شرطة، دبي؟ " * 40,
        rank="(" + "محمد، علي؟ " * 6 + ")",
        workshops=[
            {"day": "", "time": "", "title": "محمد، علي؟ " * 8, "room": "غرفة، ١"}
        ],
    )

    pages = drawing.pages_single([badge])

    _inside(pages, [badge], geometry)
    text = pdf_text(drawing.write_pdf(pages))
    assert "محمد، علي؟" in text[0] and "…" in text[0]


def ink(run, y: float) -> tuple[float, float]:
    """The lowest and highest ink of a (TrueType) run drawn on baseline ``y``, from
    its glyphs' outlines as HarfBuzz measures them."""
    face, payload = run.face, run.payload()
    data = payload.__shapeData__ if run.shaped else None
    per_unit = 1000 / face.hb_font.face.upem
    low = high = 0.0
    for i, code in enumerate(payload):
        extents = face.hb_font.get_glyph_extents(face.font.face.charToGlyph[ord(code)])
        shift = data[i].y_offset if data else 0.0  # in thousandths of the size
        low = min(low, (extents.y_bearing + extents.height) * per_unit + shift)
        high = max(high, extents.y_bearing * per_unit + shift)
    return y + low * run.style.size / 1000, y + high * run.style.size / 1000


@pytest.mark.parametrize("size", ["a6", "card"])
@pytest.mark.parametrize(
    "name", ["فاطمة العلي", "أحمد بن يحيى", "محمد بن عبد الله الأنصاري", "राहुल शर्मा"]
)
def test_a_names_descenders_keep_clear_of_the_rank_below(size, name):
    """Arabic letters reach further below the line than Latin ones: the line under
    the name moves down for them rather than being written over."""
    pages = drawing.pages_single([content(size=size, name=name, rank="Supt")])

    front = [(y, run) for page, _x, y, run in runs(pages) if page is pages[0]]
    name_low = min(
        ink(run, y)[0]
        for y, run in front
        if run.style.bold and run.style.color == drawing.INK and run.text.strip()
    )
    rank_high = max(ink(run, y)[1] for y, run in front if run.text == "Supt")
    assert name_low > rank_high
