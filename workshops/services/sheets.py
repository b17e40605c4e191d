"""Printable sign-in sheets: requested by organisers, rendered by a Celery task from
the persisted attendance list.

``tasks`` imports this package too; it is used only when a function runs, by which
time both modules are fully imported.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from socex.tasks import enqueue_on_commit

from .. import tasks
from ..models import SignInSheet, WorkshopRun
from ..selectors import attendance

logger = logging.getLogger(__name__)


@transaction.atomic
def sign_in_sheet_request(*, run: WorkshopRun) -> SignInSheet:
    """Queue the PDF sign-in sheet of a run; the task renders it after commit."""
    sheet, _created = SignInSheet.objects.update_or_create(
        run=run,
        defaults={
            "status": SignInSheet.Status.QUEUED,
            "requested_at": timezone.now(),
            "error": "",
        },
    )
    enqueue_on_commit(tasks.sign_in_sheet_render_task, run_id=run.pk)
    return sheet


def sign_in_sheet_render(*, run_id: int) -> SignInSheet | None:
    """Render and store the sheet from the persisted attendance list."""
    # WeasyPrint takes over half a second to import: only the process that renders
    # a sheet (the worker) pays for it, not every web process at start-up.
    from socex.pdf import render_pdf  # noqa: PLC0415

    run = (
        WorkshopRun.objects.select_related(
            "workshop__edition", "block__session", "room"
        )
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        logger.info("Sign-in sheet for run %s: run is gone", run_id)
        return None
    sheet, _created = SignInSheet.objects.get_or_create(run=run)
    try:
        pdf = render_pdf(
            template="workshops/sign_in_sheet.html",
            context={"run": run, "attendees": attendance(run), "now": timezone.now()},
        )
    except Exception as exc:
        logger.exception("Sign-in sheet for run %s failed", run_id)
        SignInSheet.objects.filter(pk=sheet.pk).update(
            status=SignInSheet.Status.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    with transaction.atomic():
        sheet = SignInSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.file:
            sheet.file.delete(save=False)
        sheet.file.save(f"sign-in-run-{run.pk}.pdf", ContentFile(pdf), save=False)
        sheet.status = SignInSheet.Status.READY
        sheet.generated_at = timezone.now()
        sheet.error = ""
        sheet.save()
    return sheet
