"""Printable sign-in sheets: requested by organisers, rendered by a Celery task from
the persisted attendance list.

``tasks`` imports this package too; it is used only when a function runs, by which
time both modules are fully imported.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from events.models import Edition
from socex.artifacts import artifact_render, artifact_store
from socex.tasks import enqueue_on_commit

from .. import tasks
from ..models import EditionSignInSheets, SignInSheet, WorkshopChoice, WorkshopRun
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


@transaction.atomic
def edition_sign_in_sheets_request(*, edition: Edition) -> EditionSignInSheets:
    """Queue one PDF of the sign-in sheets of every run of ``edition``; the task
    renders it after commit (a request while one renders makes it again)."""
    sheets, _created = EditionSignInSheets.objects.update_or_create(
        edition=edition,
        defaults={
            "status": EditionSignInSheets.Status.PENDING,
            "requested_at": timezone.now(),
            "error": "",
        },
    )
    enqueue_on_commit(tasks.edition_sign_in_sheets_render_task, edition_id=edition.pk)
    return sheets


def edition_sheets_attendance(edition: Edition) -> list[tuple[WorkshopRun, list]]:
    """Every run of ``edition`` in time order with who sits in it, by surname: two
    queries however many runs."""
    runs = list(
        WorkshopRun.objects.filter(workshop__edition=edition)
        .select_related("workshop__edition", "block__session", "room")
        .order_by("block__session__starts_at", "workshop__order", "pk")
    )
    by_run: dict[int, list] = {run.pk: [] for run in runs}
    choices = (
        WorkshopChoice.objects.filter(run__in=runs)
        .select_related("registration__user__profile")
        .order_by(
            "registration__user__profile__last_name",
            "registration__user__profile__first_name",
            "registration__reference",
        )
    )
    for choice in choices:
        by_run[choice.run_id].append(choice)
    return [(run, by_run[run.pk]) for run in runs]


def edition_sign_in_sheets_render(*, edition_id: int) -> EditionSignInSheets | None:
    """Render and store the edition's sheets in one file; a failure is kept on the
    row (failed, with the error)."""
    # WeasyPrint is loaded by the worker only (see sign_in_sheet_render).
    from socex.pdf import render_pdf  # noqa: PLC0415

    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        logger.info("Sign-in sheets for edition %s: edition is gone", edition_id)
        return None
    sheets, _created = EditionSignInSheets.objects.get_or_create(edition=edition)
    pdf = artifact_render(
        sheets,
        render=lambda: render_pdf(
            template="workshops/sign_in_sheets.html",
            context={
                "edition": edition,
                "sheets": edition_sheets_attendance(edition),
                "now": timezone.now(),
            },
        ),
    )
    if pdf is None:
        return sheets
    with transaction.atomic():
        sheets = EditionSignInSheets.objects.select_for_update().get(pk=sheets.pk)
        artifact_store(
            sheets,
            name=f"sign-in-sheets-{edition.slug}.pdf",
            content=pdf,
            replace=True,
        )
    return sheets
