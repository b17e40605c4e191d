"""Uploaded images (speaker photos, partner logos): checked by their content, then
re-encoded, so what is stored and served is a plain image we wrote ourselves.

An upload is refused unless Pillow reads it as a JPEG, PNG or WebP (whatever its name
says), it is at most ``IMAGE_UPLOAD_MAX_BYTES`` and its header gives no side above
``IMAGE_UPLOAD_MAX_SIDE`` pixels: the size is read before a single pixel is decoded
(Pillow alone only refuses above some 179 megapixels). It is then verified, decoded,
turned upright from its EXIF orientation and saved again without any metadata (EXIF,
GPS, XMP, comments, colour profile), under a fresh random name with the extension of
its real format.

``ImageUploadField`` is the model field: its form field (used by the admin and every
model form) does all of this in ``clean()``, and its ``pre_save`` does it for a file
assigned in code, so nothing reaches the storage without being re-encoded.
"""

import io
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

# Pillow format name -> (file extension, content type).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
JPEG_QUALITY = 88


class CleanImage(SimpleUploadedFile):
    """An image written by ``image_clean``: safe to store as it is."""


def image_rules() -> str:
    """What an upload must be, in words (the error and the help text)."""
    megabytes = settings.IMAGE_UPLOAD_MAX_BYTES / (1024 * 1024)
    side = settings.IMAGE_UPLOAD_MAX_SIDE
    return _(
        "Upload a JPEG, PNG or WebP image up to %(megabytes)s MB and %(side)s × "
        "%(side)s pixels."
    ) % {"megabytes": f"{megabytes:g}", "side": side}


def _refused() -> ValidationError:
    return ValidationError(image_rules(), code="invalid_image")


def _encode(image: Image.Image, format: str) -> bytes:
    if "transparency" in image.info:
        image = image.convert("RGBA")  # keep a palette's transparency as alpha
    if format == "JPEG":
        keep, fallback, options = ("L", "RGB"), "RGB", {"quality": JPEG_QUALITY}
    elif format == "PNG":
        keep, fallback, options = ("1", "L", "LA", "RGB", "RGBA"), "RGBA", {}
    else:
        keep, fallback, options = ("RGB", "RGBA"), "RGBA", {"quality": JPEG_QUALITY}
    if image.mode not in keep:
        image = image.convert(fallback)
    # Pillow carries some metadata from ``info`` into the new file (the PNG colour
    # profile, for one): start from nothing.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def image_clean(file) -> CleanImage:
    """Check an uploaded image and return a re-encoded copy without metadata, named
    ``<random>.<jpg|png|webp>``; raise ``ValidationError`` saying what to upload."""
    if isinstance(file, CleanImage):
        return file
    size = getattr(file, "size", None)
    if size is None or size > settings.IMAGE_UPLOAD_MAX_BYTES:
        raise _refused()
    side = settings.IMAGE_UPLOAD_MAX_SIDE
    try:
        file.seek(0)
        # Image.open reads the header only; ``formats`` keeps every other decoder
        # (EPS, which runs Ghostscript; GIF; PDF...) from ever looking at the bytes.
        with Image.open(file, formats=list(FORMATS)) as probe:
            format = probe.format
            width, height = probe.size
            if width > side or height > side:
                raise _refused()
            probe.verify()
        file.seek(0)
        with Image.open(file, formats=[format]) as image:
            if image.size != (width, height):
                raise _refused()
            image.load()
            content = _encode(ImageOps.exif_transpose(image), format)
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds on a malformed file
        raise _refused() from error
    extension, content_type = FORMATS[format]
    return CleanImage(f"{uuid.uuid4().hex}.{extension}", content, content_type)


class ImageUploadFormField(forms.FileField):
    """A file input taking a JPEG, PNG or WebP image; ``clean()`` re-encodes it."""

    def __init__(self, **kwargs):
        # Lazy: a form class built at import time still reads the settings of the day.
        # (A model field passes its own help text, often empty.)
        if not kwargs.get("help_text"):
            kwargs["help_text"] = lazy(image_rules, str)()
        super().__init__(**kwargs)

    def to_python(self, data):
        file = super().to_python(data)
        if file is None:
            return None
        return image_clean(file)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            types = [content_type for _extension, content_type in FORMATS.values()]
            attrs.setdefault("accept", ",".join(types))
        return attrs


class ImageUploadField(models.ImageField):
    """An ImageField whose every new file goes through ``image_clean``."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageUploadFormField, **kwargs})

    @staticmethod
    def _new_file(value):
        """The file assigned since the last save, if any (not yet in the storage)."""
        if value and not value._committed:
            return value.file
        return None

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        new = self._new_file(value)
        if new is not None:
            image_clean(new)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        new = self._new_file(value)
        if new is not None and not isinstance(new, CleanImage):
            value.file = image_clean(new)
            value.name = value.file.name
        return super().pre_save(model_instance, add)


def image_square(file) -> CleanImage:
    """``image_clean``, then cropped to a centred square (speaker photos)."""
    clean = image_clean(file)
    with Image.open(io.BytesIO(clean.read()), formats=list(FORMATS)) as image:
        format = image.format
        image.load()
        side = min(image.size)
        square = ImageOps.fit(image, (side, side), centering=(0.5, 0.4))
        content = _encode(square, format)
    extension, content_type = FORMATS[format]
    return CleanImage(f"{uuid.uuid4().hex}.{extension}", content, content_type)
