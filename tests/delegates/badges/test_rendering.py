import io
import socket

import pytest
import segno
from django.utils import timezone
from pypdf import PdfReader

from delegates.badges import rendering, services
from delegates.badges.models import BadgePrintJob, BadgeSettings
from delegates.badges.selectors import badge_registrations
from delegates.badges.tokens import key_from_token, token_for
from socex.pdf import SafeURLFetcher, html_to_pdf
from tests.factories.workshops import workshop_grid

from .conftest import choose, pdf_text

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '<img src="file:///etc/passwd"> http://evil.example/x.png'
HOSTILE_ORG = '<link rel="stylesheet" href="http://evil.example/a.css"> Org & Co'


def _content(registration):
    return rendering.badge_content(badge_registrations(ids=[registration.pk]).get())


def test_badge_pdf_shows_name_organisation_and_workshops(
    badge_edition, make_registration
):
    registration = make_registration(
        first_name="Priya",
        last_name="Raman",
        badge_name="Priya Raman",
        organisation="North West ROCU",
    )
    grid = workshop_grid(badge_edition, blocks=4, per_block=2)
    for runs in grid:
        choose(registration, runs[0])

    pages = pdf_text(rendering.badges_pdf([_content(registration)]))

    assert len(pages) == 2
    assert "Priya Raman" in pages[0]
    assert "North West ROCU" in pages[0]
    assert "Delegate".upper() in pages[0].upper()
    for runs in grid:
        assert runs[0].workshop.title in pages[1]
        assert runs[1].workshop.title not in pages[1]
    assert runs[0].room.name in pages[1]


def test_badge_back_without_workshops_says_so(make_registration):
    registration = make_registration()

    pages = pdf_text(rendering.badges_pdf([_content(registration)]))

    assert "listed here once chosen" in pages[1]


def test_badge_qr_code_holds_the_printed_valid_token(make_registration):
    registration = make_registration()
    pdf = rendering.badges_pdf([_content(registration)])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    printed = token_for(registration.badge.key)
    assert printed in page.extract_text()

    images = [image.image.convert("L") for image in page.images]
    qr = segno.make(printed, error="m", micro=False)
    size = len(qr.matrix) + 4  # a 2-module quiet zone, one pixel a module
    [image] = [image for image in images if image.size == (size, size)]
    modules = [
        [1 if image.getpixel((x + 2, y + 2)) < 128 else 0 for x in range(size - 4)]
        for y in range(size - 4)
    ]

    assert modules == [list(row) for row in qr.matrix]
    assert key_from_token(printed) == registration.badge.key
    assert str(registration.pk) not in printed.split("-")


