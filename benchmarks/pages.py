"""Page rendering: the public edition page, or an edition's dashboard in the admin.

Run: ``.venv/bin/python benchmarks/pages.py [--page edition|dashboard]
[--requests 300]`` with DATABASE_URL
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

``--page dashboard`` builds an edition with 400 confirmed delegates (each with a
profile, a ready badge, workshop choices and a check-in), 12 pending and 30
waitlisted, logs an organiser in through the login form and their second factor
(a TOTP code, as the authenticator app would give), and times that session's GETs
of the edition's dashboard against the same admin's change list of series (a
handful of rows). Prints ``RESULT page=dashboard delegates=400 queries=<n>
median_ms=<a> baseline_ms=<b> ratio=<a/b>``. Target: ratio <= 5.
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


def _measure(client: Client, pages: dict[str, str], requests: int) -> tuple:
    """Median and p95 of each page, interleaved in rounds so that load from other
    processes hits them alike; and each page's query count."""
    for url in pages.values():  # warm up: templates, connections, caches
        _time(client, url, 10)
    rounds = 5
    per_round = max(requests // rounds, 1)
    samples = {name: [] for name in pages}
    for _ in range(rounds):
        for name, url in pages.items():
            samples[name] += _time(client, url, per_round)
    queries = {name: _queries(client, url) for name, url in pages.items()}
    return samples, queries


def _print_table(samples: dict, queries: dict) -> dict[str, float]:
    print(f"{'page':<16}{'requests':>10}{'queries':>9}{'median ms':>11}{'p95 ms':>9}")
    medians = {}
    for name, timings in samples.items():
        medians[name] = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"{name:<16}{len(timings):>10}{queries[name]:>9}"
            f"{medians[name]:>11.2f}{p95:>9.2f}"
        )
    return medians


def _organiser_client() -> Client:
    """A client signed in as an organiser through the login form and a TOTP code,
    as a person at the keyboard would (StaffMFAMiddleware lets them in)."""
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
    )
    from django.contrib.auth.models import Group

    from socex.roles.definitions import ORGANISER
    from tests.factories.accounts import PASSWORD, StaffFactory

    organiser = StaffFactory(email="bench.organiser@socex.example")
    organiser.groups.set([Group.objects.get(name=ORGANISER)])
    secret = generate_totp_secret()
    TOTP.activate(organiser, secret)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": organiser.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302, response.status_code
    response = client.get("/admin/")
    assert response.status_code == 200, ("second factor not passed", response)
    return client


def _dashboard_edition(delegates: int):
    """An edition with ``delegates`` confirmed delegates and everything the
    dashboard counts about them."""
    import datetime as dt

    from django.utils import timezone

    from delegates.badges.models import Badge, CheckIn
    from delegates.badges.services import badge_ensure
    from delegates.models import Registration
    from tests.factories.delegates import RegistrationFactory
    from tests.factories.events import edition_with_programme
    from tests.factories.workshops import workshop_grid
    from workshops.models import WorkshopChoice

    edition = edition_with_programme(sessions=40, speakers=20, partners=5)
    type(edition).objects.filter(pk=edition.pk).update(capacity=delegates)
    edition.refresh_from_db()
    grid = workshop_grid(edition, blocks=2, per_block=3, capacity=delegates)
    opens = timezone.now() - dt.timedelta(days=60)
    for index in range(delegates):
        registration = RegistrationFactory(edition=edition)
        Registration.objects.filter(pk=registration.pk).update(
            created_at=opens + dt.timedelta(hours=3 * index)
        )
        badge = badge_ensure(registration=registration)
        Badge.objects.filter(pk=badge.pk).update(status=Badge.Status.READY)
        for runs in grid:
            run = runs[index % len(runs)]
            WorkshopChoice.objects.create(
                registration=registration,
                run=run,
                block=run.block,
                workshop=run.workshop,
            )
        CheckIn.objects.create(
            registration=registration,
            checked_in_at=timezone.make_aware(
                dt.datetime.combine(edition.start_date, dt.time(8 + index % 3))
            ),
        )
    for status, count in (("pending", 12), ("waitlisted", 30)):
        RegistrationFactory.create_batch(count, edition=edition, status=status)
    for runs in grid:
        for run in runs:
            taken = WorkshopChoice.objects.filter(run=run).count()
            type(run).objects.filter(pk=run.pk).update(seats_taken=taken)
    return edition


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", choices=["edition", "dashboard"], default="edition")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--delegates", type=int, default=400)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")

    settings.ROOT_URLCONF = __name__
    connection.settings_dict["TEST"]["NAME"] = f"bench_pages_{os.getpid()}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if args.page == "dashboard":
            dashboard(args)
        else:
            edition_page(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def dashboard(args) -> None:
    from django.urls import reverse

    from tests.factories.events import SeriesFactory

    edition = _dashboard_edition(args.delegates)
    SeriesFactory.create_batch(4)
    client = _organiser_client()
    pages = {
        "series list": reverse("admin:events_series_changelist"),
        "dashboard": reverse("edition_dashboard", args=[edition.pk]),
    }
    samples, queries = _measure(client, pages, args.requests)
    medians = _print_table(samples, queries)
    median, baseline = medians["dashboard"], medians["series list"]
    print(
        f"RESULT page=dashboard delegates={args.delegates} "
        f"queries={queries['dashboard']} median_ms={median:.2f} "
        f"baseline_ms={baseline:.2f} ratio={median / baseline:.2f}"
    )


def edition_page(args) -> None:
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

    print(f"{'page':<16}{'requests':>10}{'queries':>9}{'median ms':>11}{'p95 ms':>9}")
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


if __name__ == "__main__":
    main()
