"""Edition duplication: the workshops part of copying a conference."""

from __future__ import annotations

from django.db import transaction

from events.models import Edition

from ..models import TimeBlock, Workshop, WorkshopRun, WorkshopSettings


@transaction.atomic
def workshops_copy(*, source: Edition, copy: Edition, session_map: dict) -> int:
    """Copy an edition's settings, blocks, workshops and runs (no choices) to
    ``copy``; ``session_map`` maps original session ids to copied sessions."""
    src_settings = WorkshopSettings.objects.filter(edition=source).first()
    if src_settings:
        WorkshopSettings.objects.update_or_create(
            edition=copy,
            defaults={
                "mode": src_settings.mode,
                "workshops_per_delegate": src_settings.workshops_per_delegate,
            },
        )
    block_map = {}
    for block in TimeBlock.objects.filter(edition=source):
        new_session = session_map.get(block.session_id)
        if new_session is None:
            continue
        block_map[block.pk], _created = TimeBlock.objects.get_or_create(
            session=new_session, defaults={"edition": copy, "label": block.label}
        )
    copied = 0
    for workshop in Workshop.objects.filter(edition=source).prefetch_related(
        "facilitators", "runs"
    ):
        new, created = Workshop.objects.get_or_create(
            edition=copy,
            title=workshop.title,
            defaults={
                "summary": workshop.summary,
                "order": workshop.order,
                "published": False,
            },
        )
        if not created:
            continue
        copied += 1
        new.facilitators.set(workshop.facilitators.all())
        for run in workshop.runs.all():
            if run.block_id in block_map:
                WorkshopRun.objects.create(
                    workshop=new,
                    block=block_map[run.block_id],
                    room=run.room,
                    capacity=run.capacity,
                    over_room_capacity=run.over_room_capacity,
                )
    return copied
