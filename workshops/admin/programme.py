"""The programme: time blocks, workshops and, inline, their runs (saved through the
services)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext_lazy as _

from events.models import AgendaSession
from socex.admin_base import ModelAdmin, TabularInline

from .. import services
from ..models import TimeBlock, Workshop, WorkshopRun
from ..speaking import workshop_speaker_item_open
from .common import message_errors
from .runs import WorkshopRunAdminForm


@admin.register(TimeBlock)
class TimeBlockAdmin(ModelAdmin):
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


class WorkshopRunInline(TabularInline):
    model = WorkshopRun
    form = WorkshopRunAdminForm
    extra = 0
    fields = ["block", "room", "capacity", "over_room_capacity", "seats_taken"]
    readonly_fields = ["seats_taken"]

    def get_formset(self, request, obj=None, **kwargs):
        """Deleting a row asks the service's rule first, so a run with delegates is
        refused in the service's words rather than Django's protected-objects list."""
        formset = super().get_formset(request, obj, **kwargs)

        class RunForm(formset.form):
            def hand_clean_DELETE(self):
                if self.cleaned_data.get(DELETION_FIELD_NAME) and self.instance.pk:
                    services.workshop_run_delete_validate(run=self.instance)
                super().hand_clean_DELETE()

        formset.form = RunForm
        return formset


@admin.register(Workshop)
class WorkshopAdmin(ModelAdmin):
    list_display = ["title", "edition", "published", "order", "fill"]
    list_filter = ["edition", "published"]
    list_editable = ["published", "order"]
    search_fields = ["title"]
    filter_horizontal = ["facilitators"]
    inlines = [WorkshopRunInline]
    list_select_related = ["edition"]
    raw_id_fields = ["submission"]
    actions = ["open_speaker_item"]

    def has_speaker_item_permission(self, request) -> bool:
        return request.user.has_perms(
            ["workshops.change_workshop", "events.add_submission"]
        )

    @admin.action(
        description=_("Open a speaker item (to invite the leaders)"),
        permissions=["speaker_item"],
    )
    def open_speaker_item(self, request, queryset):
        for workshop in queryset.order_by("pk"):
            try:
                workshop_speaker_item_open(workshop=workshop, actor=request.user)
            except ValidationError as exc:
                message_errors(self, request, exc)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("runs")

    @admin.display(description=_("Taken / capacity"))
    def fill(self, obj):
        runs = obj.runs.all()
        return " + ".join(f"{r.seats_taken}/{r.capacity}" for r in runs) or "—"

    def save_formset(self, request, form, formset, change):
        """Runs are deleted, changed and added through the services, which validate
        them (a run with delegates stays; capacity never below the seats taken) and
        audit capacity changes; a refusal is reported and the other rows still save."""
        if formset.model is not WorkshopRun:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for run in formset.deleted_objects:
            self._through(request, services.workshop_run_delete, run=run)
        for run, changed in formset.changed_objects:
            self._through(
                request,
                services.workshop_run_update,
                run=run,
                block=run.block if "block" in changed else None,
                room=run.room if "room" in changed else services.UNCHANGED,
                capacity=run.capacity if "capacity" in changed else None,
                over_room_capacity=(
                    run.over_room_capacity if "over_room_capacity" in changed else None
                ),
                actor=request.user,
            )
        added = [
            self._through(
                request,
                services.workshop_run_create,
                workshop=run.workshop,
                block=run.block,
                room=run.room,
                capacity=run.capacity,
                over_room_capacity=run.over_room_capacity,
            )
            for run in formset.new_objects
        ]
        # The change message names what was really added.
        formset.new_objects = [run for run in added if run is not None]
        formset.save_m2m()

    def _through(self, request, service, **kwargs):
        """Call ``service``; a refusal is reported in its words and the rest goes on."""
        try:
            return service(**kwargs)
        except ValidationError as exc:
            message_errors(self, request, exc)
            return None
