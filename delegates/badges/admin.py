"""Badges in the admin: bulk printing (from editions, from selected registrations, or
the print page), print job progress, badges and check-ins.

Imported last by delegates/admin/__init__.py, after the events and delegates admins are
registered, so the print actions can be added to EditionAdmin and RegistrationAdmin
without the events app knowing about badges.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Edition
from socex.admin_base import ModelAdmin

from ..models import Registration
from ..privacy import services as privacy
from . import services
from .models import Badge, BadgePrintJob, BadgeSettings, CheckIn


def _start_jobs(modeladmin, request, *, by_edition: dict, layout: str):
    for edition, registrations in by_edition.items():
        try:
            job = services.badge_print_job_create(
                edition=edition,
                layout=layout,
                registrations=registrations,
                created_by=request.user,
            )
        except ValidationError as exc:
            modeladmin.message_user(request, "; ".join(exc.messages), messages.ERROR)
            continue
        url = reverse("admin:delegates_badgeprintjob_change", args=[job.pk])
        modeladmin.message_user(
            request,
            format_html(
                _("Printing {} badges for {}: <a href='{}'>follow its progress</a>."),
                job.total,
                edition,
                url,
            ),
            messages.SUCCESS,
        )


def has_print_badges_permission(request) -> bool:
    """Starting a print run (from the print page or an action)."""
    return request.user.has_perm("delegates.add_badgeprintjob")


def _registrations_by_edition(queryset) -> dict:
    by_edition: dict = {}
    for registration in queryset.select_related("edition"):
        by_edition.setdefault(registration.edition, []).append(registration.pk)
    return {
        edition: Registration.objects.filter(pk__in=ids)
        for edition, ids in by_edition.items()
    }


def _print_action(layout: str, description):
    """An admin action printing the selected editions' (or registrations') badges
    in ``layout``: one per edition, so the two layouts are the same action."""

    # ``print_badges``: the permission to start print runs (see _add_actions).
    @admin.action(description=description, permissions=["print_badges"])
    def action(modeladmin, request, queryset):
        by_edition = (
            {edition: None for edition in queryset}
            if queryset.model is Edition
            else _registrations_by_edition(queryset)
        )
        _start_jobs(modeladmin, request, by_edition=by_edition, layout=layout)

    action.__name__ = f"print_badges_{layout}"
    return action


print_badges_single = _print_action(
    BadgePrintJob.Layout.SINGLE, _("Print badges: one per page")
)
print_badges_sheet = _print_action(
    BadgePrintJob.Layout.SHEET, _("Print badges: four A6 per A4 sheet, duplex")
)


class PrintForm(forms.Form):
    edition = forms.ModelChoiceField(
        label=_("Event"), queryset=Edition.objects.select_related("series")
    )
    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=BadgePrintJob.Layout.choices,
        initial=BadgePrintJob.Layout.SINGLE,
        widget=forms.RadioSelect,
    )


class PrivateFileMixin:
    """Serves a model's private ``file`` to staff allowed to view it (no public URL)."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name=f"{opts.app_label}_{opts.model_name}_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk):
        # Badges carry names, organisations and the check-in QR: an export.
        if not (
            self.has_view_permission(request)
            and request.user.has_perm("delegates.export_registration")
        ):
            raise PermissionDenied
        obj = self.model.objects.filter(pk=pk).exclude(file="").first()
        if obj is None:
            raise Http404
        if not obj.file.storage.exists(obj.file.name):
            raise Http404
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.BADGE_PRINT_RUN,
            edition=getattr(obj, "edition", None),
            rows=getattr(obj, "total", 1),
            detail=obj.file.name,
        )
        return FileResponse(
            obj.file.open("rb"),
            content_type="application/pdf",
            filename=obj.file.name.rsplit("/", 1)[-1],
        )

    def download_link(self, obj, label):
        opts = self.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_download", args=[obj.pk]
        )
        return format_html("<a href='{}'>{}</a>", url, label)


