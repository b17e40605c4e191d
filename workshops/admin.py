"""Organisers' admin: live fill, attendance lists (CSV, PDF sign-in sheets), moves,
capacity changes, allocation from ranked preferences. Every change calls a service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from events.models import AgendaSession
from socex.exports import csv_response

from . import selectors, services
from .forms import MoveForm
from .models import (
    Allocation,
    ChoiceWindow,
    SignInSheet,
    TimeBlock,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
    WorkshopSettings,
)


def _message_error(modeladmin, request, exc: ValidationError) -> None:
    for message in exc.messages:
        modeladmin.message_user(request, message, level=messages.ERROR)


class BlockFilter(admin.RelatedFieldListFilter):
    """Time blocks with their sessions in one query."""

    def field_choices(self, field, request, model_admin):
        blocks = TimeBlock.objects.select_related("session", "edition")
        return [(block.pk, f"{block.edition}: {block}") for block in blocks]


@admin.register(WorkshopSettings)
class WorkshopSettingsAdmin(admin.ModelAdmin):
    list_display = ["edition", "mode", "workshops_per_delegate"]
    list_filter = ["mode"]
    list_select_related = ["edition"]
    actions = ["allocate"]

    @admin.action(description=_("Allocate workshops from ranked preferences (draft)"))
    def allocate(self, request, queryset):
        last = None
        for obj in queryset.select_related("edition"):
            try:
                last = services.allocation_run(edition=obj.edition, actor=request.user)
            except ValidationError as exc:
                _message_error(self, request, exc)
                continue
            report = last.report
            self.message_user(
                request,
                _(
                    "%(edition)s: allocation drafted in %(seconds)s s; "
                    "%(top)s of %(delegates)s delegates got their top choices. "
                    "Review it, then publish."
                )
                % {
                    "edition": obj.edition,
                    "seconds": report["seconds"],
                    "top": report["top_choices"],
                    "delegates": report["delegates"],
                },
            )
        if last is not None and queryset.count() == 1:
            return HttpResponseRedirect(
                reverse("admin:workshops_allocation_change", args=[last.pk])
            )
        return None


@admin.register(TimeBlock)
class TimeBlockAdmin(admin.ModelAdmin):
    list_display = ["__str__", "edition", "session"]
    list_filter = ["edition"]
    list_select_related = ["edition", "session"]
    raw_id_fields = ["session"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            kwargs["queryset"] = AgendaSession.objects.filter(
                kind=AgendaSession.Kind.WORKSHOP_BLOCK
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WorkshopRunAdminForm(forms.ModelForm):
    class Meta:
        model = WorkshopRun
        fields = ["workshop", "block", "room", "capacity"]

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        taken = self.instance.seats_taken if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            raise ValidationError(
                _(
                    "%(taken)s people already hold a seat in this run, so the "
                    "capacity cannot go below %(taken)s. Move delegates to another "
                    "run first."
                ),
                params={"taken": taken},
            )
        return capacity


class WorkshopRunInline(admin.TabularInline):
    model = WorkshopRun
    form = WorkshopRunAdminForm
    extra = 0
    fields = ["block", "room", "capacity", "seats_taken"]
    readonly_fields = ["seats_taken"]


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "edition", "published", "order", "fill"]
    list_filter = ["edition", "published"]
    list_editable = ["published", "order"]
    search_fields = ["title"]
    filter_horizontal = ["facilitators"]
    inlines = [WorkshopRunInline]
    list_select_related = ["edition"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("runs")

    @admin.display(description=_("Taken / capacity"))
    def fill(self, obj):
        runs = obj.runs.all()
        return " + ".join(f"{r.seats_taken}/{r.capacity}" for r in runs) or "—"

    def save_formset(self, request, form, formset, change):
        """New runs save as usual; capacity changes of existing runs go through the
        service, which refuses to go below the seats taken and audits the change."""
        if formset.model is not WorkshopRun:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if obj.seats_taken:
                self.message_user(
                    request,
                    _("%(run)s still has delegates: move them first.") % {"run": obj},
                    level=messages.ERROR,
                )
            else:
                obj.delete()
        for run in instances:
            if run.pk is None:
                run.save()
                continue
            wanted = run.capacity
            original = WorkshopRun.objects.get(pk=run.pk)
            run.capacity = original.capacity
            run.save()
            if wanted is not None and wanted != original.capacity:
                try:
                    services.workshop_run_capacity_set(
                        run=run, capacity=wanted, actor=request.user
                    )
                except ValidationError as exc:
                    _message_error(self, request, exc)
        formset.save_m2m()


@admin.register(WorkshopRun)
class WorkshopRunAdmin(admin.ModelAdmin):
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
    fields = ["workshop", "block", "room", "capacity", "seats_taken", "sheet"]
    actions = ["request_sheets", "export_csv"]
    change_form_template = "workshops/admin/run_change_form.html"

    @admin.display(description=_("Taken / capacity"), ordering="seats_taken")
    def fill(self, obj):
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
        if not change:
            super().save_model(request, obj, form, change)
            return
        wanted = form.cleaned_data.get("capacity")
        if "room" in form.changed_data:
            WorkshopRun.objects.filter(pk=obj.pk).update(room=obj.room)
        if wanted is not None and "capacity" in form.changed_data:
            try:
                services.workshop_run_capacity_set(
                    run=obj, capacity=wanted, actor=request.user
                )
            except ValidationError as exc:
                _message_error(self, request, exc)

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
                "<int:pk>/sign-in-sheet/request/",
                self.admin_site.admin_view(require_POST(self.sheet_request_view)),
                name="workshops_workshoprun_sheet_request",
            ),
        ]
        return extra + super().get_urls()

    def _run_or_404(self, request, pk) -> WorkshopRun:
        if not self.has_view_permission(request):
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
        return _attendance_csv(f"attendance-{pk}.csv", [run])

    def sheet_view(self, request, pk):
        run = self._run_or_404(request, pk)
        sheet = SignInSheet.objects.filter(
            run=run, status=SignInSheet.Status.READY
        ).first()
        if sheet is None or not sheet.file:
            raise Http404(_("The sign-in sheet is not ready yet."))
        return FileResponse(
            sheet.file.open("rb"),
            as_attachment=True,
            filename=f"sign-in-{run.workshop.title[:40]}-{run.pk}.pdf",
            content_type="application/pdf",
        )

    def sheet_request_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        run = self._run_or_404(request, pk)
        services.sign_in_sheet_request(run=run)
        self.message_user(
            request, _("The sign-in sheet is being prepared: reload in a moment.")
        )
        return HttpResponseRedirect(
            reverse("admin:workshops_workshoprun_change", args=[pk])
        )

    @admin.action(description=_("Prepare PDF sign-in sheets"))
    def request_sheets(self, request, queryset):
        for run in queryset:
            services.sign_in_sheet_request(run=run)
        self.message_user(
            request,
            _("%(count)s sign-in sheets are being prepared.")
            % {"count": queryset.count()},
        )

    @admin.action(description=_("Export attendance (CSV)"))
    def export_csv(self, request, queryset):
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


@admin.register(WorkshopChoice)
class WorkshopChoiceAdmin(admin.ModelAdmin):
    list_display = ["registration", "run", "source", "created_at", "move_link"]
    list_filter = ["run__workshop__edition", "source", ("block", BlockFilter)]
    search_fields = [
        "registration__reference",
        "registration__user__email",
        "run__workshop__title",
    ]
    list_select_related = [
        "registration",
        "run__workshop",
        "run__block__session",
        "block__session",
    ]
    readonly_fields = ["registration", "run", "block", "workshop", "source"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Move"))
    def move_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:workshops_workshopchoice_move", args=[obj.pk]),
            _("Move…"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="workshops_workshopchoice_move",
            ),
        ] + super().get_urls()

    def move_view(self, request, pk):
        if not request.user.has_perm("workshops.change_workshoprun"):
            raise PermissionDenied
        choice = get_object_or_404(
            WorkshopChoice.objects.select_related(
                "registration__edition", "run__workshop", "run__block__session"
            ),
            pk=pk,
        )
        form = MoveForm(request.POST or None, edition=choice.registration.edition)
        if request.method == "POST" and form.is_valid():
            try:
                services.workshop_choice_move(
                    choice=choice,
                    to_run=form.cleaned_data["to_run"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, _("The delegate has been moved."))
                return HttpResponseRedirect(
                    reverse("admin:workshops_workshopchoice_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Move %(who)s") % {"who": choice.registration},
            "choice": choice,
            "form": form,
        }
        return TemplateResponse(
            request,
            "workshops/admin/move.html",
            context,
            status=400 if request.method == "POST" else 200,
        )


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "edition",
        "status",
        "seed",
        "created_at",
        "published_at",
    ]
    list_filter = ["edition", "status"]
    list_select_related = ["edition"]
    readonly_fields = [
        "edition",
        "seed",
        "status",
        "created_by",
        "created_at",
        "published_at",
    ]
    exclude = ["report"]
    view_on_site = False
    change_form_template = "workshops/admin/allocation_change_form.html"

    def has_add_permission(self, request):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        allocation = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "allocation": allocation}
        if allocation is not None:
            fill = allocation.report.get("fill", [])
            for row in fill:
                row["pct"] = (
                    round(100 * row["taken"] / row["capacity"])
                    if row["capacity"]
                    else 0
                )
            extra_context["fill"] = fill
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="workshops_allocation_publish",
            ),
        ] + super().get_urls()

    def publish_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        allocation = get_object_or_404(Allocation, pk=pk)
        try:
            services.allocation_publish(allocation=allocation, actor=request.user)
        except ValidationError as exc:
            _message_error(self, request, exc)
        else:
            self.message_user(
                request,
                _("Published: every delegate is being emailed their workshops."),
            )
        return HttpResponseRedirect(
            reverse("admin:workshops_allocation_change", args=[pk])
        )


@admin.register(WorkshopAuditEntry)
class WorkshopAuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "edition", "action", "actor", "detail"]
    list_filter = ["edition", "action"]
    list_select_related = ["edition", "actor"]
    search_fields = ["detail", "registration__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkshopPreference)
class WorkshopPreferenceAdmin(admin.ModelAdmin):
    list_display = ["registration", "rank", "workshop"]
    list_filter = ["workshop__edition"]
    list_select_related = ["registration", "workshop"]
    search_fields = ["registration__reference", "registration__user__email"]
    readonly_fields = ["registration", "workshop", "rank"]

    def has_add_permission(self, request):
        return False


@admin.register(ChoiceWindow)
class ChoiceWindowAdmin(admin.ModelAdmin):
    list_display = ["registration", "opened_at", "closes_at"]
    list_select_related = ["registration"]
    readonly_fields = ["registration", "opened_at"]

    def has_add_permission(self, request):
        return False
