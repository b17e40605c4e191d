"""Celery tasks: thin wrappers that fetch by id and call a service."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="workshops.tasks.sign_in_sheet_render_task", acks_late=True)
def sign_in_sheet_render_task(*, run_id: int) -> str:
    """Render a run's PDF sign-in sheet from its persisted attendance list."""
    sheet = services.sign_in_sheet_render(run_id=run_id)
    return "missing" if sheet is None else sheet.status


@shared_task(name="workshops.tasks.edition_sign_in_sheets_render_task", acks_late=True)
def edition_sign_in_sheets_render_task(*, edition_id: int) -> str:
    """Render one PDF of every sign-in sheet of an edition."""
    sheets = services.edition_sign_in_sheets_render(edition_id=edition_id)
    return "missing" if sheets is None else sheets.status
