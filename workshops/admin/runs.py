"""Runs: live fill, capacity and room changes, attendance lists (CSV) and the PDF
sign-in sheets. Every change goes through a service."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from delegates.privacy import services as privacy
from events.models import Edition
from socex.admin_base import ModelAdmin
from socex.exports import csv_response

from .. import selectors, services
from ..models import EditionSignInSheets, SignInSheet, WorkshopRun
from .common import BlockFilter, adopt, message_errors


class WorkshopRunAdminForm(forms.ModelForm):
    class Meta:
        model = WorkshopRun
        fields = ["workshop", "block", "room", "capacity", "over_room_capacity"]

    def clean_capacity(self):
        """The capacity rule is the service's: the same words as everywhere else."""
        capacity = self.cleaned_data.get("capacity")
        services.workshop_run_capacity_validate(run=self.instance, capacity=capacity)
        return capacity


@admin.register(WorkshopRun)
class WorkshopRunAdmin(ModelAdmin):
    form = WorkshopRunAdminForm
    list_display = [
        "workshop",
        "block",
        "room",
        "fill",
        "places_left_display",
        "sheet",
        "attendance_links",
    ]
    list_filter = ["workshop__edition", ("block", BlockFilter)]
    list_select_related = [
        "workshop",
        "block__session",
        "room__venue",
        "sign_in_sheet",
    ]
    search_fields = ["workshop__title"]
    readonly_fields = ["seats_taken", "attendance_table", "sheet", "attendance_links"]
    fields = [
        "workshop",
        "block",
        "room",
        "capacity",
        "over_room_capacity",
        "seats_taken",
        "sheet",
    ]
    actions = ["request_sheets", "request_edition_sheets", "export_csv"]
    change_form_template = "workshops/admin/run_change_form.html"

    @admin.display(description=_("Taken / capacity"), ordering="seats_taken")
    def fill(self, obj):
        if obj.is_over_room_capacity:
            return _("%(taken)s / %(capacity)s (room seats %(seats)s: override)") % {
                "taken": obj.seats_taken,
                "capacity": obj.capacity,
                "seats": obj.room.capacity,
            }
        return f"{obj.seats_taken} / {obj.capacity}"

    @admin.display(description=_("Places left"))
    def places_left_display(self, obj):
        return obj.places_left

    @admin.display(description=_("Sign-in sheet"))
    def sheet(self, obj):
        sheet = getattr(obj, "sign_in_sheet", None)
        if sheet is None:
            return "—"
        if sheet.status == SignInSheet.Status.READY:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("admin:workshops_workshoprun_sheet", args=[obj.pk]),
                _("Download PDF"),
            )
        return sheet.get_status_display()

    @admin.display(description=_("Attendance"))
    def attendance_links(self, obj):
        return format_html(
            '<a href="{}">CSV</a>',
            reverse("admin:workshops_workshoprun_csv", args=[obj.pk]),
        )

    @admin.display(description=_("Attendance list"))
    def attendance_table(self, obj):
        return ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["workshop", "block"]
        return fields

    def save_model(self, request, obj, form, change):
        """Through the services: a new run is validated by the model; a change of
        room or capacity is made under the run's lock, never below the seats taken,
        and audited."""
        if not change:
            adopt(
                obj,
                services.workshop_run_create(
                    workshop=obj.workshop,
                    block=obj.block,
                    room=obj.room,
                    capacity=obj.capacity,
                    over_room_capacity=obj.over_room_capacity,
                ),
            )
            return
        try:
            services.workshop_run_update(
                run=obj,
                room=obj.room if "room" in form.changed_data else services.UNCHANGED,
                capacity=(
                    form.cleaned_data.get("capacity")
                    if "capacity" in form.changed_data
                    else None
                ),
                over_room_capacity=(
                    obj.over_room_capacity
                    if "over_room_capacity" in form.changed_data
                    else None
                ),
                actor=request.user,
            )
        except ValidationError as exc:
            message_errors(self, request, exc)

    def delete_model(self, request, obj):
        services.workshop_run_delete(run=obj)

    def delete_queryset(self, request, queryset):
        for run in queryset:
            services.workshop_run_delete(run=run)

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/attendance.csv",
                self.admin_site.admin_view(self.csv_view),
                name="workshops_workshoprun_csv",
            ),
            path(
                "<int:pk>/sign-in-sheet.pdf",
                self.admin_site.admin_view(self.sheet_view),
                name="workshops_workshoprun_sheet",
            ),
            path(
                "edition/<int:edition_id>/sign-in-sheets.pdf",
                self.admin_site.admin_view(self.edition_sheets_view),
                name="workshops_workshoprun_edition_sheets",
            ),
            path(
                "<int:pk>/sign-in-sheet/request/",
                self.admin_site.admin_view(require_POST(self.sheet_request_view)),
                name="workshops_workshoprun_sheet_request",
            ),
        ]
        return extra + super().get_urls()

    def has_export_permission(self, request) -> bool:
        """Attendance lists and sign-in sheets name the delegates: an export."""
        return request.user.has_perm("delegates.export_registration")

    def _run_or_404(self, request, pk) -> WorkshopRun:
        """The run of an attendance view, for staff who may see runs and export."""
        if not (
            self.has_view_permission(request) and self.has_export_permission(request)
        ):
            raise PermissionDenied
        return get_object_or_404(
            WorkshopRun.objects.select_related("workshop", "block__session", "room"),
            pk=pk,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        run = self.get_object(request, unquote(object_id))
        if run is not None:
            extra_context["attendees"] = selectors.attendance(run)
            extra_context["run"] = run
        return super().change_view(request, object_id, form_url, extra_context)

    def csv_view(self, request, pk):
        run = self._run_or_404(request, pk)
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.WORKSHOP_ATTENDANCE,
            edition=run.workshop.edition,
            rows=run.seats_taken,
        )
        return _attendance_csv(f"attendance-{pk}.csv", [run])

    def sheet_view(self, request, pk):
        run = self._run_or_404(request, pk)
        sheet = SignInSheet.objects.filter(
            run=run, status=SignInSheet.Status.READY
        ).first()
        if sheet is None or not sheet.file:
            raise Http404(_("The sign-in sheet is not ready yet."))
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.SIGN_IN_SHEET,
            edition=run.workshop.edition,
            rows=run.seats_taken,
        )
        return FileResponse(
            sheet.file.open("rb"),
            as_attachment=True,
            filename=f"sign-in-{run.workshop.title[:40]}-{run.pk}.pdf",
            content_type="application/pdf",
        )

    def edition_sheets_view(self, request, edition_id):
        """The one PDF of every sign-in sheet of an edition, once rendered."""
        if not (
            self.has_view_permission(request) and self.has_export_permission(request)
        ):
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=edition_id)
        sheets = EditionSignInSheets.objects.filter(
            edition=edition, status=EditionSignInSheets.Status.READY
        ).first()
        if sheets is None or not sheets.file:
            raise Http404(_("The sign-in sheets are not ready yet."))
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.SIGN_IN_SHEET,
            edition=edition,
            rows=selectors.choices_count(edition),
            detail="all runs",
        )
        return FileResponse(
            sheets.file.open("rb"),
            as_attachment=True,
            filename=f"sign-in-sheets-{edition.slug}.pdf",
            content_type="application/pdf",
        )

    def sheet_request_view(self, request, pk):
        run = self._run_or_404(request, pk)
        services.sign_in_sheet_request(run=run)
        self.message_user(
            request, _("The sign-in sheet is being prepared: reload in a moment.")
        )
        return HttpResponseRedirect(
            reverse("admin:workshops_workshoprun_change", args=[pk])
        )

    @admin.action(description=_("Prepare PDF sign-in sheets"), permissions=["export"])
    def request_sheets(self, request, queryset):
        for run in queryset:
            services.sign_in_sheet_request(run=run)
        self.message_user(
            request,
            _("%(count)s sign-in sheets are being prepared.")
            % {"count": queryset.count()},
        )

    @admin.action(
        description=_(
            "Prepare one PDF of all sign-in sheets of the selected runs' conferences"
        ),
        permissions=["export"],
    )
    def request_edition_sheets(self, request, queryset):
        editions = Edition.objects.filter(
            pk__in=queryset.values("workshop__edition")
        ).order_by("start_date", "pk")
        for edition in editions:
            services.edition_sign_in_sheets_request(edition=edition)
            self.message_user(
                request,
                format_html(
                    _(
                        "The sign-in sheets of {} are being prepared in one PDF: "
                        '<a href="{}">download it</a> in a moment.'
                    ),
                    edition,
                    reverse(
                        "admin:workshops_workshoprun_edition_sheets", args=[edition.pk]
                    ),
                ),
            )

    @admin.action(description=_("Export attendance (CSV)"), permissions=["export"])
    def export_csv(self, request, queryset):
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.WORKSHOP_ATTENDANCE,
            rows=sum(run.seats_taken for run in queryset),
        )
        return _attendance_csv(
            "attendance.csv",
            queryset.select_related("workshop", "block__session", "room"),
        )


def _attendance_rows(runs):
    for run in runs:
        for choice in selectors.attendance(run):
            user = choice.registration.user
            profile = getattr(user, "profile", None)
            yield [
                run.workshop.title,
                run.block.name,
                run.room.name if run.room else "",
                choice.registration.reference,
                profile.last_name if profile else "",
                profile.first_name if profile else "",
                profile.organisation if profile else "",
                user.email,
            ]


def _attendance_csv(filename: str, runs) -> HttpResponse:
    return csv_response(
        filename=filename,
        header=[
            "workshop",
            "block",
            "room",
            "reference",
            "last_name",
            "first_name",
            "organisation",
            "email",
        ],
        rows=_attendance_rows(runs),
    )
