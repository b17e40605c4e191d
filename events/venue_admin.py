"""Changing an edition's venue in the admin: the page lists what is still at rooms
of another venue (sessions, and workshop runs through ``collect_room_uses``) and
moves it room by room, the same names matched, through
``services.edition_venue_change``."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from events import services
from events.models import Room, Venue


class VenueChoiceForm(forms.Form):
    venue = forms.ModelChoiceField(
        label=_("New venue"), queryset=Venue.objects.order_by("name")
    )


def _room_field(venue: Venue, old: Room, suggested: Room | None):
    return forms.ModelChoiceField(
        label=_("Move what is in %(room)s to") % {"room": old},
        queryset=Room.objects.filter(venue=venue).order_by("name"),
        required=False,
        empty_label=_("No room"),
        initial=suggested,
    )


class VenueChangeMixin:
    def get_urls(self):
        return [
            path(
                "<path:object_id>/venue/",
                self.admin_site.admin_view(self.venue_view),
                name="events_edition_venue",
            ),
            *super().get_urls(),
        ]

    def venue_view(self, request, object_id):
        edition = self.get_object(request, unquote(object_id))
        if edition is None:
            raise Http404
        if not self.has_change_permission(request, edition):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        choice = VenueChoiceForm(
            data if "venue" in data else None,
            initial={"venue": edition.venue_id},
        )
        venue = choice.cleaned_data["venue"] if choice.is_valid() else edition.venue
        plan = services.edition_venue_plan(edition=edition, venue=venue)
        rooms = forms.Form(request.POST if "apply" in request.POST else None)
        for entry in plan:
            rooms.fields[f"room_{entry['room'].pk}"] = _room_field(
                venue, entry["room"], entry["suggested"]
            )
        for entry in plan:
            entry["field"] = rooms[f"room_{entry['room'].pk}"]
        status = 200
        if "apply" in request.POST and choice.is_valid() and rooms.is_valid():
            room_map = {
                entry["room"].pk: rooms.cleaned_data[f"room_{entry['room'].pk}"]
                for entry in plan
            }
            try:
                moved = services.edition_venue_change(
                    edition=edition, venue=venue, room_map=room_map, actor=request.user
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                status = 400
            else:
                self.message_user(
                    request,
                    _("%(edition)s is at %(venue)s; %(count)s moved to its rooms.")
                    % {"edition": edition, "venue": venue.name, "count": moved},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:events_edition_change", args=[edition.pk])
                )
        elif "apply" in request.POST:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Venue of %(edition)s") % {"edition": edition},
            "opts": self.model._meta,
            "original": edition,
            "edition": edition,
            "venue": venue,
            "choice": choice,
            "plan": plan,
        }
        return TemplateResponse(
            request, "admin/events/edition/venue.html", context, status=status
        )
