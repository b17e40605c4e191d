"""Slides uploads: a PDF (by its bytes, not its name) that pypdf can open, not
encrypted, of at most ``SLIDES_MAX_PAGES`` pages and no larger than
``SLIDES_MAX_BYTES``, with nothing a PDF reader would run or open (JavaScript,
launch or form-submit actions, attachments, XFA forms, rich media): the file reaches
delegates' computers. Stored privately under a random name."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# A conference talk's deck; far above any real one, far below what makes the check slow.
SLIDES_MAX_PAGES = 500
# Objects walked looking for active content before the file is refused as too complex.
SLIDES_MAX_OBJECTS = 200_000
# Keys and action types by which a PDF runs code, opens programs or files, sends data
# or carries files (ISO 32000 12.6.4, 7.11.4, 12.7.8).
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/XFA", "/RichMedia"}
)
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/Rendition",
        "/RichMediaExecute",
    }
)


def slides_rules() -> str:
    megabytes = settings.SLIDES_MAX_BYTES / (1024 * 1024)
    return _(
        "Upload your slides as one PDF file of up to %(megabytes)s MB and "
        "%(pages)s pages."
    ) % {"megabytes": f"{megabytes:g}", "pages": SLIDES_MAX_PAGES}


def _active_content_refusal() -> ValidationError:
    return ValidationError(
        _(
            "This PDF contains scripts, attachments or actions that open other "
            "programs, which delegates' computers would run. Export or print your "
            "slides to a new PDF and upload that."
        ),
        code="active_slides",
    )


def _has_active_content(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer runs or opens something. Every
    object is visited once (a reference cycle ends); streams' data are not read."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        walked += 1
        if walked > SLIDES_MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            if ACTIVE_KEYS.intersection(node.keys()):
                return True
            if node.get("/S") in ACTIVE_ACTIONS:
                return True
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def slides_clean(file) -> SimpleUploadedFile:
    """Check an uploaded file is a readable, plain PDF within the limits; return it
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
        # The declared count first: a forged page tree is refused before it is walked.
        declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
        if not 1 <= int(declared) <= SLIDES_MAX_PAGES:
            raise ValueError("page count")
        if not 1 <= len(reader.pages) <= SLIDES_MAX_PAGES:
            raise ValueError("page count")
        active = _has_active_content(reader)
    except Exception as error:  # pypdf raises many kinds on a malformed file
        raise ValidationError(slides_rules(), code="invalid_slides") from error
    if active:
        raise _active_content_refusal()
    return SimpleUploadedFile(f"{uuid.uuid4().hex}.pdf", content, "application/pdf")
