"""PDF rendering shared by every app (sign-in sheets, speakers' AV needs), through
WeasyPrint. Badges are drawn with reportlab instead (``delegates/badges/drawing.py``);
``join_pdfs`` joins both kinds.

Templates are rendered with Django and laid out by WeasyPrint against a private
base URL.
The URL fetcher serves only our own static and media files (and ``data:`` URIs): remote
URLs, ``file:`` paths and anything else are refused, so user text can never make the
renderer read the disk or the network.
"""

import io
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; a bulk print would flood the worker log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

INTERNAL_ORIGIN = "https://pdf.socex.internal"


class RefusedURL(ValueError):
    pass


def _static_bytes(relative: str) -> bytes:
    found = finders.find(relative)
    if not found:
        candidate = (Path(settings.STATIC_ROOT) / relative).resolve()
        if Path(settings.STATIC_ROOT).resolve() not in candidate.parents:
            raise RefusedURL(relative)
        found = str(candidate)
    return Path(found).read_bytes()


def _media_bytes(relative: str) -> bytes:
    with default_storage.open(relative, "rb") as fh:
        return fh.read()


class SafeURLFetcher(URLFetcher):
    """Serves ``/static/`` and ``/media/`` on the private origin and nothing else."""

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols={"https", "data"}, **kwargs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        path = unquote(parts.path)
        origin_ok = f"{parts.scheme}://{parts.netloc}" == INTERNAL_ORIGIN
        if not origin_ok or ".." in path.split("/") or "\x00" in path:
            self.refused.append(url)
            logger.info("PDF renderer refused %s", url)
            raise RefusedURL(f"Refused to fetch {url}")
        try:
            if path.startswith(settings.STATIC_URL):
                body = _static_bytes(path.removeprefix(settings.STATIC_URL))
            elif path.startswith(settings.MEDIA_URL):
                body = _media_bytes(path.removeprefix(settings.MEDIA_URL))
            else:
                raise RefusedURL(url)
        except (OSError, RefusedURL) as exc:
            self.refused.append(url)
            raise RefusedURL(f"Refused to fetch {url}") from exc
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mimetype})


def html_document(html: str, *, fetcher: SafeURLFetcher | None = None) -> HTML:
    return HTML(
        string=html,
        base_url=INTERNAL_ORIGIN + "/",
        url_fetcher=fetcher or SafeURLFetcher(),
    )


def render_pdf(*, template: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes through the safe fetcher."""
    html = render_to_string(template, context)
    return html_document(html).write_pdf()


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """One font configuration per process: building it per document costs time."""
    return FontConfiguration()


def html_to_pdf(
    html: str,
    *,
    stylesheets: Sequence[CSS] = (),
    fetcher: SafeURLFetcher | None = None,
) -> bytes:
    """Lay out an HTML string through the safe fetcher; returns the PDF bytes.

    Pass your own ``fetcher`` to inspect what it refused afterwards.
    """
    document = html_document(html, fetcher=fetcher)
    return document.write_pdf(stylesheets=list(stylesheets), font_config=font_config())


def join_pdfs(parts: Iterable[bytes]) -> bytes:
    """Concatenate PDF documents (e.g. chunks rendered in parallel) into one."""
    from pypdf import PdfWriter  # noqa: PLC0415  pypdf loads only where PDFs are joined

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_page_count(data: bytes) -> int:
    from pypdf import PdfReader  # noqa: PLC0415  as above

    return len(PdfReader(io.BytesIO(data)).pages)
