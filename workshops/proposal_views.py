"""A practitioner's workshop proposals: the open calls, their own proposals, and the
form to propose or change one while the call is open."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import selectors, services
from .forms import ProposalForm
from .models import WorkshopCall, WorkshopProposal


def _own_proposal(request, pk: int) -> WorkshopProposal:
    """The signed-in person's proposal; anybody else's is a 404."""
    return get_object_or_404(
        WorkshopProposal.objects.select_related("call__edition", "workshop"),
        pk=pk,
        proposer=request.user,
    )


@login_required
@require_safe
def proposal_list(request):
    return render(
        request,
        "workshops/proposals/list.html",
        {
            "calls": selectors.calls_open(),
            "proposals": selectors.proposals_of(request.user),
        },
    )


def _form_page(request, *, form, call, proposal=None, status=200):
    return render(
        request,
        "workshops/proposals/form.html",
        {"form": form, "call": call, "edition": call.edition, "proposal": proposal},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, slug: str):
    call = (
        WorkshopCall.objects.select_related("edition")
        .filter(edition__slug=slug)
        .first()
    )
    if call is None or call.edition.status == call.edition.Status.DRAFT:
        raise Http404("No call for workshop proposals")
    form = ProposalForm(request.POST or None)
    if request.method == "GET":
        return _form_page(request, form=form, call=call)
    if form.is_valid():
        try:
            proposal = services.proposal_submit(
                call=call, proposer=request.user, **form.proposal_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you: your proposal is submitted. You can change it until "
                    "the call closes; we will email you the organisers' decision."
                ),
            )
            return redirect(proposal)
    return _form_page(request, form=form, call=call, status=400)


@login_required
@require_safe
def proposal_detail(request, pk: int):
    proposal = _own_proposal(request, pk)
    return render(
        request,
        "workshops/proposals/detail.html",
        {
            "proposal": proposal,
            "edition": proposal.call.edition,
            "editable": selectors.proposal_is_editable(proposal),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk: int):
    proposal = _own_proposal(request, pk)
    form = ProposalForm(request.POST or None, instance=proposal)
    if request.method == "GET":
        if not selectors.proposal_is_editable(proposal):
            messages.info(request, _("This proposal can no longer be changed."))
            return redirect(proposal)
        return _form_page(request, form=form, call=proposal.call, proposal=proposal)
    if form.is_valid():
        try:
            services.proposal_update(
                proposal=proposal, user=request.user, **form.proposal_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your proposal is saved."))
            return redirect(proposal)
    # The form wrote the posted values onto the instance: show the saved ones again.
    proposal.refresh_from_db()
    return _form_page(
        request, form=form, call=proposal.call, proposal=proposal, status=400
    )
