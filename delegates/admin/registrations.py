"""Registrations in the admin: every status change goes through an action calling a
service (``actions``); adding one goes through ``registration_create``."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin, TabularInline

from ..models import Profile, Registration, RegistrationStatusChange
from .actions import RegistrationActionsMixin
from .forms import PkChoiceField, RegistrationAddForm
from .summary import CateringSummaryMixin
from .waitlist import WaitingListMixin


class StatusChangeInline(TabularInline):
    model = RegistrationStatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("Status history")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CountryFilter(admin.SimpleListFilter):
    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = (
            Profile.objects.order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        return [(country, country) for country in countries if country]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(user__profile__country=self.value())
        return queryset


class OrganisationTypeFilter(admin.SimpleListFilter):
    title = _("organisation type")
    parameter_name = "organisation_type"

    def lookups(self, request, model_admin):
        return Profile.OrganisationType.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(user__profile__organisation_type=self.value())
        return queryset


@admin.register(Registration)
class RegistrationAdmin(
    WaitingListMixin, CateringSummaryMixin, RegistrationActionsMixin, ModelAdmin
):
    """Registrations: every status change goes through an action calling a service.

    Other apps extend ``actions`` (e.g. badge printing) and the object tools of
    ``admin/delegates/registration/change_list.html``.
    """

    change_list_template = "admin/delegates/registration/change_list.html"
    list_display = [
        "reference",
        "delegate_name",
        "user",
        "organisation",
        "edition",
        "category",
        "status",
        "created_at",
    ]
    list_filter = [
        "edition",
        "status",
        "category",
        OrganisationTypeFilter,
        CountryFilter,
    ]
    list_select_related = ["edition", "user__profile"]
    search_fields = [
        "reference",
        "user__email",
        "user__profile__first_name",
        "user__profile__last_name",
        "user__profile__organisation",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["user"]
    inlines = [StatusChangeInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", PkChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RegistrationAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            # The organiser adding is the service's actor.
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["edition", "user", "category", "consent_terms"]
        return [
            "reference",
            "edition",
            "user",
            "profile_summary",
            "category",
            "status",
            "decline_reason",
            "consent_terms",
            "consented_at",
            "created_at",
            "confirmed_at",
            "waitlisted_at",
            "cancelled_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # cancel or decline instead: the history must stay

    def save_form(self, request, form, change):
        """Adding: the registration ``registration_create`` returned when the form
        validated; the admin logs it and redirects to it as it is. Changing: every
        field is read-only; status changes are actions."""
        return super().save_form(request, form, change)  # i.e. ``form.instance``

    def save_model(self, request, obj, form, change):
        """Nothing to save: the service saved the added registration."""

    @admin.display(description=_("name"), ordering="user__profile__last_name")
    def delegate_name(self, obj):
        profile = getattr(obj.user, "profile", None)
        return profile.full_name if profile else "—"

    @admin.display(description=_("organisation"))
    def organisation(self, obj):
        profile = getattr(obj.user, "profile", None)
        return profile.organisation if profile else "—"

    @admin.display(description=_("profile"))
    def profile_summary(self, obj):
        profile = getattr(obj.user, "profile", None)
        if profile is None:
            return "—"
        return format_html(
            "{} {} {}<br>{}, {} ({}, {})<br>Diet: {}<br>Access: {}",
            profile.title_rank,
            profile.full_name,
            profile.post_nominals,
            profile.job_title,
            profile.organisation,
            profile.get_organisation_type_display(),
            profile.country,
            profile.dietary_requirements or "—",
            profile.accessibility_requirements or "—",
        )
