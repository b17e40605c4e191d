"""What the service modules share: the organisers' audit trail and how a run is named
in messages."""

from __future__ import annotations

from django.utils import timezone

from delegates.models import Registration
from events.models import Edition

from ..models import WorkshopAuditEntry, WorkshopRun


def audit_record(
    *,
    edition: Edition,
    action: str,
    detail: str,
    actor=None,
    registration: Registration | None = None,
    run: WorkshopRun | None = None,
) -> WorkshopAuditEntry:
    return WorkshopAuditEntry.objects.create(
        edition=edition,
        action=action,
        detail=detail,
        actor=actor,
        registration=registration,
        run=run,
    )


def run_label(run: WorkshopRun) -> str:
    start = timezone.localtime(run.block.session.starts_at)
    return f"“{run.workshop.title}” ({start:%H:%M})"
