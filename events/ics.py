"""iCalendar (RFC 5545) feeds of an edition's agenda, built with ``icalendar``."""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from events.models import AgendaSession, Edition

PRODID = "-//SOCEX//Serious and Organised Crime Exchange//EN"


def session_uid(session: AgendaSession) -> str:
    """The session's iCalendar UID, the same in every feed, so a calendar that imports
    both the public agenda and a personal one keeps one copy of each session."""
    host = urlsplit(settings.SITE_URL).hostname or "socex"
    return f"socex-session-{session.pk}@{host}"


def session_location(session: AgendaSession, edition: Edition) -> str:
    """Room, venue, town and postcode, as far as they are known."""
    parts = []
    if session.room:
        parts.append(session.room.name)
    if edition.venue:
        parts += [edition.venue.name, edition.venue.town, edition.venue.postcode]
    return ", ".join(parts)


def _event(session: AgendaSession, edition: Edition, stamp) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    # Raised on each change (events/changes.py): calendars replace the entry.
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(dt.UTC))
    event.add("dtend", session.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{session.title} — {edition.title}")
    speakers = [link.speaker.public_name for link in session.speaker_links]
    description = session.description
    if speakers:
        description = f"{description}\n\n{', '.join(speakers)}".strip()
    if description:
        event.add("description", description)
    location = session_location(session, edition)
    if location:
        event.add("location", location)
    event.add("categories", [session.get_kind_display()])
    event.add("url", settings.SITE_URL + session.get_absolute_url())
    return event


def new_calendar(name: str, *, prodid: str = PRODID) -> Calendar:
    """An empty VCALENDAR named ``name``, ready for events."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def calendar_bytes(
    *, edition: Edition, sessions: Iterable[AgendaSession], name: str
) -> bytes:
    """A VCALENDAR with one VEVENT per session (times in UTC)."""
    calendar = new_calendar(name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for session in sessions:
        session.edition = edition
        calendar.add_component(_event(session, edition, stamp))
    return calendar.to_ical()
