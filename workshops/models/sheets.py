"""Rendered sign-in sheets: one per run, and one PDF of a whole edition's."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.artifacts import RenderedFile, render_status

from .programme import WorkshopRun


class SignInSheet(RenderedFile):
    """The printable sign-in sheet of one run, rendered by a Celery task."""

    # The value its waiting rows held before the shape was shared.
    Status = render_status(PENDING=("queued", _("Queued")))

    files_under = "workshops/sheets/"

    run = models.OneToOneField(
        WorkshopRun, on_delete=models.CASCADE, related_name="sign_in_sheet"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Sign-in sheet: {self.run}"


class EditionSignInSheets(RenderedFile):
    """One PDF holding the sign-in sheet of every run of an edition (each run on
    its own pages, in time order), rendered by a Celery task."""

    files_under = "workshops/sheets/"

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="workshop_sign_in_sheets"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("edition's sign-in sheets")
        verbose_name_plural = _("editions' sign-in sheets")

    def __str__(self) -> str:
        return f"Sign-in sheets: {self.edition}"
