"""Printable sign-in sheets: requested by organisers, rendered by a Celery task from
the persisted attendance list.

``tasks`` imports this package too; it is used only when a function runs, by which
time both modules are fully imported.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from socex.artifacts import artifact_render, artifact_store
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
            "status": SignInSheet.Status.PENDING,
            "requested_at": timezone.now(),
            "error": "",
        },
    )
    enqueue_on_commit(tasks.sign_in_sheet_render_task, run_id=run.pk)
    return sheet


def sign_in_sheet_render(*, run_id: int) -> SignInSheet | None:
    """Render and store the sheet from the persisted attendance list; a failure is
    kept on the sheet (failed, with the error)."""
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
    # The row lock is taken only to store the file, not while WeasyPrint renders.
    pdf = artifact_render(
        sheet,
        render=lambda: render_pdf(
            template="workshops/sign_in_sheet.html",
            context={"run": run, "attendees": attendance(run), "now": timezone.now()},
        ),
    )
    if pdf is None:
        return sheet
    with transaction.atomic():
        sheet = SignInSheet.objects.select_for_update().get(pk=sheet.pk)
        artifact_store(
            sheet, name=f"sign-in-run-{run.pk}.pdf", content=pdf, replace=True
        )
    return sheet
