"""Uploaded images (speaker photos, partner logos): only JPEG, PNG and WebP by their
content, within the size limits read before decoding, re-encoded without metadata."""

import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import ExifTags, Image, ImageFile

from events.models import Partner, Speaker
from socex.images import image_clean
from tests.factories.accounts import StaffFactory
from tests.factories.events import SpeakerFactory

pytestmark = pytest.mark.django_db

RULES = "Upload a JPEG, PNG or WebP image up to 5 MB and 4000 × 4000 pixels."
RANDOM_NAME = r"[0-9a-f]{32}"


def _image(format: str, size=(20, 10), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, format=format, **options)
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels, with no pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def _gps_jpeg() -> bytes:
    """A 20 × 10 photo taken on its side (EXIF orientation 6) with GPS coordinates."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Police issue phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 17.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (1.0, 35.0, 10.0)
    return _image("JPEG", exif=exif)


EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"newpath 0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n"
)
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>"
    b"\n%%EOF\n"
)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"

REFUSED = {
    "a 6 MB JPEG": ("photo.jpg", _image("JPEG") + b"\0" * (6 * 1024 * 1024)),
    "a PDF renamed .jpg": ("photo.jpg", PDF),
    "a PNG header claiming 20000 × 20000": ("bomb.png", _png_header(20000, 20000)),
    "a PNG header claiming 5000 × 5000": ("big.png", _png_header(5000, 5000)),
    "a PNG 4001 pixels wide": ("wide.png", _image("PNG", size=(4001, 1))),
    "an EPS": ("photo.eps", EPS),
    "an EPS renamed .png": ("photo.png", EPS),
    "a GIF/HTML polyglot": ("photo.gif", _image("GIF", comment=HTML)),
    "a GIF/HTML polyglot renamed .png": ("photo.png", _image("GIF", comment=HTML)),
    "an HTML page renamed .png": ("photo.png", HTML),
    "a truncated PNG": ("cut.png", _image("PNG", size=(200, 200))[:-40]),
    "an empty file": ("empty.jpg", b""),
}


@pytest.mark.parametrize("label", REFUSED)
def test_image_clean_refuses_what_is_not_a_small_jpeg_png_or_webp(label):
    name, content = REFUSED[label]
    with pytest.raises(ValidationError) as excinfo:
        image_clean(SimpleUploadedFile(name, content))
    assert excinfo.value.messages == [RULES]


def test_image_clean_reads_no_pixel_of_an_image_too_large(monkeypatch):
    decoded = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self) or load(self)
    )
    with pytest.raises(ValidationError):
        image_clean(SimpleUploadedFile("big.png", _png_header(5000, 5000)))
    assert decoded == []
    image_clean(SimpleUploadedFile("small.png", _image("PNG")))
    assert decoded


@pytest.mark.parametrize(
    ("format", "name", "extension"),
    [
        ("JPEG", "photo.jpeg", "jpg"),
        ("PNG", "logo.PNG", "png"),
        ("WEBP", "logo.webp", "webp"),
        ("PNG", "logo-really-a-png.jpg", "png"),
        ("JPEG", "photo-really-a-jpeg.webp", "jpg"),
    ],
)
def test_image_clean_names_the_file_after_its_real_format(format, name, extension):
    clean = image_clean(SimpleUploadedFile(name, _image(format)))
    assert re.fullmatch(rf"{RANDOM_NAME}\.{extension}", clean.name)
    assert Image.open(io.BytesIO(clean.read())).format == format


def test_image_clean_gives_each_upload_a_new_name():
    first = image_clean(SimpleUploadedFile("same.png", _image("PNG")))
    second = image_clean(SimpleUploadedFile("same.png", _image("PNG")))
    assert first.name != second.name


def test_image_clean_accepts_4000_pixels_and_the_size_limit_follows_the_setting(
    settings,
):
    image_clean(SimpleUploadedFile("tall.png", _image("PNG", size=(1, 4000))))
    settings.IMAGE_UPLOAD_MAX_SIDE = 100
    with pytest.raises(ValidationError) as excinfo:
        image_clean(SimpleUploadedFile("tall.png", _image("PNG", size=(1, 101))))
    assert excinfo.value.messages == [
        "Upload a JPEG, PNG or WebP image up to 5 MB and 100 × 100 pixels."
    ]


def test_image_clean_strips_gps_exif_and_keeps_the_photo_upright():
    source = Image.open(io.BytesIO(_gps_jpeg()))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    clean = Image.open(
        io.BytesIO(image_clean(SimpleUploadedFile("me.jpg", _gps_jpeg())).read())
    )
    assert dict(clean.getexif()) == {}
    assert "exif" not in clean.info
    assert clean.size == (10, 20)


def test_image_clean_drops_html_hidden_in_a_jpeg_comment():
    polyglot = _image("JPEG", comment=HTML)
    assert HTML in polyglot
    clean = image_clean(SimpleUploadedFile("photo.jpg", polyglot)).read()
    assert b"<script" not in clean
    assert Image.open(io.BytesIO(clean)).format == "JPEG"


def test_image_clean_keeps_a_transparent_logo_transparent():
    clean = image_clean(SimpleUploadedFile("logo.png", _image("PNG", mode="RGBA")))
    assert Image.open(io.BytesIO(clean.read())).mode == "RGBA"


# Through the admin and in code ------------------------------------------------------


@pytest.fixture
def organiser(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def _speaker_post(photo) -> dict:
    return {
        "display_name": "Sam Patel",
        "slug": "sam-patel",
        "post_nominals": "",
        "role": "",
        "organisation": "",
        "bio": "",
        "photo": photo,
        "may_be_named": "on",
    }


@pytest.mark.parametrize("label", ["a PDF renamed .jpg", "an EPS", "a 6 MB JPEG"])
def test_admin_speaker_photo_refused_says_what_to_upload(organiser, label):
    name, content = REFUSED[label]
    response = organiser.post(
        reverse("admin:events_speaker_add"),
        _speaker_post(SimpleUploadedFile(name, content)),
    )
    assert response.status_code == 200
    assert RULES in response.content.decode()
    assert not Speaker.objects.exists()


def test_admin_speaker_photo_is_stored_reencoded_without_exif(organiser):
    response = organiser.post(
        reverse("admin:events_speaker_add"),
        _speaker_post(SimpleUploadedFile("holiday.jpg", _gps_jpeg(), "image/jpeg")),
    )
    assert response.status_code == 302
    photo = Speaker.objects.get().photo
    assert re.fullmatch(rf"speakers/{RANDOM_NAME}\.jpg", photo.name)
    with photo.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("JPEG", (10, 20))
        assert dict(image.getexif()) == {}


def test_admin_partner_logo_polyglot_is_refused(organiser):
    response = organiser.post(
        reverse("admin:events_partner_add"),
        {
            "name": "Crimestoppers",
            "website": "",
            "logo": SimpleUploadedFile("logo.png", _image("GIF", comment=HTML)),
        },
    )
    assert response.status_code == 200
    assert RULES in response.content.decode()
    assert not Partner.objects.exists()


def test_admin_photo_input_accepts_only_the_allowed_types(organiser):
    page = organiser.get(reverse("admin:events_speaker_add")).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert RULES in page


def test_model_full_clean_refuses_a_file_assigned_in_code():
    speaker = SpeakerFactory.build(photo=ContentFile(EPS, name="photo.jpg"))
    with pytest.raises(ValidationError) as excinfo:
        speaker.full_clean()
    assert excinfo.value.message_dict["photo"] == [RULES]


def test_model_save_reencodes_a_file_assigned_in_code():
    speaker = SpeakerFactory(photo=ContentFile(_gps_jpeg(), name="me.jpg"))
    speaker.refresh_from_db()
    assert re.fullmatch(rf"speakers/{RANDOM_NAME}\.jpg", speaker.photo.name)
    with speaker.photo.open("rb") as stored, Image.open(stored) as image:
        assert dict(image.getexif()) == {}


def test_model_save_refuses_a_bad_file_assigned_in_code():
    with pytest.raises(ValidationError), transaction.atomic():
        SpeakerFactory(photo=ContentFile(PDF, name="photo.jpg"))
    assert not Speaker.objects.exists()


def test_admin_speaker_edited_without_a_new_photo_keeps_the_photo(organiser):
    speaker = SpeakerFactory(
        slug="sam-patel", photo=ContentFile(_image("PNG"), name="me.png")
    )
    stored = speaker.photo.name
    response = organiser.post(
        reverse("admin:events_speaker_change", args=[speaker.pk]),
        {**_speaker_post(""), "role": "Detective Inspector"},
    )
    assert response.status_code == 302
    speaker.refresh_from_db()
    assert (speaker.role, speaker.photo.name) == ("Detective Inspector", stored)
