"""Substitutions in the admin: the list of nominations, with approve, decline and
withdraw actions, and the registrations action that nominates a colleague for a
delegate (e.g. asked by phone). Every change goes through
``services.substitutions``.

Permissions: nominating or withdrawing for a delegate is
``delegates.substitute_registration`` (Organiser); approving or declining the
colleague who accepted is vetting, ``delegates.approve_registration`` (Organiser and
Vetting).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin

from .. import services
from ..forms import DeclineForm, SubstitutionForm
from ..models import Registration, Substitution
from .forms import error_text


def has_substitute_permission(modeladmin, request) -> bool:
    return request.user.has_perm("delegates.substitute_registration")


def has_approve_permission(modeladmin, request) -> bool:
    return request.user.has_perm("delegates.approve_registration")


@admin.register(Substitution)
class SubstitutionAdmin(ModelAdmin):
    list_display = [
        "registration",
        "edition",
        "email",
        "status",
        "pass_workshops",
        "created_at",
        "expires_at",
        "new_registration",
    ]
    list_filter = ["status", "registration__edition"]
    list_select_related = ["registration__edition", "new_registration"]
    search_fields = ["email", "registration__reference", "registration__user__email"]
    # Never the token's hash: nothing staff open shows a secret or its stand-in.
    fields = [
        "registration",
        "email",
        "pass_workshops",
        "status",
        "expires_at",
        "nominated_by",
        "nominee",
        "accepted_at",
        "new_registration",
        "decided_by",
        "decided_at",
        "reason",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["approve", "decline", "withdraw"]

    has_approve_permission = has_approve_permission
    has_substitute_permission = has_substitute_permission

    @admin.display(description=_("edition"))
    def edition(self, obj):
        return obj.registration.edition

    def has_add_permission(self, request):
        return False  # nominate from the registrations list: the service checks

    def has_delete_permission(self, request, obj=None):
        return False  # the history stays

    def _each(self, request, queryset, service, done, **kwargs) -> None:
        count = 0
        for substitution in queryset.order_by("pk"):
            try:
                service(substitution=substitution, actor=request.user, **kwargs)
            except ValidationError as error:
                self.message_user(
                    request, f"{substitution}: {error_text(error)}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=_("Approve selected: the place passes to the colleague"),
        permissions=["approve"],
    )
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            services.substitution_approve,
            _("%(count)d place(s) passed on."),
        )

    @admin.action(
        description=_("Decline selected colleagues, with a reason…"),
        permissions=["approve"],
    )
    def decline(self, request, queryset):
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(
                request,
                queryset,
                services.substitution_decline,
                _("%(count)d nomination(s) declined."),
                reason=form.cleaned_data["reason"],
            )
            return None
        return TemplateResponse(
            request,
            "admin/delegates/substitution/decline.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Decline substitutions"),
                "form": form,
                "substitutions": queryset.select_related("registration__edition"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Withdraw selected nominations (the delegate keeps the place)"),
        permissions=["substitute"],
    )
    def withdraw(self, request, queryset):
        self._each(
            request,
            queryset,
            services.substitution_cancel,
            _("%(count)d nomination(s) withdrawn."),
        )


@admin.action(
    description=_("Pass the place to a colleague…"), permissions=["substitute"]
)
def substitute(modeladmin, request, queryset):
    """For one selected registration: the colleague's address and what becomes of
    the workshop places, then ``substitution_nominate`` (the colleague is emailed)."""
    registrations = list(queryset.select_related("edition", "user__profile")[:2])
    if len(registrations) != 1:
        modeladmin.message_user(
            request,
            _("Select exactly one registration to pass to a colleague."),
            messages.ERROR,
        )
        return None
    registration = registrations[0]
    form = SubstitutionForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        try:
            substitution = services.substitution_nominate(
                registration=registration,
                email=form.cleaned_data["email"],
                pass_workshops=form.pass_workshops,
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            modeladmin.message_user(
                request,
                _("%(email)s has been emailed a link to take %(reference)s's place.")
                % {"email": substitution.email, "reference": registration.reference},
                messages.SUCCESS,
            )
            return None
    return TemplateResponse(
        request,
        "admin/delegates/registration/substitute.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Pass a place to a colleague"),
            "form": form,
            "registration": registration,
            "opts": Registration._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _add_registration_action() -> None:
    model_admin = admin.site.get_model_admin(Registration)
    if substitute not in model_admin.actions:
        model_admin.actions = [*model_admin.actions, substitute]
    model_admin.has_substitute_permission = has_substitute_permission.__get__(
        model_admin
    )


_add_registration_action()
