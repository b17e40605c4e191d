from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from events import selectors as events_selectors
from events.models import Edition

from . import ics, selectors, services
from .forms import ProfileForm, RegistrationForm
from .models import Registration

Status = Registration.Status


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def dashboard(request):
    registrations = selectors.dashboard_registrations(user=request.user)
    for registration in registrations:
        # A cancelled delegate may register again while registration is open.
        registration.can_register_again = (
            registration.status == Status.CANCELLED
            and not selectors.registration_closed_reason(edition=registration.edition)
        )
    panels = selectors.dashboard_panels(request=request, registrations=registrations)
    for registration in registrations:
        registration.panels = panels[registration.pk]
    registered = {
        registration.edition_id: registration for registration in registrations
    }
    open_editions = [
        edition
        for edition in Edition.objects.filter(
            status=Edition.Status.PUBLISHED, start_date__gt=timezone.localdate()
        )
        .select_related("venue")
        .order_by("start_date")
        if edition.pk not in registered
    ]
    profile, speaks = selectors.profile_and_speaking(user=request.user)
    return render(
        request,
        "delegates/dashboard.html",
        {
            "registrations": registrations,
            "profile": profile,
            "profile_complete": selectors.profile_complete(profile),
            "open_editions": open_editions,
            "registrations_by_edition": registered,
            "availability_by_edition": selectors.editions_availability(
                editions=open_editions
            ),
            "speaker_sessions": (
                selectors.speaker_sessions(user=request.user) if speaks else []
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = selectors.profile_for(user=request.user)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=profile
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.profile_save(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect(next_url or "delegates:dashboard")
        status = 400
    return render(
        request,
        "delegates/profile_form.html",
        {"form": form, "next": next_url, "creating": profile is None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request, slug):
    edition = events_selectors.edition_get_not_draft(slug=slug)
    status = 200
    if request.method == "POST":
        # Straight to the service, which checks everything: the burst path.
        form = RegistrationForm(request.POST)
        if form.is_valid():
            try:
                registration = services.registration_create(
                    edition=edition,
                    user=request.user,
                    consent_terms=form.cleaned_data["consent_terms"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                _registered_message(request, registration)
                return redirect("delegates:dashboard")
        status = 400
    else:
        form = RegistrationForm()
    existing = Registration.objects.filter(edition=edition, user=request.user).first()
    if existing is not None and existing.status == Status.CANCELLED:
        existing = None  # cancelled: they may register again
    closed_reason = selectors.registration_closed_reason(edition=edition)
    profile = selectors.profile_for(user=request.user)
    availability = (
        selectors.edition_availability(edition=edition)
        if existing is None and not closed_reason
        else None
    )
    if (
        request.method == "GET"
        and existing is None
        and not closed_reason
        and not selectors.profile_complete(profile)
    ):
        messages.info(
            request,
            _("Please complete your profile first; then confirm your registration."),
        )
        query = urlencode({"next": request.path})
        return redirect(f"{reverse('delegates:profile')}?{query}")
    return render(
        request,
        "delegates/register.html",
        {
            "edition": edition,
            "existing": existing,
            "closed_reason": closed_reason,
            "availability": availability,
            "form": form,
            "profile": profile,
            "profile_complete": selectors.profile_complete(profile),
            "speaks": (
                existing is None
                and not closed_reason
                and selectors.user_speaks_at(edition=edition, user=request.user)
            ),
        },
        status=status,
    )


def _registered_message(request, registration: Registration) -> None:
    values = {
        "edition": registration.edition.title,
        "reference": registration.reference,
    }
    if registration.status == Status.CONFIRMED:
        messages.success(
            request,
            _("You are confirmed for %(edition)s. Your reference is %(reference)s.")
            % values,
        )
    elif registration.status == Status.WAITLISTED:
        # As its email states it, when the service read it.
        values["position"] = getattr(
            registration, "admitted_position", None
        ) or selectors.waitlist_position(registration=registration)
        messages.info(
            request,
            _(
                "%(edition)s is full: you are on the waiting list at position "
                "%(position)s (reference %(reference)s)."
            )
            % values,
        )
    else:
        messages.info(
            request,
            _(
                "Thank you: your registration %(reference)s for %(edition)s is "
                "pending approval by the organisers. We will email you."
            )
            % values,
        )


def _own_registration(request, reference: str) -> Registration:
    """The user's own registration, or 404: another user's reference is not found."""
    return get_object_or_404(
        Registration.objects.select_related("edition__series", "edition__venue"),
        reference=reference,
        user=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_cancel(request, reference):
    registration = _own_registration(request, reference)
    error = ""
    cancellable = registration.status in (
        Status.PENDING,
        Status.WAITLISTED,
        Status.CONFIRMED,
    )
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Your registration %(reference)s has been cancelled.")
                % {"reference": registration.reference},
            )
            return redirect("delegates:dashboard")
    return render(
        request,
        "delegates/cancel.html",
        {
            "registration": registration,
            "error": error,
            "cancellable": cancellable and not error,
            "can_register_again": (
                registration.status == Status.CANCELLED
                and not selectors.registration_closed_reason(
                    edition=registration.edition
                )
            ),
        },
        status=400 if error else 200,
    )


def _agenda_unavailable(request, registration):
    """Only a confirmed place has an agenda: say why, as a 404."""
    return render(
        request,
        "delegates/agenda_unavailable.html",
        {"registration": registration},
        status=404,
    )


@login_required
def agenda(request, reference):
    """The delegate's personal agenda as a page, grouped by day."""
    registration = _own_registration(request, reference)
    if registration.status != Status.CONFIRMED:
        return _agenda_unavailable(request, registration)
    days: dict = {}
    for item in selectors.registration_agenda_items(registration=registration):
        day = timezone.localtime(item["starts_at"]).date()
        days.setdefault(day, []).append(item)
    return render(
        request,
        "delegates/agenda.html",
        {"registration": registration, "days": sorted(days.items())},
    )


@login_required
def agenda_ics(request, reference):
    registration = _own_registration(request, reference)
    if registration.status != Status.CONFIRMED:
        return _agenda_unavailable(request, registration)
    items = selectors.registration_agenda_items(registration=registration)
    response = HttpResponse(
        ics.agenda_calendar(registration=registration, items=items),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{registration.edition.slug}-agenda.ics"'
    )
    return response
