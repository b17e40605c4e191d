"""Writes for the events app: every state change of an edition or its agenda."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.cache import version_bump
from events.models import AgendaSession, Edition, EditionPartner, Room, Venue
from events.signals import (
    collect_room_uses,
    edition_capacity_changed,
    edition_duplicated,
    edition_rooms_moved,
)


@transaction.atomic
def edition_save(*, edition: Edition) -> Edition:
    """Validate and save an edition (new or changed).

    When the delegate capacity changes, sends ``edition_capacity_changed`` inside the
    transaction, so a receiver that refuses the change rolls the save back.
    """
    old_capacity = None
    if edition.pk:
        old_capacity = (
            Edition.objects.select_for_update()
            .filter(pk=edition.pk)
            .values_list("capacity", flat=True)
            .first()
        )
    edition.full_clean()
    edition.save()
    if old_capacity is not None and old_capacity != edition.capacity:
        edition_capacity_changed.send(
            sender=Edition,
            edition=edition,
            old_capacity=old_capacity,
            new_capacity=edition.capacity,
        )
    return edition


@transaction.atomic
def edition_capacity_set(*, edition: Edition, capacity: int) -> Edition:
    """Change an edition's delegate capacity (sends ``edition_capacity_changed``)."""
    edition.capacity = capacity
    return edition_save(edition=edition)


