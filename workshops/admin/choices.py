"""Delegates' seats (with the organisers' move), rankings and late-choice windows."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin

from .. import services
from ..forms import MoveForm
from ..models import ChoiceWindow, WorkshopChoice, WorkshopPreference
from .common import BlockFilter


@admin.register(WorkshopChoice)
class WorkshopChoiceAdmin(ModelAdmin):
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
        # Moving a delegate changes their choice (the admin's change form is off:
        # has_change_permission is False, so ask for the permission itself).
        if not request.user.has_perm("workshops.change_workshopchoice"):
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


@admin.register(WorkshopPreference)
class WorkshopPreferenceAdmin(ModelAdmin):
    list_display = ["registration", "rank", "workshop"]
    list_filter = ["workshop__edition"]
    list_select_related = ["registration", "workshop"]
    search_fields = ["registration__reference", "registration__user__email"]
    readonly_fields = ["registration", "workshop", "rank"]

    def has_add_permission(self, request):
        return False


@admin.register(ChoiceWindow)
class ChoiceWindowAdmin(ModelAdmin):
    list_display = ["registration", "opened_at", "closes_at"]
    list_select_related = ["registration"]
    readonly_fields = ["registration", "opened_at"]

    def has_add_permission(self, request):
        return False