@admin.register(BadgePrintJob)
class BadgePrintJobAdmin(PrivateFileMixin, ModelAdmin):
    change_list_template = "admin/delegates/badgeprintjob/change_list.html"
    change_form_template = "admin/delegates/badgeprintjob/change_form.html"
    list_display = [
        "edition",
        "layout",
        "status",
        "progress",
        "created_by",
        "created_at",
        "download",
    ]
    list_filter = ["status", "edition"]
    list_select_related = ["edition", "created_by"]
    readonly_fields = [
        "edition",
        "layout",
        "status",
        "progress",
        "download",
        "error",
        "created_by",
        "created_at",
        "rendered_at",
        "updated_at",
        "attempts",
    ]
    fields = readonly_fields
    actions = ["resume"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_resume_permission(self, request) -> bool:
        # Resuming prints what was asked for already: the permission printing needs.
        return request.user.has_perm("delegates.add_badgeprintjob")

    @admin.action(
        description=_("Resume the selected print jobs"), permissions=["resume"]
    )
    def resume(self, request, queryset):
        resumed = 0
        for job in queryset:
            try:
                services.badge_print_job_resume(job=job)
            except ValidationError as exc:
                self.message_user(
                    request, f"{job}: {'; '.join(exc.messages)}", messages.ERROR
                )
            else:
                resumed += 1
        if resumed:
            self.message_user(
                request,
                ngettext(
                    "%(count)s print job resumed.",
                    "%(count)s print jobs resumed.",
                    resumed,
                )
                % {"count": resumed},
                messages.SUCCESS,
            )

    def get_urls(self):
        return [
            path(
                "print/",
                self.admin_site.admin_view(self.print_view),
                name="delegates_badgeprintjob_print",
            ),
            *super().get_urls(),
        ]

    def print_view(self, request):
        """Pick an edition and a layout; prints every confirmed badge."""
        if not has_print_badges_permission(request):
            raise PermissionDenied
        initial = {"edition": request.GET.get("edition")}
        form = PrintForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                job = services.badge_print_job_create(
                    edition=form.cleaned_data["edition"],
                    layout=form.cleaned_data["layout"],
                    created_by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "Printing %(count)s badge.",
                        "Printing %(count)s badges.",
                        job.total,
                    )
                    % {"count": job.total},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:delegates_badgeprintjob_change", args=[job.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Print badges"),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/delegates/badgeprintjob/print.html", context
        )

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.done} / {obj.total} ({obj.percent}%)"

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status == BadgePrintJob.Status.READY and obj.file:
            return self.download_link(obj, _("Download PDF"))
        return "—"


@admin.register(Badge)
class BadgeAdmin(PrivateFileMixin, ModelAdmin):
    list_display = ["registration", "edition", "status", "rendered_at", "download"]
    list_filter = ["status", "registration__edition"]
    list_select_related = ["registration__edition"]
    search_fields = ["registration__reference", "registration__user__email"]
    readonly_fields = [
        "registration",
        "status",
        "download",
        "content_hash",
        "rendered_at",
        "error",
    ]
    fields = readonly_fields
    actions = ["render_again"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("edition"), ordering="registration__edition")
    def edition(self, obj):
        return obj.registration.edition

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.file:
            return self.download_link(obj, _("PDF"))
        return "—"

    @admin.action(
        description=_("Make the selected badges again"), permissions=["change"]
    )
    def render_again(self, request, queryset):
        count = services.badges_render_again(badges=queryset)
        self.message_user(
            request, _("%(count)s badges queued.") % {"count": count}, messages.SUCCESS
        )


@admin.register(BadgeSettings)
class BadgeSettingsAdmin(ModelAdmin):
    list_display = ["edition", "size"]
    list_select_related = ["edition"]


@admin.register(CheckIn)
class CheckInAdmin(ModelAdmin):
    list_display = ["registration", "edition", "checked_in_at", "operator"]
    list_filter = ["registration__edition"]
    list_select_related = ["registration__edition", "operator"]
    search_fields = ["registration__reference", "registration__user__email"]
    readonly_fields = ["registration", "checked_in_at", "operator"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("edition"), ordering="registration__edition")
    def edition(self, obj):
        return obj.registration.edition


def _add_actions(model) -> None:
    model_admin = (
        admin.site.get_model_admin(model) if admin.site.is_registered(model) else None
    )
    if model_admin is None:
        return
    actions = list(model_admin.actions or [])
    for action in (print_badges_single, print_badges_sheet):
        if action not in actions:
            actions.append(action)
    model_admin.actions = actions
    # The print actions declare ``permissions=["print_badges"]``; Django asks the
    # model admin for has_print_badges_permission(request).
    model_admin.has_print_badges_permission = has_print_badges_permission


_add_actions(Edition)
_add_actions(Registration)
