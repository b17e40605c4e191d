"""The catering and access summary for the venue, as pages of the registration
admin."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from .. import selectors
from ..privacy import services as privacy


class CateringSummaryMixin:
    """Diets and access needs are personal data: the pages need the export
    permission (``has_export_permission``, from RegistrationActionsMixin)."""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "summary/",
                self.admin_site.admin_view(self.summary_index_view),
                name="{}_{}_summary_index".format(*info),
            ),
            path(
                "summary/<int:edition_id>/",
                self.admin_site.admin_view(self.summary_view),
                name="{}_{}_summary".format(*info),
            ),
            *super().get_urls(),
        ]

    def summary_index_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        editions = Edition.objects.select_related("series").order_by("-start_date")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Catering and access summary"),
            "opts": self.model._meta,
            "editions": [
                (
                    edition,
                    reverse("admin:delegates_registration_summary", args=[edition.pk]),
                )
                for edition in editions
            ],
        }
        return TemplateResponse(
            request, "admin/delegates/registration/summary_index.html", context
        )

    def summary_view(self, request, edition_id):
        if not self.has_export_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(
            Edition.objects.select_related("venue"), pk=edition_id
        )
        summary = selectors.catering_summary(edition=edition)
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.CATERING_SUMMARY,
            edition=edition,
            rows=summary["total"],
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Catering and access: %(edition)s") % {"edition": edition},
            "opts": self.model._meta,
            "edition": edition,
            "summary": summary,
        }
        return TemplateResponse(
            request, "admin/delegates/registration/summary.html", context
        )
