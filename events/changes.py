"""A published session's time, room or title changed: raise its calendar sequence
and tell the apps above (``signals.agenda_session_changed``), whoever saved it (the
session admin, the edition's agenda inline, a service).

Connected in ``EventsConfig.ready()``. The values a session was loaded with are kept
by ``AgendaSession.from_db``, so saving an unchanged agenda costs no query.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from .models import AgendaSession, Edition, Room
from .signals import agenda_session_changed


def when(starts_at, ends_at) -> str:
    """``Wednesday 12 November, 10:00–11:00`` in the site's time zone."""
    if not (starts_at and ends_at):
        return "—"
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return (
        f"{date_format(start, 'l j F')}, "
        f"{time_format(start, 'H:i')}–{time_format(end, 'H:i')}"
    )


def _room_names(*room_ids) -> dict:
    ids = [pk for pk in room_ids if pk]
    return dict(Room.objects.filter(pk__in=ids).values_list("pk", "name"))


def session_changes(session: AgendaSession) -> list[dict]:
    """What changed in ``session`` since it was loaded (time, room, title)."""
    loaded = getattr(session, "_loaded", None)
    if not session.pk or not loaded or len(loaded) < len(session.TRACKED_FIELDS):
        return []
    changes = []
    old_when = when(loaded["starts_at"], loaded["ends_at"])
    new_when = when(session.starts_at, session.ends_at)
    if (loaded["starts_at"], loaded["ends_at"]) != (
        session.starts_at,
        session.ends_at,
    ):
        changes.append(
            {"field": "time", "label": _("Time"), "old": old_when, "new": new_when}
        )
    if loaded["room_id"] != session.room_id:
        names = _room_names(loaded["room_id"], session.room_id)
        changes.append(
            {
                "field": "room",
                "label": _("Room"),
                "old": names.get(loaded["room_id"], "—"),
                "new": names.get(session.room_id, "—"),
            }
        )
    if loaded["title"] != session.title:
        changes.append(
            {
                "field": "title",
                "label": _("Title"),
                "old": loaded["title"],
                "new": session.title,
            }
        )
    return changes


def before_session_save(sender, instance: AgendaSession, raw=False, **kwargs) -> None:
    """Note what changed in a session of a published edition; its sequence is
    raised and the change announced after the save."""
    instance._changes = []
    if raw:
        return
    changes = session_changes(instance)
    if not changes:
        return
    published = Edition.objects.filter(
        pk=instance.edition_id, status=Edition.Status.PUBLISHED
    ).exists()
    if not published:
        return
    instance._changes = changes


def after_session_save(sender, instance: AgendaSession, raw=False, **kwargs) -> None:
    changes = getattr(instance, "_changes", [])
    instance._loaded = {
        name: getattr(instance, name) for name in AgendaSession.TRACKED_FIELDS
    }
    if not changes:
        return
    instance._changes = []
    # An UPDATE, whatever ``update_fields`` the save was given.
    AgendaSession.objects.filter(pk=instance.pk).update(sequence=F("sequence") + 1)
    instance.sequence += 1
    # The receivers write in this transaction (the session save's).
    with transaction.atomic():
        agenda_session_changed.send(
            sender=AgendaSession, session=instance, changes=changes
        )
