"""Delegate pages: choose workshops (live choice) or rank them (ranked preferences)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from delegates.models import Registration

from . import selectors, services
from .forms import WorkshopChoiceForm, WorkshopRankForm
from .models import WorkshopPreference


def _own_registration(request, reference: str) -> Registration:
    """The signed-in user's registration, with what ``choice_state`` needs (one
    query); anybody else's is a 404."""
    return get_object_or_404(
        selectors.registrations_for_choosing(),
        reference=reference,
        user=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def choose(request, reference: str):
    registration = _own_registration(request, reference)
    state = selectors.choice_state(registration)
    if state.can_rank:
        return redirect("workshops:rank", reference=registration.reference)
    blocks = selectors.blocks_with_runs(registration.edition)
    n = state.settings.workshops_per_delegate
    status = 200
    form = WorkshopChoiceForm(
        request.POST or None,
        blocks=blocks,
        n=n,
        # A POST needs the current choices only to show the page again.
        current=(
            ()
            if request.method == "POST"
            else [c.run_id for c in selectors.registration_choices(registration)]
        ),
        disabled=not state.can_choose,
    )
    if request.method == "POST":
        if not state.can_choose:
            form.add_error(None, state.reason)
            status = 400
        elif form.is_valid():
            try:
                services.workshop_choices_set(
                    registration=registration,
                    run_ids=form.run_ids,
                    # The runs the form offered: the service need not read them again.
                    runs=form.offered_runs(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
                # Places may have changed: show the current numbers.
                form.blocks = selectors.blocks_with_runs(registration.edition)
                form.runs_by_block = {
                    block.pk: {str(r.pk): r for r in block.offered_runs}
                    for block in form.blocks
                }
            else:
                messages.success(
                    request,
                    _("Your workshops are saved. We have emailed you a confirmation."),
                )
                return redirect("delegates:dashboard")
        else:
            status = 400
        form.current = {c.run_id for c in selectors.registration_choices(registration)}
    selectors.leaders_attach(form.blocks)
    return render(
        request,
        "workshops/choose.html",
        {
            "registration": registration,
            "edition": registration.edition,
            "state": state,
            "form": form,
            "n": n,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rank(request, reference: str):
    registration = _own_registration(request, reference)
    state = selectors.choice_state(registration)
    if state.can_choose:
        return redirect("workshops:choose", reference=registration.reference)
    workshops = list(selectors.published_workshops(registration.edition))
    current = dict(
        WorkshopPreference.objects.filter(registration=registration).values_list(
            "workshop_id", "rank"
        )
    )
    form = WorkshopRankForm(request.POST or None, workshops=workshops, current=current)
    status = 200
    if request.method == "POST":
        if not state.can_rank:
            form.add_error(None, state.reason)
            status = 400
        elif form.is_valid():
            try:
                services.workshop_preferences_set(
                    registration=registration, workshop_ids=form.ranking
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Your ranking is saved. The organisers will allocate the "
                        "workshops after the deadline and email you yours."
                    ),
                )
                return redirect("delegates:dashboard")
        else:
            status = 400
    n = state.settings.workshops_per_delegate
    return render(
        request,
        "workshops/rank.html",
        {
            "registration": registration,
            "edition": registration.edition,
            "state": state,
            "form": form,
            "n": n,
            "needed": min(n + 2, len(workshops)),
            "choices": selectors.registration_choices(registration),
        },
        status=status,
    )
