"""Calls for workshop proposals, and the proposals: blind scoring by reviewers, the
average and the decision for organisers. Every change calls a service."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin

from .. import selectors, services
from ..forms import ReviewForm
from ..models import ProposalReview, WorkshopCall, WorkshopProposal

REVIEW = "workshops.review_proposal"
DECIDE = "workshops.decide_proposal"


@admin.register(WorkshopCall)
class WorkshopCallAdmin(ModelAdmin):
    list_display = ["edition", "opens_at", "closes_at", "proposal_count"]
    list_select_related = ["edition"]
    fields = ["edition", "opens_at", "closes_at", "guidance"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("proposals"))

    @admin.display(description=_("Proposals"), ordering="n")
    def proposal_count(self, obj):
        return obj.n


_CONTACTS = {"proposer": "proposer_name", "co_leaders_list": "co_leader_names"}


def _without_contacts(fields) -> list:
    """``fields`` with the ones that show email addresses replaced by names."""
    return [_CONTACTS.get(field, field) for field in fields]


def proposer_shown(proposal) -> str:
    """The proposer as a reviewer sees them: name and organisation, no email."""
    profile = getattr(proposal.proposer, "profile", None)
    if profile is None:
        return _("A delegate without a profile")
    return f"{profile.full_name}, {profile.organisation}"


@admin.register(WorkshopProposal)
class WorkshopProposalAdmin(ModelAdmin):
    list_display = [
        "title",
        "edition",
        "proposer",
        "format",
        "status",
        "your_score",
        "review_count",
        "review_link",
    ]
    list_filter = ["call__edition", "status", "format"]
    search_fields = ["title", "proposer__email"]
    list_select_related = ["call__edition", "proposer__profile"]
    readonly_fields = [
        "call",
        "proposer",
        "title",
        "summary",
        "audience",
        "format",
        "co_leaders_list",
        "status",
        "workshop",
        "decided_at",
        "decided_by",
    ]
    fields = readonly_fields
    actions = ["accept_proposals", "decline_proposals"]

    def get_queryset(self, request):
        own = ProposalReview.objects.filter(
            proposal=OuterRef("pk"), reviewer_id=request.user.pk
        ).values("score")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_reviews=Count("reviews"),
                average_score=Avg("reviews__score"),
                own_score=Subquery(own),
            )
        )

    def get_list_display(self, request):
        # Blind review: the average is an organiser's, who decides.
        if request.user.has_perm(DECIDE):
            return [*self.list_display[:-1], "average", self.list_display[-1]]
        return _without_contacts(self.list_display)

    # A reviewer judges the proposal and who leads it, not how to reach them: the
    # proposer's and co-leaders' email addresses are the organisers' (who decide).
    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if request.user.has_perm(DECIDE) else _without_contacts(fields)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.has_perm(DECIDE) else _without_contacts(fields)

    def get_search_fields(self, request):
        if request.user.has_perm(DECIDE):
            return self.search_fields
        return ["title", "proposer__profile__last_name"]

    @admin.display(description=_("Proposer"), ordering="proposer__profile__last_name")
    def proposer_name(self, obj):
        return proposer_shown(obj)

    @admin.display(description=_("Co-leaders"))
    def co_leader_names(self, obj):
        return ", ".join(leader["name"] for leader in obj.co_leaders) or "—"

    def has_add_permission(self, request):
        return False  # proposals come from practitioners, on the site

    def has_change_permission(self, request, obj=None):
        return False  # what the proposer wrote is theirs; decisions are actions

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(DECIDE)

    @admin.display(description=_("Conference"), ordering="call__edition")
    def edition(self, obj):
        return obj.call.edition

    @admin.display(description=_("Your score"), ordering="own_score")
    def your_score(self, obj):
        return obj.own_score or "—"

    @admin.display(description=_("Reviews"), ordering="n_reviews")
    def review_count(self, obj):
        return obj.n_reviews

    @admin.display(description=_("Average"), ordering="average_score")
    def average(self, obj):
        return f"{obj.average_score:.2f}" if obj.average_score is not None else "—"

    @admin.display(description=_("Review"))
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:workshops_workshopproposal_review", args=[obj.pk]),
            _("Review…"),
        )

    @admin.display(description=_("Co-leaders"))
    def co_leaders_list(self, obj):
        return (
            format_html_join(
                ", ", "{} &lt;{}&gt;", ((c["name"], c["email"]) for c in obj.co_leaders)
            )
            or "—"
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="workshops_workshopproposal_review",
            ),
        ] + super().get_urls()

    def review_view(self, request, pk):
        if not request.user.has_perm(REVIEW):
            raise PermissionDenied
        proposal = get_object_or_404(
            WorkshopProposal.objects.select_related(
                "call__edition", "proposer__profile"
            ),
            pk=pk,
        )
        scores = selectors.proposal_scores(proposal, user=request.user)
        initial = (
            {"score": str(scores.own.score), "comment": scores.own.comment}
            if scores.own
            else None
        )
        form = ReviewForm(request.POST or None, initial=initial)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.proposal_review(
                        proposal=proposal,
                        reviewer=request.user,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(request, _("Your score is saved."))
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review “%(title)s”") % {"title": proposal.title},
            "proposal": proposal,
            "scores": scores,
            "form": form,
            "can_decide": request.user.has_perm(DECIDE)
            and proposal.status == WorkshopProposal.Status.SUBMITTED,
            "shows_contacts": request.user.has_perm(DECIDE),
            "proposer_shown": proposer_shown(proposal),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "workshops/admin/proposal_review.html", context, status=status
        )

    def _decide(self, request, queryset, service, done):
        count = 0
        for proposal in queryset.order_by("pk"):
            try:
                service(proposal=proposal, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"n": count})

    @admin.action(
        description=_("Accept: make each a workshop of its conference"),
        permissions=["decide"],
    )
    def accept_proposals(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.proposal_accept,
            _(
                "%(n)s proposal(s) accepted: each is now an unpublished workshop, "
                "led by its proposer. Publish it from Workshops when its runs are set."
            ),
        )

    @admin.action(
        description=_("Decline (emails the proposer)"), permissions=["decide"]
    )
    def decline_proposals(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.proposal_decline,
            _("%(n)s proposal(s) declined; the proposers are emailed."),
        )
