"""The personal-data audit (read-only) and erasure from the users' admin.

The users' admin is the delegates' own; this module re-registers it with the erase
action and a delete that routes people with registrations (protected: the reports
count them) to the erasure instead of a dead end.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from delegates import admin as delegates_admin  # noqa: F401  (registers User first)
from delegates.models import User
from socex.admin_base import ModelAdmin

from . import services
from .forms import EraseForm
from .models import PersonalDataAccess

ERASE_PERMISSION = "privacy.erase_person"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ModelAdmin):
    """Who viewed, exported or erased personal data: read-only for everybody."""

    list_display = [
        "created_at",
        "kind",
        "actor_email",
        "edition",
        "rows",
        "subject",
        "ip_address",
    ]
    list_filter = ["kind", "edition"]
    list_select_related = ["edition", "subject"]
    search_fields = ["actor_email", "detail", "ip_address"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "kind",
        "actor",
        "actor_email",
        "edition",
        "subject",
        "rows",
        "detail",
        "ip_address",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


BaseUserAdmin = type(admin.site.get_model_admin(User))


class UserAdmin(BaseUserAdmin):
    """The users' admin with "Erase personal data" (permission
    ``privacy.erase_person``), through the same service as "Delete my account"."""

    actions = [*(BaseUserAdmin.actions or []), "erase_personal_data"]

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm(ERASE_PERMISSION)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="delegates_user_erase",
            ),
            *super().get_urls(),
        ]

    def _erase(self, request, users) -> int:
        erased = 0
        for user in users:
            try:
                if user.pk == request.user.pk:
                    raise ValidationError(
                        _("To delete your own account, use “Delete my account”.")
                    )
                if user.is_superuser and not request.user.is_superuser:
                    raise ValidationError(
                        _("Only a superuser may erase a superuser's account.")
                    )
                email = user.email
                services.account_erase(user=user, actor=request.user, request=request)
            except ValidationError as error:
                self.message_user(
                    request, f"{user}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                erased += 1
                self.message_user(
                    request,
                    _("%(email)s: personal data erased, account closed.")
                    % {"email": email},
                    messages.SUCCESS,
                )
        return erased

    def _confirm_page(self, request, users, *, form, single):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "opts": self.model._meta,
            "users": users,
            "form": form,
            "single": single,
            "may_erase": self.has_erase_permission(request),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/privacy/user_erase.html", context)

    @admin.action(
        description=_("Erase personal data of selected (cancels future places)…"),
        permissions=["erase"],
    )
    def erase_personal_data(self, request, queryset):
        users = list(
            queryset.annotate(registration_count=Count("registrations")).order_by("pk")
        )
        form = EraseForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._erase(request, users)
            return None
        return self._confirm_page(request, users, form=form, single=False)

    def erase_view(self, request, object_id):
        """One person: a confirmation page, then the erasure (POST only)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        user = get_object_or_404(
            User.objects.annotate(registration_count=Count("registrations")),
            pk=object_id if str(object_id).isdigit() else None,
        )
        form = EraseForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if not self.has_erase_permission(request):
                raise PermissionDenied
            if form.is_valid():
                self._erase(request, [user])
                return HttpResponseRedirect(
                    reverse("admin:delegates_user_change", args=[user.pk])
                )
        return self._confirm_page(request, [user], form=form, single=True)

    def delete_view(self, request, object_id, extra_context=None):
        """A person with registrations cannot be deleted (the reports count them):
        offer the erasure instead; anyone else is deleted as usual."""
        if (
            str(object_id).isdigit()
            and User.objects.filter(pk=object_id, registrations__isnull=False).exists()
        ):
            self.message_user(
                request,
                _(
                    "This person has registrations, which are kept for the "
                    "conference reports, so the account cannot be deleted. Erase "
                    "their personal data instead: their future places are cancelled "
                    "and their details blanked."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:delegates_user_erase", args=[object_id])
            )
        return super().delete_view(request, object_id, extra_context)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
