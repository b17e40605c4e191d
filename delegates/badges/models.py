"""Badge and check-in models (imported by delegates.models so Django registers them)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.artifacts import RenderedFile, render_status

__all__ = ["Badge", "BadgePrintJob", "BadgeSettings", "CheckIn"]


class BadgeSettings(models.Model):
    """How an edition's badges are printed (A6 portrait unless set here)."""

    class Size(models.TextChoices):
        A6 = "a6", _("A6 portrait (105 × 148 mm)")
        CARD = "card", _("4 × 3 inch landscape")

    edition = models.OneToOneField(
        Edition, on_delete=models.CASCADE, related_name="badge_settings"
    )
    size = models.CharField(max_length=8, choices=Size.choices, default=Size.A6)

    class Meta:
        verbose_name = _("badge settings")
        verbose_name_plural = _("badge settings")

    def __str__(self) -> str:
        return f"{self.edition}: {self.get_size_display()}"


class Badge(RenderedFile):
    """A registration's badge: its check-in key and the last rendered PDF."""

    files_under = "badges/"

    registration = models.OneToOneField(
        "delegates.Registration", on_delete=models.CASCADE, related_name="badge"
    )
    # The random half of the QR token; the other half is an HMAC of it (tokens.py).
    key = models.CharField(max_length=32, unique=True, editable=False)
    # The token's QR code as a PNG data URI, made once: choosing the QR mask costs
    # more than laying the code out, and the token never changes.
    qr = models.TextField(blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["registration"]

    def __str__(self) -> str:
        return f"Badge {self.registration}"

    def get_absolute_url(self) -> str:
        return reverse(
            "badges:download", kwargs={"reference": self.registration.reference}
        )


class BadgePrintJob(RenderedFile):
    """One bulk print: a PDF of many badges made in chunks by Celery."""

    class Layout(models.TextChoices):
        SINGLE = "single", _("One badge per page")
        SHEET = "sheet", _("Four A6 badges per A4 sheet (crop marks, duplex backs)")

    # The values its rows held before the shape was shared.
    Status = render_status(
        PENDING=("queued", _("Queued")),
        RENDERING=("running", _("Running")),
        READY=("done", _("Done")),
    )

    files_under = "badges/print/"

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="badge_print_jobs"
    )
    layout = models.CharField(
        max_length=8, choices=Layout.choices, default=Layout.SINGLE
    )
    # Registration ids in print order (surname), fixed when the job is created.
    selection = models.JSONField(default=list, editable=False)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    # Indexes of the chunks already rendered, so a duplicate task never counts twice.
    chunks_done = models.JSONField(default=list, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="badge_print_done_le_total"
            ),
        ]
        indexes = [
            # The stuck-job sweep every minute: one index range scan, empty as a rule.
            models.Index(
                fields=["status", "updated_at"], name="badge_print_status_updated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition}: {self.total} badges ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class CheckIn(models.Model):
    """A delegate arrived: when, and which organiser let them in."""

    registration = models.OneToOneField(
        "delegates.Registration", on_delete=models.CASCADE, related_name="check_in"
    )
    checked_in_at = models.DateTimeField()
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = _("check-in")
        permissions = [("check_in", _("Can check delegates in at the door"))]

    def __str__(self) -> str:
        return f"{self.registration} at {self.checked_in_at:%Y-%m-%d %H:%M}"
