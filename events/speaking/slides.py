"""Slides uploads: a PDF (by its bytes, not its name) that pypdf can open, no larger
than ``SLIDES_MAX_BYTES``; stored privately under a random name."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from pypdf import PdfReader


def slides_rules() -> str:
    megabytes = settings.SLIDES_MAX_BYTES / (1024 * 1024)
    return _("Upload your slides as one PDF file of up to %(megabytes)s MB.") % {
        "megabytes": f"{megabytes:g}"
    }


def slides_clean(file) -> SimpleUploadedFile:
    """Check an uploaded file is a readable PDF within the size limit; return it
    under a fresh random name. Raises ``ValidationError`` saying what to upload."""
    size = getattr(file, "size", None)
    if size is None or size > settings.SLIDES_MAX_BYTES or size < 8:
        raise ValidationError(slides_rules(), code="invalid_slides")
    file.seek(0)
    content = file.read(settings.SLIDES_MAX_BYTES + 1)
    if len(content) > settings.SLIDES_MAX_BYTES or not content.startswith(b"%PDF-"):
        raise ValidationError(slides_rules(), code="invalid_slides")
    try:
        file.seek(0)
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise ValueError("encrypted")
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except Exception as error:  # pypdf raises many kinds on a malformed file
        raise ValidationError(slides_rules(), code="invalid_slides") from error
    return SimpleUploadedFile(f"{uuid.uuid4().hex}.pdf", content, "application/pdf")
