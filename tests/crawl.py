"""Crawling the public site as an anonymous visitor: every page reachable by links
from a start page, with every file those pages link (images, feeds)."""

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.conf import settings

# Pages a visitor without an account cannot use (they redirect to sign in) and the
# static files, which hold no data.
NOT_CRAWLED = ("/accounts/", "/admin/", "/my/", "/static/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _local(url: str) -> str | None:
    """The path (and query) of a link to this site, or None for another site."""
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme in ("mailto", "tel", "data", "javascript"):
        return None
    if parts.netloc and parts.netloc != site.netloc:
        return None
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start="/") -> dict[str, object]:
    """Every response reachable from ``start`` by links, by path."""
    seen: dict[str, object] = {}
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_CRAWLED):
            continue
        response = client.get(path)
        seen[path] = response
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        for link in _links(response.content.decode()):
            local = _local(link)
            if local and local not in seen:
                queue.append(local)
    return seen


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