def test_badge_hostile_text_is_printed_literally_and_nothing_fetched(
    make_registration, monkeypatch
):
    registration = make_registration(badge_name=HOSTILE_NAME, organisation=HOSTILE_ORG)
    content = _content(registration)
    fetched = []

    def refuse(self, address):
        fetched.append(address)
        raise OSError("the badge renderer must not open connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)

    pdf = rendering.badges_pdf([content])

    # Long words may wrap anywhere on the badge: compare without spaces.
    text = "".join(" ".join(pdf_text(pdf)).split())
    assert fetched == []
    assert b"/URI" not in pdf and b"/Link" not in pdf
    assert '<imgsrc="file:///etc/passwd">' in text
    assert "http://evil.example/x.png" in text
    assert '<linkrel="stylesheet"href="http://evil.example/a.css">' in text
    assert "Org&Co" in text


def test_safe_fetcher_refuses_file_and_remote_urls_and_still_renders():
    fetcher = SafeURLFetcher()
    html = (
        '<p>Hello</p><img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><img src="/static/../../etc/passwd">'
    )

    pdf = html_to_pdf(html, fetcher=fetcher)

    assert pdf.startswith(b"%PDF")
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://127.0.0.1:9/x.png" in fetcher.refused
    assert "root:" not in " ".join(pdf_text(pdf))


@pytest.mark.parametrize(
    ("name", "largest"),
    [("Sam Lee", 0), ("Alexandra Montgomery-Fotheringham", 4), ("W" * 40, 7)],
)
def test_name_size_shrinks_with_length(name, largest):
    assert rendering.name_size_class(name) == largest


def test_long_name_fits_the_badge(make_registration):
    long_name = "Bartholomew Maximilian Featherstonehaugh-Cholmondeley"
    registration = make_registration(badge_name=long_name)
    content = _content(registration)

    pages = pdf_text(rendering.badges_pdf([content]))

    assert content["name_class"] >= 4
    assert "Featherstonehaugh" in pages[0]


def test_names_in_other_scripts_render(make_registration):
    registration = make_registration(badge_name="王秀英 Ναταλία Σμιρνόβα")

    pages = pdf_text(rendering.badges_pdf([_content(registration)]))

    assert "王秀英" in pages[0]
    assert "Ναταλία" in pages[0]


def test_badge_category_band_follows_registration(make_registration):
    registration = make_registration()
    registration.category = "speaker"
    registration.save()

    content = _content(registration)

    assert content["category"] == "speaker"
    assert "SPEAKER" in pdf_text(rendering.badges_pdf([content]))[0].upper()


def test_sheet_layout_puts_four_fronts_then_mirrored_backs(make_registration):
    registrations = [make_registration(last_name=f"Surname{i}") for i in range(5)]
    contents = [_content(registration) for registration in registrations]

    pdf = rendering.badges_pdf(contents, layout=BadgePrintJob.Layout.SHEET)
    reader = PdfReader(io.BytesIO(pdf))
    sheets = rendering._sheets(contents)

    assert len(reader.pages) == 4  # two sheets, each a front and a back
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 210
    assert [e["name"] for e in sheets[0]["backs"]] == [
        contents[1]["name"],
        contents[0]["name"],
        contents[3]["name"],
        contents[2]["name"],
    ]
    assert sheets[1]["fronts"][1:] == [None, None, None]


def test_card_size_edition_prints_four_by_three_inch(badge_edition, make_registration):
    BadgeSettings.objects.create(edition=badge_edition, size=BadgeSettings.Size.CARD)
    registration = make_registration()

    pdf = rendering.badges_pdf([_content(registration)])
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox

    assert (round(float(box.width)), round(float(box.height))) == (288, 216)


def test_content_hash_changes_with_printed_text_only(make_registration):
    registration = make_registration(organisation="Kent Police")
    before = rendering.content_hash(_content(registration))
    registration.user.profile.phone = "01234 567890"
    registration.user.profile.save()
    same = rendering.content_hash(_content(registration))
    registration.user.profile.organisation = "Essex Police"
    registration.user.profile.save()

    assert same == before
    assert rendering.content_hash(_content(registration)) != before


@pytest.mark.parametrize("count", [1, 12])
def test_badge_contents_ask_for_workshops_once_for_many_badges(
    badge_edition, make_registration, django_assert_num_queries, count
):
    grid = workshop_grid(badge_edition, blocks=2, per_block=1)
    registrations = [make_registration() for _ in range(count)]
    for registration in registrations:
        for runs in grid:
            choose(registration, runs[0])
    ids = [registration.pk for registration in registrations]

    # One for the registrations, one for the workshops hook: never one per badge.
    with django_assert_num_queries(2):
        contents = rendering.badge_contents(badge_registrations(ids=ids))

    assert len(contents) == count
    titles = [[line["title"] for line in c["workshops"]] for c in contents]
    assert titles == [[runs[0].workshop.title for runs in grid]] * count
    assert contents[0]["workshops"][0]["room"] == grid[0][0].room.name


def test_badge_workshops_are_in_time_order_as_printed(badge_edition, make_registration):
    registration = make_registration()
    grid = workshop_grid(badge_edition, blocks=3, per_block=1)
    for runs in reversed(grid):
        choose(registration, runs[0])

    lines = _content(registration)["workshops"]

    start = grid[0][0].block.session.starts_at
    end = grid[0][0].block.session.ends_at
    assert [line["title"] for line in lines] == [r[0].workshop.title for r in grid]
    assert lines[0]["time"] == (
        f"{timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"
    )
    assert set(lines[0]) == {"day", "time", "title", "room"}


@pytest.mark.parametrize(
    "badge_name", ["محمد 王 علي", "שלום (王) דוד", "Ana\u202eLima 🧑🏽‍🚀\u0301"]
)
def test_badge_of_a_name_mixing_scripts_renders_and_downloads(
    make_registration, client, badge_name, django_capture_on_commit_callbacks
):
    """The badge My SOCEX offers: rendered (not left failed) and served."""
    registration = make_registration(badge_name=badge_name)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.badge_render(registration_id=registration.pk)
    client.force_login(registration.user)

    response = client.get(registration.badge.get_absolute_url())

    assert outcome == "rendered"
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)
    words = badge_name.replace("(", " ").replace(")", " ").split()
    text = pdf_text(pdf)[0]
    assert all(word in text for word in words if word.isalpha())
