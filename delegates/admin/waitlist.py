"""The waiting list as organisers read it: one edition's queue in order, each
delegate's position (a window function, so the page costs the same queries however
long the queue) and when they joined; and the registrations list, filtered to the
waitlisted, sorted in queue order rather than newest first."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Edition

from .. import selectors
from ..models import Registration


class WaitingListMixin:
    """Seeing the queue is seeing registrations: ``has_view_permission``."""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "waiting-list/",
                self.admin_site.admin_view(self.waiting_list_index_view),
                name="{}_{}_waiting_list_index".format(*info),
            ),
            path(
                "waiting-list/<int:edition_id>/",
                self.admin_site.admin_view(self.waiting_list_view),
                name="{}_{}_waiting_list".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_ordering(self, request):
        if request.GET.get("status__exact") == Registration.Status.WAITLISTED:
            return ["edition", "waitlisted_at", "id"]  # the queue, first in line first
        return super().get_ordering(request)

    def waiting_list_index_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Waiting lists"),
            "opts": self.model._meta,
            "editions": selectors.waitlist_editions(),
        }
        return TemplateResponse(
            request, "admin/delegates/registration/waiting_list_index.html", context
        )

    def waiting_list_view(self, request, edition_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(Edition, pk=edition_id)
        queue = list(selectors.waitlist_with_positions(edition=edition))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Waiting list: %(edition)s") % {"edition": edition},
            "opts": self.model._meta,
            "edition": edition,
            "queue": queue,
            "now": timezone.now(),
        }
        return TemplateResponse(
            request, "admin/delegates/registration/waiting_list.html", context
        )
