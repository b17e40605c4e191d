"""An accessibility crawler for the browser tests: open a start page, run axe-core
(bundled by ``axe-playwright-python``, so it works offline) with its default rules,
follow every same-origin link, and collect the serious and critical violations.

One Playwright page is reused for every URL, so a crawl of a hundred pages costs a
page load and an axe run each, not a browser start.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}
# Links that change something or fetch a file: a crawler must never follow them.
SKIP = re.compile(
    r"(logout|log-out|delete|download|\.ics$|\.pdf$|\.csv$|/admin/|/static/"
    r"|/media/|/checkin/|/healthz)",
    re.IGNORECASE,
)
AXE = Axe()
# How far the page scrolls sideways: above 0 it does not reflow (WCAG 1.4.10).
SIDEWAYS_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
# The hrefs of the page's links, with a flag for those marked `download`.
LINKS_JS = (
    "() => Array.from(document.querySelectorAll('a[href]'))"
    ".map(a => [a.href, a.hasAttribute('download')])"
)


@dataclass
class Finding:
    url: str
    rule: str
    impact: str
    help: str
    nodes: list[str]

    def __str__(self) -> str:
        targets = "; ".join(self.nodes[:5])
        more = f" (+{len(self.nodes) - 5} more)" if len(self.nodes) > 5 else ""
        return f"{self.url}: {self.rule} [{self.impact}] {self.help} -> {targets}{more}"


@dataclass
class Crawl:
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def report(self) -> str:
        return "\n".join(str(finding) for finding in self.findings)


def audit(page) -> list[Finding]:
    """The serious and critical axe violations of the page as it is now, and on a
    narrow screen whether it scrolls sideways."""
    results = AXE.run(page)
    reflow = []
    if page.viewport_size and page.viewport_size["width"] <= 400:
        overflow = page.evaluate(SIDEWAYS_JS)
        if overflow > 0:
            reflow.append(
                Finding(
                    url=page.url,
                    rule="reflow",
                    impact="serious",
                    help=f"Scrolls {overflow}px sideways at phone width",
                    nodes=["html"],
                )
            )
    return reflow + [
        Finding(
            url=page.url,
            rule=violation["id"],
            impact=violation["impact"],
            help=violation["help"],
            nodes=[", ".join(map(str, node["target"])) for node in violation["nodes"]],
        )
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def _follow(href: str, *, origin: str, is_download: bool) -> str | None:
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or is_download:
        return None
    if SKIP.search(parts.path):
        return None
    return url


def pattern(path: str) -> str:
    """The page's kind: segments naming one object (a slug or reference: they hold
    a digit or a hyphen) become ``*``, so ``/speakers/andy-cooke/`` is
    ``/speakers/*/``."""
    return "/".join(
        "*" if re.search(r"[\d-]", part) else part for part in path.split("/")
    )


def crawl(page, start_urls: list[str], *, limit: int = 200, per_kind: int = 3) -> Crawl:
    """Visit every page reachable by links from ``start_urls`` (same origin, GET,
    neither logging out, deleting nor downloading), auditing each one. A page is
    audited once whatever its query string (``/accounts/login/?next=...`` is the
    log-in page again), and at most ``per_kind`` pages of one kind (three speakers'
    pages stand for fifteen: same template, other words), to keep the crawl quick."""
    parts = urlsplit(start_urls[0])
    origin = f"{parts.scheme}://{parts.netloc}"
    queue = list(start_urls)
    seen = {urlsplit(url).path for url in queue}
    kinds: dict[str, int] = {}
    result = Crawl()
    while queue and len(result.visited) < limit:
        url = queue.pop(0)
        response = page.goto(url, wait_until="load")
        if response is None or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        landed = urlsplit(page.url).path
        if landed != urlsplit(url).path and landed in seen:
            continue  # redirected to a page already audited
        seen.add(landed)
        result.visited.append(page.url)
        result.findings.extend(audit(page))
        for href, is_download in page.evaluate(LINKS_JS):
            target = _follow(
                urljoin(page.url, href), origin=origin, is_download=is_download
            )
            path = urlsplit(target).path if target else ""
            if not target or path in seen or kinds.get(pattern(path), 0) >= per_kind:
                continue
            seen.add(path)
            kinds[pattern(path)] = kinds.get(pattern(path), 0) + 1
            queue.append(target)
    return result
