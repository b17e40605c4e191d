"""The registration list's actions: each calls a service per registration, in id
order, and reports every refusal in the service's words."""

import io

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socex.exports import csv_response

from .. import selectors, services
from ..forms import DeclineForm
from ..models import Registration
from ..privacy import services as privacy
from .forms import error_text, valid_pk


class RegistrationActionsMixin:
    actions = [
        "approve",
        "decline",
        "move_to_waitlist",
        "resend_confirmation",
        "export_csv",
        "export_xlsx",
    ]

    # The permissions the actions declare: vetting (approve, decline, waitlist,
    # resend the confirmation) and personal-data exports.

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("delegates.approve_registration")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("delegates.export_registration")

    def response_action(self, request, queryset):
        """Refuse a selection that names no possible registration (forged or
        truncated ids) with a message, before any action runs."""
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(valid_pk(value) for value in selected):
            self.message_user(
                request,
                _(
                    "The selection was not valid, so nothing was done. Reload the "
                    "list and select the registrations again."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def _each(self, request, queryset, service, done_message, **kwargs) -> list:
        """Run ``service`` on each registration; returns what it returned for those
        it did not refuse. ``done_message`` None: the caller reports."""
        done = []
        for registration in queryset.select_related("edition").order_by("pk"):
            try:
                result = service(registration=registration, **kwargs)
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{registration.reference}: {error_text(error)}",
                    messages.ERROR,
                )
            else:
                done.append(result)
        if done and done_message is not None:
            self.message_user(
                request, done_message % {"count": len(done)}, messages.SUCCESS
            )
        return done

    @admin.action(
        description=_(
            "Approve selected (confirmed while places remain, then waitlisted)"
        ),
        permissions=["approve"],
    )
    def approve(self, request, queryset):
        approved = self._each(
            request,
            queryset,
            services.registration_approve,
            None,
            actor=request.user,
        )
        confirmed = sum(r.status == Registration.Status.CONFIRMED for r in approved)
        waitlisted = len(approved) - confirmed
        if confirmed:
            self.message_user(
                request,
                _("%(count)d registration(s) confirmed.") % {"count": confirmed},
                messages.SUCCESS,
            )
        if waitlisted:
            self.message_user(
                request,
                _(
                    "%(count)d registration(s) put on the waiting list: the edition "
                    "is full."
                )
                % {"count": waitlisted},
                messages.WARNING,
            )

    @admin.action(
        description=_("Decline selected, with a reason…"), permissions=["approve"]
    )
    def decline(self, request, queryset):
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(
                request,
                queryset,
                services.registration_decline,
                _("%(count)d registration(s) declined."),
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decline registrations"),
            "form": form,
            "registrations": queryset.select_related("user__profile", "edition"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/delegates/registration/decline.html", context
        )

    @admin.action(
        description=_("Move selected to the waiting list"), permissions=["approve"]
    )
    def move_to_waitlist(self, request, queryset):
        self._each(
            request,
            queryset,
            services.registration_waitlist,
            _("%(count)d registration(s) moved to the waiting list."),
            actor=request.user,
        )

    @admin.action(
        description=_("Resend the confirmation email"), permissions=["approve"]
    )
    def resend_confirmation(self, request, queryset):
        self._each(
            request,
            queryset,
            services.registration_confirmation_resend,
            _("%(count)d confirmation(s) queued."),
        )

    def _export_name(self, ext: str) -> str:
        return f"socex-delegates-{timezone.localtime():%Y%m%d-%H%M}.{ext}"

    @admin.action(description=_("Export selected as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        privacy.registrations_access_record(
            request=request, kind=privacy.Kind.EXPORT_CSV, registrations=queryset
        )
        return csv_response(
            filename=self._export_name("csv"),
            header=[title for _key, title in selectors.EXPORT_COLUMNS],
            rows=selectors.export_rows(queryset=queryset),
        )

    @admin.action(
        description=_("Export selected as Excel (XLSX)"), permissions=["export"]
    )
    def export_xlsx(self, request, queryset):
        # openpyxl takes a fifth of a second to import and only this export needs
        # it: loaded here, web and worker processes do not pay for it at start-up.
        from openpyxl import Workbook  # noqa: PLC0415  start-up cost, see above
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415  start-up cost

        privacy.registrations_access_record(
            request=request, kind=privacy.Kind.EXPORT_XLSX, registrations=queryset
        )
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Delegates")

        def text(value):
            # Typed as a string, so "=..." is shown as text, never run as a formula
            # (the CSV export's apostrophe guard is for CSV only).
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell

        sheet.append([text(title) for _key, title in selectors.EXPORT_COLUMNS])
        for row in selectors.export_rows(queryset=queryset):
            sheet.append([text(cell) for cell in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self._export_name("xlsx")}"'
        )
        return response
