"""iCalendar files: the event itself (confirmation emails) and a personal agenda."""

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event

from events.ics import new_calendar
from events.models import Edition

from .models import Registration

PRODID = "-//SOCEX//Delegates//EN"


def _calendar(name: str) -> Calendar:
    return new_calendar(name, prodid=PRODID)


def _location(edition: Edition) -> str:
    venue = edition.venue
    if venue is None:
        return ""
    return ", ".join(
        part
        for part in (
            venue.name,
            " ".join(venue.address.split()),
            venue.town,
            venue.postcode,
        )
        if part
    )


def edition_calendar(
    *, edition: Edition, registration: Registration | None = None
) -> bytes:
    """One all-day event spanning the edition's dates, at its venue."""
    calendar = _calendar(edition.title)
    event = Event()
    event.add("uid", f"edition-{edition.pk}@socex")
    event.add("summary", edition.title)
    event.add("dtstart", edition.start_date)
    event.add("dtend", edition.end_date + dt.timedelta(days=1))
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    location = _location(edition)
    if location:
        event.add("location", location)
    description = settings.SITE_URL + edition.get_absolute_url()
    if registration is not None:
        description = f"Reference {registration.reference}\n{description}"
    event.add("description", description)
    event.add("url", settings.SITE_URL + edition.get_absolute_url())
    calendar.add_component(event)
    return calendar.to_ical()


def agenda_calendar(*, registration: Registration, items: list[dict]) -> bytes:
    """The delegate's personal agenda: one timed event per item."""
    edition = registration.edition
    calendar = _calendar(f"{edition.title}: my agenda")
    stamp = dt.datetime.now(dt.UTC)
    for item in items:
        event = Event()
        event.add("uid", item["uid"])
        # The same UID with a higher SEQUENCE: calendars replace a changed entry.
        event.add("sequence", item.get("sequence", 0))
        event.add("summary", item["title"])
        event.add("dtstart", item["starts_at"])
        event.add("dtend", item["ends_at"])
        event.add("dtstamp", stamp)
        if item.get("location"):
            event.add("location", item["location"])
        if item.get("description"):
            event.add("description", item["description"])
        calendar.add_component(event)
    return calendar.to_ical()
