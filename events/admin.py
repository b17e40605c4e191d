"""Admin for organisers: venues with rooms, editions with their agenda and partners."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import services
from events.models import (
    AgendaSession,
    Edition,
    EditionPartner,
    Partner,
    Room,
    Series,
    SessionSpeaker,
    Speaker,
    Venue,
)
from events.venue_admin import VenueChangeMixin
from socex.admin_base import ModelAdmin, TabularInline


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class CachedChoicesMixin:
    """Inline foreign-key selects share one list of choices per request, instead of
    one query per inline row (an edition has sixty sessions)."""

    cached_choice_querysets: dict = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        queryset_for = self.cached_choice_querysets.get(db_field.name)
        if field is None or queryset_for is None:
            return field
        cache = request.__dict__.setdefault("_events_admin_choices", {})
        key = (type(self).__name__, db_field.name)
        if key not in cache:
            field.queryset = queryset_for()
            cache[key] = [("", field.empty_label or "---------")] + [
                (obj.pk, str(obj)) for obj in field.queryset
            ]
        field.choices = cache[key]
        return field


class SessionOverlapFormSet(forms.BaseInlineFormSet):
    """An edition's agenda rows: each row is checked by ``AgendaSession.clean()`` (it
    sees the sessions already saved); the rows against each other by the model's
    ``check_no_overlap_among``; saved through ``services.agenda_sessions_save``."""

    def _sessions(self) -> list[AgendaSession]:
        return [
            form.instance
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and not form.errors
        ]

    def clean(self) -> None:
        super().clean()
        AgendaSession.check_no_overlap_among(self._sessions())

    def save(self, commit=True):
        sessions = super().save(commit=False)
        if commit:
            services.agenda_sessions_save(
                sessions=sessions, deleted=list(self.deleted_objects)
            )
            self.save_m2m()
        return sessions


class ServiceErrorMixin:
    """A ValidationError raised while saving (after the form validated), e.g. by a
    receiver of edition_capacity_changed refusing fewer places than confirmed
    delegates, or a room booked by someone else meanwhile: the whole save was rolled
    back; say why and show the form again instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class RoomInline(TabularInline):
    model = Room
    extra = 0
    fields = ["name", "capacity"]


# Web addresses typed without a scheme are taken as https (Django 6's default).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Venue)
class VenueAdmin(ModelAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["name", "town", "postcode"]
    search_fields = ["name", "town", "postcode"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(ModelAdmin):
    list_display = ["name", "venue", "capacity"]
    list_filter = ["venue"]
    list_select_related = ["venue"]
    search_fields = ["name", "venue__name"]


@admin.register(Series)
class SeriesAdmin(ModelAdmin):
    list_display = ["name", "code", "usual_month", "audience"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}


class AgendaSessionInline(CachedChoicesMixin, TabularInline):
    model = AgendaSession
    tab = True  # its own tab on the edition page
    formset = SessionOverlapFormSet
    extra = 0
    fields = ["starts_at", "ends_at", "kind", "title", "room"]
    ordering = ["starts_at", "room__name", "id"]
    show_change_link = True
    cached_choice_querysets = {
        "room": lambda: Room.objects.select_related("venue").order_by(
            "venue__name", "name"
        )
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("room")


class EditionPartnerInline(CachedChoicesMixin, TabularInline):
    model = EditionPartner
    tab = True
    extra = 0
    fields = ["partner", "order"]
    cached_choice_querysets = {"partner": lambda: Partner.objects.order_by("name")}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner", "edition")


@admin.register(Edition)
class EditionAdmin(VenueChangeMixin, ServiceErrorMixin, ModelAdmin):
    list_display = [
        "title",
        "series",
        "year",
        "start_date",
        "venue",
        "capacity",
        "status",
    ]
    list_filter = ["series", "year", "status"]
    list_select_related = ["series", "venue"]
    search_fields = ["title", "slug", "venue__name", "venue__town"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["venue"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AgendaSessionInline, EditionPartnerInline]
    actions = ["duplicate_for_next_year"]
    fieldsets = [
        (None, {"fields": ["series", "ordinal", "year", "title", "slug", "status"]}),
        (
            _("When and where"),
            {"classes": ["tab"], "fields": ["start_date", "end_date", "venue"]},
        ),
        (
            _("Registration"),
            {
                "classes": ["tab"],
                "fields": [
                    "capacity",
                    "registration_opens_at",
                    "registration_closes_at",
                    "workshop_selection_closes_at",
                ],
            },
        ),
        (
            _("Text"),
            {
                "classes": ["tab"],
                "fields": [
                    "aim",
                    "welcome_message",
                    "welcome_author",
                    "welcome_author_role",
                ],
            },
        ),
        (_("History"), {"classes": ["tab"], "fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.edition_save(edition=obj)
        if change and services.edition_venue_plan(edition=obj, venue=obj.venue):
            self.message_user(
                request,
                format_html(
                    _(
                        "Some sessions or workshops of {} are still at rooms of "
                        'another venue: <a href="{}">move them room by room</a>.'
                    ),
                    obj,
                    reverse("admin:events_edition_venue", args=[obj.pk]),
                ),
                messages.WARNING,
            )

    @admin.action(
        description=_("Duplicate for next year (as a draft)"), permissions=["add"]
    )
    def duplicate_for_next_year(self, request, queryset):
        copies = 0
        for edition in queryset.order_by("pk"):
            try:
                services.edition_duplicate(edition=edition)
            except ValidationError as error:
                self.message_user(
                    request, f"{edition}: {_error_text(error)}", messages.ERROR
                )
            else:
                copies += 1
        if copies:
            self.message_user(
                request,
                ngettext(
                    "%(count)d edition copied as a draft for next year.",
                    "%(count)d editions copied as drafts for next year.",
                    copies,
                )
                % {"count": copies},
                messages.SUCCESS,
            )


class SessionSpeakerInline(TabularInline):
    model = SessionSpeaker
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = ["speaker", "order"]


@admin.register(AgendaSession)
class AgendaSessionAdmin(ServiceErrorMixin, ModelAdmin):
    list_display = ["title", "edition", "kind", "starts_at", "ends_at", "room"]
    list_filter = ["edition__series", "edition", "kind"]
    list_select_related = ["edition", "room", "room__venue"]
    search_fields = ["title", "description", "edition__title"]
    autocomplete_fields = ["edition", "room"]
    inlines = [SessionSpeakerInline]

    def save_model(self, request, obj, form, change):
        services.agenda_session_save(session=obj)


@admin.register(Speaker)
class SpeakerAdmin(ModelAdmin):
    list_display = [
        "display_name",
        "post_nominals",
        "role",
        "organisation",
        "may_be_named",
    ]
    list_filter = ["may_be_named"]
    search_fields = ["display_name", "organisation", "role"]
    prepopulated_fields = {"slug": ["display_name"]}
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(ModelAdmin):
    formfield_overrides = URL_FIELDS_HTTPS
    list_display = ["name", "website"]
    search_fields = ["name"]


# The speaker workflow's admin registers its models (events/speaking/admin/).
from events.speaking import admin as speaking_admin  # noqa: E402, F401
