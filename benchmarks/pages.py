"""Public page rendering: the edition page against a page that is only base.html.

Run: ``.venv/bin/python benchmarks/pages.py [--requests 300]`` with DATABASE_URL
pointing at PostgreSQL (default postgres://postgres@127.0.0.1:5432/socex; the
benchmark creates and drops its own database ``bench_pages_<pid>`` there).

Builds one published edition with 60 sessions, 30 speakers, 10 partners and eight
published workshops (two leaders each, accepted titles and summaries), then times
anonymous GETs through Django's test client:

- baseline: a page that extends ``base.html`` with no content of its own;
- edition (warm): the edition page as every anonymous visitor gets it once the
  programme is cached;
- edition (cold): the same with the cache emptied before each request (the first
  visitor after a change).

Prints a table, then ``RESULT page=edition sessions=60 workshops=8 queries=<n>
queries_uncached=<u> queries_uncached_16=<u16> queries_workshops_page=<w>
queries_workshops_page_16=<w16> median_ms=<t> baseline_ms=<b> ratio=<t/b>``: the
warm edition page against the baseline, with the query counts of the cached and the
uncached edition page, and of the uncached workshops page, at eight workshops and
again after eight more are added (the counts must not grow with the workshops).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/socex")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socex.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import include, path  # noqa: E402

BASELINE = engines["django"].from_string('{% extends "base.html" %}')


def baseline_view(request):
    from django.http import HttpResponse

    return HttpResponse(BASELINE.render({}, request))


urlpatterns = [
    path("bench/baseline/", baseline_view),
    path("", include("socex.urls")),
]


def _time(client: Client, url: str, requests: int, *, cold: bool = False) -> list:
    timings = []
    for _ in range(requests):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")

    settings.ROOT_URLCONF = __name__
    connection.settings_dict["TEST"]["NAME"] = f"bench_pages_{os.getpid()}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tests.factories.events import edition_with_programme
        from tests.factories.workshops import workshops_with_leaders

        edition = edition_with_programme(sessions=60, speakers=30, partners=10)
        workshops_with_leaders(edition, count=8, leaders=2)
        workshops_page = f"{edition.get_absolute_url()}workshops/"
        cache.clear()
        client = Client()
        pages = {
            "baseline": "/bench/baseline/",
            "edition": edition.get_absolute_url(),
        }
        for url in pages.values():  # warm up: templates, connections, cache
            _time(client, url, 20)
        rows = []
        results = {}
        # Interleave rounds so that load from other processes hits both alike.
        rounds = 5
        per_round = max(args.requests // rounds, 1)
        samples = {"baseline": [], "edition (warm)": [], "edition (cold)": []}
        for _ in range(rounds):
            samples["baseline"] += _time(client, pages["baseline"], per_round)
            samples["edition (warm)"] += _time(client, pages["edition"], per_round)
            samples["edition (cold)"] += _time(
                client, pages["edition"], max(per_round // 5, 1), cold=True
            )
        queries = {
            "baseline": _queries(client, pages["baseline"]),
            "edition (warm)": _queries(client, pages["edition"]),
        }
        cache.clear()
        queries["edition (cold)"] = _queries(client, pages["edition"])
        cache.clear()
        queries_workshops = _queries(client, workshops_page)
        # Eight more workshops: the uncached counts must stay where they were.
        workshops_with_leaders(edition, count=8, leaders=2)
        cache.clear()
        queries_uncached_16 = _queries(client, pages["edition"])
        cache.clear()
        queries_workshops_16 = _queries(client, workshops_page)
        for name, timings in samples.items():
            median = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[-1]
            results[name] = median
            rows.append((name, len(timings), queries[name], median, p95))

        print(
            f"{'page':<16}{'requests':>10}{'queries':>9}{'median ms':>11}{'p95 ms':>9}"
        )
        for name, count, query_count, median, p95 in rows:
            print(f"{name:<16}{count:>10}{query_count:>9}{median:>11.2f}{p95:>9.2f}")
        median = results["edition (warm)"]
        baseline = results["baseline"]
        print(
            f"uncached queries at 16 workshops: edition {queries_uncached_16}, "
            f"workshops page {queries_workshops_16} (at 8: "
            f"{queries['edition (cold)']}, {queries_workshops})"
        )
        print(
            f"RESULT page=edition sessions=60 workshops=8 "
            f"queries={queries['edition (warm)']} "
            f"queries_uncached={queries['edition (cold)']} "
            f"queries_uncached_16={queries_uncached_16} "
            f"queries_workshops_page={queries_workshops} "
            f"queries_workshops_page_16={queries_workshops_16} "
            f"median_ms={median:.2f} baseline_ms={baseline:.2f} "
            f"ratio={median / baseline:.2f}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
