"""The speakers' lists organisers take away (AV needs as CSV and PDF, arrivals with
dietary and access needs), each recorded in the personal-data access audit through
``signals.speaker_data_exported``."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.exports import csv_response
from socex.pdf import render_pdf

from .. import selectors, signals
from ..models import (
    Submission,
)


class SpeakerExportsMixin:
    """Export views of ``SubmissionAdmin`` (its ``get_urls`` routes them)."""

    def _edition(self, request, edition_id) -> Edition:
        if not (
            self.has_view_permission(request) and self.has_export_permission(request)
        ):
            raise PermissionDenied
        return get_object_or_404(Edition, pk=edition_id)

    @staticmethod
    def _av_cells(submission: Submission) -> list:
        version = submission.accepted_version
        session = submission.session
        return [
            session.starts_at.strftime("%Y-%m-%d %H:%M") if session else "",
            session.room.name if session and session.room else "",
            version.title if version else submission.working_title,
            submission.get_kind_display(),
            ", ".join(
                link.speaker.display_name for link in submission.speaker_links.all()
            ),
            _("yes") if version and version.needs_projector else _("no"),
            version.microphones if version else "",
            _("yes") if version and version.needs_internet else _("no"),
            version.av_notes if version else "",
            version.accessibility_notes if version else "",
            _("yes") if version and version.consent_recording else _("no"),
        ]

    AV_HEADER = [
        "Starts",
        "Room",
        "Title",
        "Kind",
        "Speakers",
        "Projector",
        "Microphones",
        "Internet",
        "Other AV needs",
        "Accessibility",
        "Recording agreed",
    ]

    @staticmethod
    def _exported(request, *, export: str, edition: Edition, rows: int) -> None:
        """Speakers' personal data leaves the site: the delegates app audits it."""
        signals.speaker_data_exported.send(
            sender=Submission,
            request=request,
            export=export,
            edition=edition,
            rows=rows,
        )

    def av_csv_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [self._av_cells(s) for s in selectors.av_rows(edition=edition)]
        self._exported(
            request, export=signals.EXPORT_AV_CSV, edition=edition, rows=len(rows)
        )
        return csv_response(
            filename=f"{edition.slug}-av.csv", header=self.AV_HEADER, rows=rows
        )

    def av_pdf_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [self._av_cells(s) for s in selectors.av_rows(edition=edition)]
        pdf = render_pdf(
            template="speak/av_needs_pdf.html",
            context={
                "edition": edition,
                "header": self.AV_HEADER,
                "rows": rows,
                "printed_at": timezone.now(),
            },
        )
        self._exported(
            request, export=signals.EXPORT_AV_PDF, edition=edition, rows=len(rows)
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{edition.slug}-av.pdf"'
        )
        return response

    def arrivals_csv_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [
            [
                link.speaker.display_name,
                str(link.submission),
                link.arrival_date.isoformat() if link.arrival_date else "",
                link.dietary_needs,
                link.access_needs,
            ]
            for link in selectors.arrival_rows(edition=edition)
        ]
        self._exported(
            request, export=signals.EXPORT_ARRIVALS_CSV, edition=edition, rows=len(rows)
        )
        return csv_response(
            filename=f"{edition.slug}-speaker-arrivals.csv",
            header=["Speaker", "Item", "Arrival day", "Dietary needs", "Access needs"],
            rows=rows,
        )
