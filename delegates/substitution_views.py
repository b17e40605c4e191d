"""My SOCEX pages of a substitution: the delegate nominates a colleague (or withdraws
the nomination), and the colleague follows the emailed link to accept the place.
Every rule is the service's (``services.substitutions``)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import SubstitutionAcceptForm, SubstitutionForm
from .models import Substitution
from .services import substitutions
from .views import _add_errors, _own_registration


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request, reference):
    """Pass my place to a colleague: the form, or the pending nomination."""
    registration = _own_registration(request, reference)
    pending = registration.substitutions.filter(status__in=Substitution.PENDING).first()
    form = SubstitutionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if pending is None and form.is_valid():
            try:
                substitution = services.substitution_nominate(
                    registration=registration,
                    email=form.cleaned_data["email"],
                    pass_workshops=form.pass_workshops,
                    actor=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "We have emailed %(email)s a link to take your place. Your "
                        "place stays yours until they accept."
                    )
                    % {"email": substitution.email},
                )
                return redirect("delegates:dashboard")
        status = 400
    return render(
        request,
        "delegates/substitute.html",
        {"registration": registration, "pending": pending, "form": form},
        status=status,
    )


@login_required
@require_POST
def withdraw(request, reference, pk):
    registration = _own_registration(request, reference)
    substitution = get_object_or_404(registration.substitutions, pk=pk)
    try:
        services.substitution_cancel(substitution=substitution, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The nomination of %(email)s is withdrawn: your place stays yours.")
            % {"email": substitution.email},
        )
    return redirect("delegates:substitute", reference=registration.reference)


@require_http_methods(["GET", "POST"])
def accept(request, token):
    """The colleague's page: who offers the place, then (signed in with the address
    the link was sent to, profile complete) accept it."""
    substitution = substitutions.substitution_for_token(token=token)
    if substitution is None:
        raise Http404(_("This link is not valid."))
    problem = substitutions.link_problem(substitution=substitution)
    if problem:
        return render(
            request,
            "delegates/substitution_accept.html",
            {"substitution": substitution, "problem": problem},
            status=410,
        )
    user = request.user
    if request.method == "POST" and not user.is_authenticated:
        query = urlencode({"next": request.path})
        return redirect(f"{reverse('account_login')}?{query}")
    wrong_account = (
        user.is_authenticated and user.email.lower() != substitution.email.lower()
    )
    profile_complete = user.is_authenticated and selectors.profile_complete(
        selectors.profile_for(user=user)
    )
    form = SubstitutionAcceptForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                substitution = services.substitution_accept(
                    substitution=substitution,
                    user=user,
                    consent_terms=form.cleaned_data["consent_terms"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return _accepted(request, substitution)
        status = 400
    return render(
        request,
        "delegates/substitution_accept.html",
        {
            "substitution": substitution,
            "form": form,
            "wrong_account": wrong_account,
            "profile_complete": profile_complete,
            "next_query": urlencode({"next": request.path}),
        },
        status=status,
    )


def _accepted(request, substitution: Substitution):
    edition = substitution.registration.edition
    if substitution.status == Substitution.Status.COMPLETED:
        messages.success(
            request,
            _(
                "The place at %(edition)s is yours: your reference is %(reference)s. "
                "We have emailed your confirmation."
            )
            % {
                "edition": edition.title,
                "reference": substitution.new_registration.reference,
            },
        )
    else:
        messages.info(
            request,
            _(
                "Thank you: the organisers will review the change and email you. "
                "Your colleague keeps the place until then."
            ),
        )
    return redirect("delegates:dashboard")
