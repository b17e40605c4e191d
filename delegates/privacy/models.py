from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import Edition


class PersonalDataAccess(models.Model):
    """One viewing or export of personal data: who, when, what, how many rows.

    Written by ``services.personal_data_access_record`` and never changed: organisers
    read it in the admin, nobody edits or deletes it there.
    """

    class Kind(models.TextChoices):
        EXPORT_CSV = "export_csv", _("Registrations exported (CSV)")
        EXPORT_XLSX = "export_xlsx", _("Registrations exported (Excel)")
        CATERING_SUMMARY = "catering_summary", _("Catering and access summary viewed")
        ATTENDANCE_CSV = "attendance_csv", _("Attendance list downloaded (CSV)")
        WORKSHOP_ATTENDANCE = (
            "workshop_attendance",
            _("Workshop attendance exported (CSV)"),
        )
        SIGN_IN_SHEET = "sign_in_sheet", _("Sign-in sheet downloaded")
        BADGE_PRINT_RUN = "badge_print_run", _("Badge print run downloaded")
        CHECK_IN_LOOKUP = "check_in_lookup", _("Badge looked up at check-in")
        SPEAKER_AV_CSV = "speaker_av_csv", _("Speakers' AV and access needs (CSV)")
        SPEAKER_AV_PDF = "speaker_av_pdf", _("Speakers' AV and access needs (PDF)")
        SPEAKER_ARRIVALS = (
            "speaker_arrivals",
            _("Speakers' arrivals, dietary and access needs (CSV)"),
        )
        DATA_DOWNLOAD = "data_download", _("Own data downloaded")
        ERASE = "erase", _("Personal data erased")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who viewed, exported or erased (empty: the system)."),
    )
    # Kept as text too: the actor's account may itself be erased later.
    actor_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, db_index=True)
    edition = models.ForeignKey(
        Edition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whose data, when it was one person's."),
    )
    rows = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=250, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        permissions = [
            ("erase_person", _("Can erase a person's personal data")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_email or 'the system'}"
