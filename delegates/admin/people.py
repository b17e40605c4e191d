"""Accounts, profiles, trusted domains and the seats counter in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from socex.admin_base import AdminPasswordChangeForm, ModelAdmin, StackedInline

from ..models import EditionSeats, Profile, TrustedDomain, User


class ProfileInline(StackedInline):
    model = Profile
    extra = 0
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Name"), {"fields": ["first_name", "last_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    # Organisers give people roles (groups); only a superuser makes a superuser or
    # changes one (email, password, rights), so no role can take such an account.

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Profile)
class ProfileAdmin(ModelAdmin):
    list_display = [
        "full_name",
        "user",
        "organisation",
        "organisation_type",
        "country",
    ]
    list_filter = ["organisation_type", "country"]
    list_select_related = ["user"]
    search_fields = ["first_name", "last_name", "user__email", "organisation"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        # What an organiser changes on a badge is emailed to its holder (receiver
        # in delegates.badges); a delegate's own edit only updates My SOCEX.
        obj.changed_by_organiser = True
        super().save_model(request, obj, form, change)


@admin.register(TrustedDomain)
class TrustedDomainAdmin(ModelAdmin):
    list_display = ["domain", "edition"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["domain"]


@admin.register(EditionSeats)
class EditionSeatsAdmin(ModelAdmin):
    """Read-only: the counter the registration services keep."""

    list_display = ["edition", "capacity", "confirmed", "remaining"]
    list_select_related = ["edition"]
    readonly_fields = ["edition", "capacity", "confirmed", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
