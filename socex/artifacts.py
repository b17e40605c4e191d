"""Rendered files: the one shape of badges, badge print jobs and sign-in sheets, and
the one path every render takes (rendering, then ready with its file, or failed with
the error kept).

``RenderedFile`` is abstract: each model keeps the status values its rows already
hold by defining its own ``Status`` with the four names ``PENDING``, ``RENDERING``,
``READY`` and ``FAILED`` (a print job stores ``queued``/``running``/``done``), and
names the folder of its files in ``files_under``. The two fields below read both
from the model they land on, and deconstruct as plain Django fields, so migrations
never import this module.
"""

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socex.storage import private_storage

logger = logging.getLogger(__name__)


class StatusField(models.CharField):
    """A rendered file's status: choices and default from its model's ``Status``."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        status = getattr(cls, "Status", None)  # historical models have none
        if status is not None:
            self.choices = status.choices
            self.default = status.PENDING
        super().contribute_to_class(cls, name, *args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class RenderedFileField(models.FileField):
    """A rendered file's file, in private storage under its model's ``files_under``."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        folder = getattr(cls, "files_under", None)  # historical models have none
        if folder is not None:
            self.upload_to = folder
        super().contribute_to_class(cls, name, *args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.FileField", args, kwargs


STATUSES = {
    "PENDING": ("pending", _("Waiting to be made")),
    "RENDERING": ("rendering", _("Being made")),
    "READY": ("ready", _("Ready")),
    "FAILED": ("failed", _("Failed")),
}


def render_status(**stored: tuple[str, str]) -> type[models.TextChoices]:
    """A rendered file's ``Status``: the four names, each with the value and label
    of ``STATUSES`` unless ``stored`` gives the ones the model's rows already hold
    (``PENDING=("queued", _("Queued"))``)."""
    unknown = set(stored) - set(STATUSES)
    if unknown:
        raise TypeError(f"No such status: {', '.join(sorted(unknown))}")
    return models.TextChoices("Status", [*{**STATUSES, **stored}.items()])


class RenderedFile(models.Model):
    """A file rendered by a task: its status, the file, the last error, how many
    times rendering was started, when the file was made and the row last changed."""

    Status = render_status()

    files_under = ""

    status = StatusField(max_length=10, db_index=True)
    file = RenderedFileField(blank=True, storage=private_storage, max_length=200)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)


def _write(artifact: RenderedFile, *, only_if: str | None = None, **fields) -> bool:
    """Write ``fields`` (and ``updated_at``) to the row alone, so that concurrent
    writers of other columns (the chunks of a print job) are never overwritten."""
    fields["updated_at"] = timezone.now()
    rows = type(artifact)._default_manager.filter(pk=artifact.pk)
    if only_if is not None:
        rows = rows.filter(status=only_if)
    if not rows.update(**fields):
        return False
    for name, value in fields.items():
        if not isinstance(value, F):
            setattr(artifact, name, value)
    return True


def artifact_render_start(artifact: RenderedFile) -> None:
    """Mark ``artifact`` rendering, clear its error and count the attempt."""
    _write(
        artifact,
        status=artifact.Status.RENDERING,
        error="",
        attempts=F("attempts") + 1,
    )
    artifact.attempts += 1


def artifact_render(
    artifact: RenderedFile,
    *,
    render: Callable[[], bytes],
    name: str | None = None,
    start: bool = True,
    replace: bool = False,
    **fields,
) -> bytes | None:
    """Run ``render`` for ``artifact`` and record the outcome on it.

    ``start``: first mark it rendering and count the attempt (a print job does that
    once when it starts or resumes, not for each chunk). A failure is logged and kept
    (failed, with the error) while the artifact is still rendering, so a job that
    another chunk failed, or a sheet requested again meanwhile, keeps its newer
    state; it returns None. With ``name``, the bytes become the artifact's file
    through ``artifact_store`` (with ``replace`` and ``fields``); without, the caller
    stores them (a print job's chunk, a sheet stored under its row lock).
    """
    if start:
        artifact_render_start(artifact)
    try:
        content = render()
    except Exception as exc:  # a bad font or template must not lose the row
        logger.exception("Rendering %s %s failed", type(artifact).__name__, artifact.pk)
        _write(
            artifact,
            only_if=artifact.Status.RENDERING,
            status=artifact.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return None
    if name is not None:
        artifact_store(artifact, name=name, content=content, replace=replace, **fields)
    return content


def artifact_store(
    artifact: RenderedFile,
    *,
    name: str,
    content: bytes,
    replace: bool = False,
    **fields,
) -> None:
    """Save ``content`` as the artifact's file and mark it ready, with ``fields``.

    ``replace`` deletes the previous file first; otherwise it stays, as an email
    may still attach it.
    """
    if replace and artifact.file:
        artifact.file.delete(save=False)
    artifact.file.save(name, ContentFile(content), save=False)
    _write(
        artifact,
        status=artifact.Status.READY,
        file=artifact.file.name,
        rendered_at=timezone.now(),
        error="",
        **fields,
    )