def _rooms_lock(room_ids) -> None:
    """Serialise bookings of these rooms, so two writers cannot both pass the overlap
    check; locked in primary-key order, so two writers never deadlock."""
    ids = sorted({pk for pk in room_ids if pk})
    if ids:
        list(Room.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def agenda_session_save(*, session: AgendaSession) -> AgendaSession:
    """Validate (dates, room at the venue, no overlap in the room) and save."""
    _rooms_lock([session.room_id])
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def agenda_sessions_save(
    *, sessions: list[AgendaSession], deleted: list[AgendaSession] = ()
) -> list[AgendaSession]:
    """Save several sessions entered together (an edition's agenda in the admin),
    deleting ``deleted`` first: the same rules as ``agenda_session_save``, and no two
    of them may overlap in a room. Nothing is saved if one is refused."""
    AgendaSession.check_no_overlap_among(list(sessions))
    _rooms_lock([s.room_id for s in [*sessions, *deleted]])
    for session in deleted:
        session.delete()
    for session in sessions:
        session.full_clean()
        session.save()
    return list(sessions)


def edition_venue_plan(*, edition: Edition, venue: Venue | None) -> list[dict]:
    """What of ``edition`` is at rooms not at ``venue``, by room: the sessions, and
    what the apps above hold there (``collect_room_uses``: workshop runs). Each
    entry: ``room``, ``uses`` (dicts with ``kind``, ``title``, ``starts_at``) and
    ``suggested``, the room of ``venue`` with the same name (case and spaces aside)
    or None."""
    uses: list[dict] = [
        {
            "kind": str(session.get_kind_display()),
            "title": session.title,
            "starts_at": session.starts_at,
            "room": session.room,
        }
        for session in AgendaSession.objects.filter(edition=edition, room__isnull=False)
        .exclude(room__venue=venue)
        .select_related("room__venue")
    ]
    for _receiver, response in collect_room_uses.send(
        sender=Edition, edition=edition, venue=venue
    ):
        uses.extend(response or [])
    targets = {
        " ".join(room.name.lower().split()): room
        for room in (Room.objects.filter(venue=venue) if venue else [])
    }
    by_room: dict[int, dict] = {}
    for use in sorted(uses, key=lambda use: (use["room"].name, use["starts_at"])):
        room = use["room"]
        entry = by_room.setdefault(
            room.pk,
            {
                "room": room,
                "uses": [],
                "suggested": targets.get(" ".join(room.name.lower().split())),
            },
        )
        entry["uses"].append(use)
    return list(by_room.values())


@transaction.atomic
def edition_venue_change(
    *,
    edition: Edition,
    venue: Venue,
    room_map: dict[int, Room | None],
    actor=None,
) -> int:
    """Move ``edition`` to ``venue`` and everything at rooms of another venue room
    by room: ``room_map`` gives, for each old room the plan lists, a room of
    ``venue`` or None (no room). All or nothing.

    Effects: the edition's venue is saved (``edition_save``); its sessions change
    room, each validated as ever (no overlap in a room); ``edition_rooms_moved``
    lets the apps above move theirs (``workshops.receivers``: runs, under their
    locks, refused when the new room is too small or taken). Returns how many
    things moved.
    """
    if venue is None:
        raise ValidationError({"venue": _("Choose the new venue.")})
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    plan = edition_venue_plan(edition=locked, venue=venue)
    missing = [entry["room"] for entry in plan if entry["room"].pk not in room_map]
    if missing:
        raise ValidationError(
            _("Choose where to move what is in %(rooms)s.")
            % {"rooms": ", ".join(str(room) for room in missing)}
        )
    for new_room in room_map.values():
        if new_room is not None and new_room.venue_id != venue.pk:
            raise ValidationError(
                _("%(room)s is not at %(venue)s: choose one of its rooms.")
                % {"room": new_room, "venue": venue.name}
            )
    locked.venue = venue
    edition_save(edition=locked)
    edition.venue = venue
    sessions = list(
        AgendaSession.objects.filter(edition=locked, room_id__in=list(room_map))
        .select_related("room")
        .order_by("starts_at", "pk")
    )
    _rooms_lock(
        [*room_map, *(room.pk for room in room_map.values() if room is not None)]
    )
    for session in sessions:
        session.edition = locked
        session.room = room_map[session.room_id]
        try:
            session.full_clean()
        except ValidationError as error:
            raise ValidationError(
                _("“%(title)s”: %(error)s")
                % {"title": session.title, "error": " ".join(error.messages)}
            ) from error
        session.save(update_fields=["room"])
    moved = len(sessions)
    for _receiver, response in edition_rooms_moved.send(
        sender=Edition, edition=locked, room_map=room_map, actor=actor
    ):
        moved += response or 0
    return moved


def _local_shift(value: dt.datetime | None, days: int) -> dt.datetime | None:
    """Move an aware datetime by whole days, keeping its local wall-clock time."""
    if value is None:
        return None
    local = timezone.localtime(value).replace(tzinfo=None) + dt.timedelta(days=days)
    return timezone.make_aware(local)


def _one_year_later(day: dt.date) -> dt.date:
    """The same weekday a year on: 52 weeks later (53 if that is still the same
    year), so a Wednesday–Thursday conference stays a Wednesday–Thursday one."""
    later = day + dt.timedelta(weeks=52)
    return later if later.year > day.year else later + dt.timedelta(weeks=1)


def _next_year_text(text: str, year: int) -> str:
    return re.sub(rf"\b{year}\b", str(year + 1), text)


@transaction.atomic
def edition_duplicate(*, edition: Edition) -> Edition:
    """Copy an edition as a draft one year later: dates shifted, same venue, the
    agenda skeleton (sessions without speakers) and the partners.

    Sends ``edition_duplicated`` with ``session_map`` inside the transaction, so the
    workshops app can copy its part.
    """
    source = Edition.objects.select_for_update().get(pk=edition.pk)
    year = source.year + 1
    if Edition.objects.filter(series_id=source.series_id, year=year).exists():
        raise ValidationError(
            _(
                "%(series)s already has an edition in %(year)s: edit that one "
                "instead of duplicating."
            )
            % {"series": source.series.name, "year": year}
        )
    start = _one_year_later(source.start_date)
    days = (start - source.start_date).days
    slug = _next_year_text(source.slug, source.year)
    if slug == source.slug:
        slug = f"{source.slug}-{year}"
    if Edition.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("The address “%(slug)s” is already used by another edition.")
            % {"slug": slug}
        )
    copy = Edition(
        series_id=source.series_id,
        ordinal=source.ordinal + 1,
        year=year,
        title=_next_year_text(source.title, source.year),
        slug=slug,
        start_date=start,
        end_date=source.end_date + dt.timedelta(days=days),
        venue_id=source.venue_id,
        capacity=source.capacity,
        registration_opens_at=_local_shift(source.registration_opens_at, days),
        registration_closes_at=_local_shift(source.registration_closes_at, days),
        workshop_selection_closes_at=_local_shift(
            source.workshop_selection_closes_at, days
        ),
        status=Edition.Status.DRAFT,
        aim=source.aim,
    )
    copy.full_clean()
    copy.save()
    originals = list(source.sessions.order_by("starts_at", "id"))
    copies = AgendaSession.objects.bulk_create(
        AgendaSession(
            edition=copy,
            starts_at=_local_shift(session.starts_at, days),
            ends_at=_local_shift(session.ends_at, days),
            room_id=session.room_id,
            kind=session.kind,
            title=session.title,
            description=session.description,
        )
        for session in originals
    )
    EditionPartner.objects.bulk_create(
        EditionPartner(edition=copy, partner_id=link.partner_id, order=link.order)
        for link in source.partners.all()
    )
    version_bump()  # bulk_create sends no post_save
    session_map = {
        original.pk: copied for original, copied in zip(originals, copies, strict=True)
    }
    edition_duplicated.send(
        sender=Edition, source=source, copy=copy, session_map=session_map
    )
    return copy
