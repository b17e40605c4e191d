"""A published workshop run's block (its time), room or title changed: raise its
calendar sequence and record the change for the agenda-change digest of delegates
(``delegates.messages.digest``), which asks ``hooks.message_recipients`` who the run's
attendees and facilitators are when the digest goes out.

Connected in ``WorkshopsConfig.ready()``; values as loaded are kept by ``from_db``.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from delegates.messages import digest
from events.changes import when
from events.models import Edition, Room

from .models import TimeBlock, Workshop, WorkshopRun


def _published(workshop: Workshop) -> bool:
    return workshop.published and (
        Edition.objects.filter(
            pk=workshop.edition_id, status=Edition.Status.PUBLISHED
        ).exists()
    )


def run_changes(run: WorkshopRun) -> list[dict]:
    loaded = getattr(run, "_loaded", None)
    if not run.pk or not loaded or len(loaded) < len(run.TRACKED_FIELDS):
        return []
    changes = []
    if loaded["block_id"] != run.block_id:
        sessions = {
            block.pk: block.session
            for block in TimeBlock.objects.filter(
                pk__in=[loaded["block_id"], run.block_id]
            ).select_related("session")
        }
        old, new = sessions.get(loaded["block_id"]), sessions.get(run.block_id)
        changes.append(
            {
                "field": "time",
                "label": _("Time"),
                "old": when(old.starts_at, old.ends_at) if old else "—",
                "new": when(new.starts_at, new.ends_at) if new else "—",
            }
        )
    if loaded["room_id"] != run.room_id:
        names = dict(
            Room.objects.filter(pk__in=[loaded["room_id"], run.room_id]).values_list(
                "pk", "name"
            )
        )
        changes.append(
            {
                "field": "room",
                "label": _("Room"),
                "old": names.get(loaded["room_id"], "—"),
                "new": names.get(run.room_id, "—"),
            }
        )
    return changes


def before_run_save(sender, instance: WorkshopRun, raw=False, **kwargs) -> None:
    instance._changes = [] if raw else run_changes(instance)


def after_run_save(sender, instance: WorkshopRun, raw=False, **kwargs) -> None:
    changes, instance._changes = getattr(instance, "_changes", []), []
    instance._loaded = {
        name: getattr(instance, name) for name in instance.TRACKED_FIELDS
    }
    if not changes or not _published(instance.workshop):
        return
    WorkshopRun.objects.filter(pk=instance.pk).update(sequence=F("sequence") + 1)
    instance.sequence += 1
    digest.agenda_change_record(
        edition=instance.workshop.edition,
        kind=digest.AgendaChange.Kind.RUN,
        object_id=instance.pk,
        title=instance.workshop.title,
        changes=changes,
    )


def before_workshop_save(sender, instance: Workshop, raw=False, **kwargs) -> None:
    loaded = getattr(instance, "_loaded", None)
    instance._changes = []
    if raw or not instance.pk or not loaded or loaded["title"] == instance.title:
        return
    instance._changes = [
        {
            "field": "title",
            "label": _("Title"),
            "old": loaded["title"],
            "new": instance.title,
        }
    ]


def after_workshop_save(sender, instance: Workshop, raw=False, **kwargs) -> None:
    """A new title changes every run of the workshop."""
    changes, instance._changes = getattr(instance, "_changes", []), []
    instance._loaded = {"title": instance.title}
    if not changes or not _published(instance):
        return
    run_ids = list(instance.runs.order_by("pk").values_list("pk", flat=True))
    WorkshopRun.objects.filter(pk__in=run_ids).update(sequence=F("sequence") + 1)
    for run_id in run_ids:
        digest.agenda_change_record(
            edition=instance.edition,
            kind=digest.AgendaChange.Kind.RUN,
            object_id=run_id,
            title=instance.title,
            changes=changes,
        )
