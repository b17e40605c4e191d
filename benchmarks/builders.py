"""Shared by the load benchmarks: the series and venue an edition under test hangs on.

Django is set up by the calling benchmark after it chose its settings, so the
imports wait for the call.
"""

# ruff: noqa: PLC0415


def series_and_venue(
    slug: str,
    *,
    name: str,
    short_name: str,
    code: str,
    venue_name: str = "Bench Centre",
    address: str = "1 Road",
    town: str = "Warwick",
    postcode: str = "CV34 4AA",
):
    """The benchmark's series ``slug`` and its venue ``<slug>-venue``, made on the
    first run and reused after (each run adds an edition of its own)."""
    from events.models import Series, Venue

    series, _ = Series.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "short_name": short_name,
            "code": code,
            "usual_month": 11,
            "audience": "Benchmark",
            "description": "Benchmark",
        },
    )
    venue, _ = Venue.objects.get_or_create(
        slug=f"{slug}-venue",
        defaults={
            "name": venue_name,
            "address": address,
            "town": town,
            "postcode": postcode,
        },
    )
    return series, venue
