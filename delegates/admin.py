import io

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.exports import csv_response

from . import selectors, services
from .forms import DeclineForm
from .models import (
    EditionSeats,
    Profile,
    Registration,
    RegistrationStatusChange,
    TrustedDomain,
    User,
)

# The largest primary key the databases store (a signed 64-bit integer).
MAX_PK = 2**63 - 1


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _valid_pk(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_PK


class PkChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers "Select a valid choice" for any id the
    database cannot hold (too large, negative, not a number) instead of crashing."""

    def to_python(self, value):
        if value not in self.empty_values and not _valid_pk(value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)

    def bound_data(self, data, initial):
        # Re-displayed with the errors: never look such an id up (autocomplete).
        if data not in self.empty_values and not _valid_pk(data):
            return None
        return super().bound_data(data, initial)


class ProfileInline(admin.StackedInline):
    model = Profile
    extra = 0
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
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


@admin.register(TrustedDomain)
class TrustedDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "edition"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["domain"]


@admin.register(EditionSeats)
class EditionSeatsAdmin(admin.ModelAdmin):
    """Read-only: the counter the registration services keep."""

    list_display = ["edition", "capacity", "confirmed", "remaining"]
    list_select_related = ["edition"]
    readonly_fields = ["edition", "capacity", "confirmed", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
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


class RegistrationAddForm(forms.ModelForm):
    """Organisers add a registration (e.g. a speaker) through registration_create."""

    consent_terms = forms.BooleanField(
        label=_("The person has agreed to the terms and the privacy notice"),
        error_messages={"required": _("Confirm the person has agreed to the terms.")},
    )

    class Meta:
        model = Registration
        fields = ["edition", "user", "category", "consent_terms"]

    def _get_validation_exclusions(self):
        # Uniqueness per edition and user is clean()'s and the service's: a
        # cancelled registration is reused, not duplicated.
        exclude = super()._get_validation_exclusions()
        exclude.add("user")
        return exclude

    def clean(self):
        data = super().clean()
        edition, user = data.get("edition"), data.get("user")
        if edition:
            reason = selectors.edition_over_reason(edition=edition)
            if reason:
                self.add_error("edition", reason)
                return data
        if edition and user:
            if (
                Registration.objects.filter(edition=edition, user=user)
                .exclude(status=Registration.Status.CANCELLED)  # may come back
                .exists()
            ):
                raise ValidationError(
                    _("%(user)s is already registered for %(edition)s.")
                    % {"user": user, "edition": edition}
                )
            if not selectors.profile_is_complete(user=user):
                raise ValidationError(
                    _("%(user)s has no complete profile yet: add one first.")
                    % {"user": user}
                )
        return data


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
class RegistrationAdmin(admin.ModelAdmin):
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
    actions = [
        "approve",
        "decline",
        "move_to_waitlist",
        "resend_confirmation",
        "export_csv",
        "export_xlsx",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", PkChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        """Refuse a selection that names no possible registration (forged or
        truncated ids) with a message, before any action runs."""
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(_valid_pk(value) for value in selected):
            self.message_user(
                request,
                _(
                    "The selection was not valid, so nothing was done. Reload the "
                    "list and select the registrations again."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RegistrationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

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

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = services.registration_create(
            edition=form.cleaned_data["edition"],
            user=form.cleaned_data["user"],
            category=form.cleaned_data["category"],
            consent_terms=form.cleaned_data["consent_terms"],
            actor=request.user,
        )
        obj.pk = created.pk
        obj.__dict__.update(
            {k: v for k, v in created.__dict__.items() if not k.startswith("_")}
        )
        obj._state.adding = False

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

    # Actions: one service call per registration, in id order, reporting each error.

    def _each(self, request, queryset, service, done_message, **kwargs) -> list:
        """Run ``service`` on each registration; returns what it returned for those
        it did not refuse. ``done_message`` None: the caller reports."""
        done = []
        for registration in queryset.select_related("edition").order_by("pk"):
            try:
                result = service(registration=registration, **kwargs)
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{registration.reference}: {_error_text(error)}",
                    messages.ERROR,
                )
            else:
                done.append(result)
        if done and done_message is not None:
            self.message_user(
                request, done_message % {"count": len(done)}, messages.SUCCESS
            )
        return done

    @admin.action(
        description=_(
            "Approve selected (confirmed while places remain, then waitlisted)"
        )
    )
    def approve(self, request, queryset):
        approved = self._each(
            request,
            queryset,
            services.registration_approve,
            None,
            actor=request.user,
        )
        confirmed = sum(r.status == Registration.Status.CONFIRMED for r in approved)
        waitlisted = len(approved) - confirmed
        if confirmed:
            self.message_user(
                request,
                _("%(count)d registration(s) confirmed.") % {"count": confirmed},
                messages.SUCCESS,
            )
        if waitlisted:
            self.message_user(
                request,
                _(
                    "%(count)d registration(s) put on the waiting list: the edition "
                    "is full."
                )
                % {"count": waitlisted},
                messages.WARNING,
            )

    @admin.action(description=_("Decline selected, with a reason…"))
    def decline(self, request, queryset):
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(
                request,
                queryset,
                services.registration_decline,
                _("%(count)d registration(s) declined."),
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decline registrations"),
            "form": form,
            "registrations": queryset.select_related("user__profile", "edition"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/delegates/registration/decline.html", context
        )

    @admin.action(description=_("Move selected to the waiting list"))
    def move_to_waitlist(self, request, queryset):
        self._each(
            request,
            queryset,
            services.registration_waitlist,
            _("%(count)d registration(s) moved to the waiting list."),
            actor=request.user,
        )

    @admin.action(description=_("Resend the confirmation email"))
    def resend_confirmation(self, request, queryset):
        self._each(
            request,
            queryset,
            services.registration_confirmation_resend,
            _("%(count)d confirmation(s) queued."),
        )

    def _export_name(self, ext: str) -> str:
        return f"socex-delegates-{timezone.localtime():%Y%m%d-%H%M}.{ext}"

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        return csv_response(
            filename=self._export_name("csv"),
            header=[title for _key, title in selectors.EXPORT_COLUMNS],
            rows=selectors.export_rows(queryset=queryset),
        )

    @admin.action(description=_("Export selected as Excel (XLSX)"))
    def export_xlsx(self, request, queryset):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Delegates")

        def text(value):
            # Typed as a string, so "=..." is shown as text, never run as a formula
            # (the CSV export's apostrophe guard is for CSV only).
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell

        sheet.append([text(title) for _key, title in selectors.EXPORT_COLUMNS])
        for row in selectors.export_rows(queryset=queryset):
            sheet.append([text(cell) for cell in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self._export_name("xlsx")}"'
        )
        return response

    # The catering and access summary for the venue.

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "summary/",
                self.admin_site.admin_view(self.summary_index_view),
                name="{}_{}_summary_index".format(*info),
            ),
            path(
                "summary/<int:edition_id>/",
                self.admin_site.admin_view(self.summary_view),
                name="{}_{}_summary".format(*info),
            ),
            *super().get_urls(),
        ]

    def summary_index_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        editions = Edition.objects.select_related("series").order_by("-start_date")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Catering and access summary"),
            "opts": self.model._meta,
            "editions": [
                (
                    edition,
                    reverse("admin:delegates_registration_summary", args=[edition.pk]),
                )
                for edition in editions
            ],
        }
        return TemplateResponse(
            request, "admin/delegates/registration/summary_index.html", context
        )

    def summary_view(self, request, edition_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        edition = get_object_or_404(
            Edition.objects.select_related("venue"), pk=edition_id
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Catering and access: %(edition)s") % {"edition": edition},
            "opts": self.model._meta,
            "edition": edition,
            "summary": selectors.catering_summary(edition=edition),
        }
        return TemplateResponse(
            request, "admin/delegates/registration/summary.html", context
        )


from .badges import admin as badges_admin  # noqa: E402,F401  (badge printing, check-ins)
