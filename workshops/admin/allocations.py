"""Workshop settings (with the allocate action) and allocations (review, publish)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from socex.admin_base import ModelAdmin

from .. import services
from ..models import Allocation, WorkshopSettings
from .common import message_errors


@admin.register(WorkshopSettings)
class WorkshopSettingsAdmin(ModelAdmin):
    list_display = ["edition", "mode", "workshops_per_delegate"]
    list_filter = ["mode"]
    list_select_related = ["edition"]
    actions = ["allocate"]

    def has_allocate_permission(self, request) -> bool:
        return request.user.has_perm("workshops.allocate")

    @admin.action(
        description=_("Allocate workshops from ranked preferences (draft)"),
        permissions=["allocate"],
    )
    def allocate(self, request, queryset):
        last = None
        for obj in queryset.select_related("edition"):
            try:
                last = services.allocation_run(edition=obj.edition, actor=request.user)
            except ValidationError as exc:
                message_errors(self, request, exc)
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


@admin.register(Allocation)
class AllocationAdmin(ModelAdmin):
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
        if not request.user.has_perm("workshops.allocate"):
            raise PermissionDenied
        allocation = get_object_or_404(Allocation, pk=pk)
        try:
            services.allocation_publish(allocation=allocation, actor=request.user)
        except ValidationError as exc:
            message_errors(self, request, exc)
        else:
            self.message_user(
                request,
                _("Published: every delegate is being emailed their workshops."),
            )
        return HttpResponseRedirect(
            reverse("admin:workshops_allocation_change", args=[pk])
        )
