"""Reads shared by the workshop views, admin, services and receivers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegates.models import Registration
from events.models import Edition, Speaker

from .models import (
    Allocation,
    ChoiceWindow,
    ProposalReview,
    TimeBlock,
    Workshop,
    WorkshopCall,
    WorkshopChoice,
    WorkshopProposal,
    WorkshopRun,
    WorkshopSettings,
)


def settings_for(edition: Edition) -> WorkshopSettings:
    """The edition's workshop settings, or the defaults (unsaved) when none exist."""
    found = WorkshopSettings.objects.filter(edition=edition).first()
    return found or WorkshopSettings(edition=edition)


def deadline_for(edition: Edition) -> dt.datetime:
    """When choices close: the edition's selection deadline, else its first morning."""
    if edition.workshop_selection_closes_at:
        return edition.workshop_selection_closes_at
    return timezone.make_aware(dt.datetime.combine(edition.start_date, dt.time(0)))


def published_allocation(edition: Edition) -> Allocation | None:
    return (
        Allocation.objects.filter(edition=edition, status=Allocation.Status.PUBLISHED)
        .order_by("-published_at")
        .first()
    )


def registration_is_late(registration: Registration, *, now=None) -> bool:
    """Confirmed after the selection deadline or after an allocation was published."""
    return confirmation_is_late(registration.edition, now=now)


def confirmation_is_late(edition: Edition, *, now=None) -> bool:
    """A delegate confirmed now would be late (``registration_is_late``)."""
    now = now or timezone.now()
    return now >= deadline_for(edition) or published_allocation(edition) is not None


def _leaders() -> Prefetch:
    """A workshop's leaders as ``leaders``: named ones first, by name."""
    return Prefetch(
        "facilitators",
        queryset=Speaker.objects.order_by("-may_be_named", "display_name", "pk"),
        to_attr="leaders",
    )


def blocks_with_runs(edition: Edition) -> list[TimeBlock]:
    """The edition's blocks, each with ``offered_runs``: runs of published workshops
    (``leaders_attach`` adds the leaders when the page is drawn)."""
    runs = WorkshopRun.objects.filter(workshop__published=True).select_related(
        "workshop", "room"
    )
    return list(
        TimeBlock.objects.filter(edition=edition)
        .select_related("session")
        .prefetch_related(
            Prefetch(
                "runs",
                queryset=runs.order_by("workshop__order", "workshop__title"),
                to_attr="offered_runs",
            )
        )
    )


def leaders_attach(blocks: list[TimeBlock]) -> None:
    """Give each offered run's workshop its ``leaders`` (one query), for the choose
    page; a save that redirects never needs them."""
    workshops = [run.workshop for block in blocks for run in block.offered_runs]
    prefetch_related_objects(workshops, _leaders())


def offered_runs(edition: Edition) -> QuerySet[WorkshopRun]:
    return WorkshopRun.objects.filter(
        workshop__edition=edition, workshop__published=True
    ).select_related("workshop", "block__session", "room")


def published_workshops(edition: Edition) -> QuerySet[Workshop]:
    """The edition's published workshops in their order, each with its runs (block,
    session, room, in time order) and its ``leaders``: what the public workshops page
    and the rank page show, in three queries however many workshops there are."""
    return (
        Workshop.objects.filter(edition=edition, published=True)
        # The edition once more, so each workshop's URL needs no query of its own.
        .select_related("edition")
        .prefetch_related(
            Prefetch(
                "runs",
                queryset=WorkshopRun.objects.select_related(
                    "block__session", "room"
                ).order_by("block__session__starts_at", "id"),
            ),
            _leaders(),
        )
    )


def edition_workshop_leaders(edition: Edition) -> list[Speaker]:
    """The leaders of the edition's published workshops (one query)."""
    return list(
        Speaker.objects.filter(workshops__edition=edition, workshops__published=True)
        .distinct()
        .order_by("display_name", "pk")
    )


def speaker_workshops(speaker: Speaker, editions: QuerySet[Edition]) -> list[Workshop]:
    """The published workshops ``speaker`` leads in ``editions`` (one query)."""
    return list(
        Workshop.objects.filter(
            facilitators=speaker, published=True, edition__in=editions
        )
        .select_related("edition")
        .order_by("-edition__start_date", "order", "title")
    )


def registration_choices(registration: Registration) -> list[WorkshopChoice]:
    return list(
        WorkshopChoice.objects.filter(registration=registration).select_related(
            "run__workshop", "run__room", "block__session"
        )
    )


def registrations_for_choosing() -> QuerySet[Registration]:
    """Registrations with everything ``choice_state`` needs, in one query.

    Loads the edition with its workshop settings, the user with their profile (for
    emails), the late-choice window and whether an allocation is published.
    """
    return Registration.objects.select_related(
        "edition__workshop_settings", "user__profile", "workshop_window"
    ).annotate(
        workshop_allocation_published=Exists(
            Allocation.objects.filter(
                edition=OuterRef("edition_id"), status=Allocation.Status.PUBLISHED
            )
        )
    )


def is_eligible(registration: Registration) -> bool:
    return (
        registration.status == Registration.Status.CONFIRMED
        and registration.category == Registration.Category.DELEGATE
    )


@dataclass
class ChoiceState:
    """What a registration may do with its workshops right now, and why not."""

    settings: WorkshopSettings
    deadline: dt.datetime
    window: ChoiceWindow | None
    allocation_published: bool
    can_choose: bool  # live choice (or a late window)
    can_rank: bool  # ranked preferences
    reason: str  # why neither is possible ("" when one is)

    @property
    def mode(self) -> str:
        return self.settings.mode


def choice_state(
    registration: Registration, *, now: dt.datetime | None = None
) -> ChoiceState:
    """What ``registration`` may do now; no query when it comes from
    ``registrations_for_choosing``."""
    now = now or timezone.now()
    edition = registration.edition
    if hasattr(registration, "workshop_allocation_published"):
        # Loaded by registrations_for_choosing(), in the same query.
        workshop_settings = getattr(edition, "workshop_settings", None)
        workshop_settings = workshop_settings or WorkshopSettings(edition=edition)
        window = getattr(registration, "workshop_window", None)
        allocation_published = registration.workshop_allocation_published
    else:
        workshop_settings = settings_for(edition)
        window = ChoiceWindow.objects.filter(registration=registration).first()
        allocation_published = published_allocation(edition) is not None
    deadline = deadline_for(edition)
    window_open = window is not None and window.closes_at > now
    before_deadline = now < deadline
    can_choose = can_rank = False
    reason = ""
    if not is_eligible(registration):
        reason = _("Only confirmed delegates choose workshops.")
    elif window_open:
        can_choose = True
    elif workshop_settings.mode == WorkshopSettings.Mode.LIVE:
        can_choose = before_deadline
    else:
        can_rank = before_deadline and not allocation_published
    if is_eligible(registration) and not (can_choose or can_rank):
        if allocation_published:
            reason = _("The workshops have been allocated.")
        else:
            reason = _("Workshop choices closed on %(deadline)s.") % {
                "deadline": f"{timezone.localtime(deadline):%d %B %Y %H:%M}"
            }
    return ChoiceState(
        settings=workshop_settings,
        deadline=deadline,
        window=window if window_open else None,
        allocation_published=allocation_published,
        can_choose=can_choose,
        can_rank=can_rank,
        reason=str(reason),
    )


def attendance(run: WorkshopRun) -> list[WorkshopChoice]:
    """Who sits in a run, by surname."""
    return list(
        WorkshopChoice.objects.filter(run=run)
        .select_related("registration__user__profile")
        .order_by(
            "registration__user__profile__last_name",
            "registration__user__profile__first_name",
            "registration__reference",
        )
    )


def choices_count(edition: Edition) -> int:
    """How many seats delegates hold in the edition's workshops."""
    return WorkshopChoice.objects.filter(run__workshop__edition=edition).aggregate(
        n=Count("pk")
    )["n"]


# Workshop proposals ----------------------------------------------------------------


def calls_open(*, now: dt.datetime | None = None) -> list:
    """The calls for workshop proposals open now, of published editions."""
    now = now or timezone.now()
    return list(
        WorkshopCall.objects.filter(
            opens_at__lte=now,
            closes_at__gt=now,
            edition__status=Edition.Status.PUBLISHED,
        )
        .select_related("edition")
        .order_by("closes_at")
    )


def call_for(edition: Edition) -> WorkshopCall | None:
    return WorkshopCall.objects.filter(edition=edition).first()


def proposals_of(user) -> list:
    """A person's own proposals, newest first, with their call and edition."""
    return list(
        WorkshopProposal.objects.filter(proposer=user).select_related("call__edition")
    )


def proposal_is_editable(proposal, *, now: dt.datetime | None = None) -> bool:
    return (
        proposal.status == WorkshopProposal.Status.SUBMITTED
        and proposal.call.is_open(now)
    )


@dataclass
class ProposalScores:
    """What one staff member may see of a proposal's reviews."""

    own: ProposalReview | None
    others: list  # other reviewers' reviews, empty until ``own`` exists (or deciders)
    count: int
    average: float | None  # for deciders and for reviewers who have scored
    visible: bool  # whether ``others`` and ``average`` are shown


def proposal_scores(proposal, *, user) -> ProposalScores:
    """Blind review: a reviewer sees the others' scores and the average only once
    they have scored; an organiser who decides sees them all along."""
    reviews = list(
        ProposalReview.objects.filter(proposal=proposal).select_related("reviewer")
    )
    own = next((r for r in reviews if r.reviewer_id == user.pk), None)
    visible = own is not None or user.has_perm("workshops.decide_proposal")
    average = (
        round(sum(r.score for r in reviews) / len(reviews), 2) if reviews else None
    )
    return ProposalScores(
        own=own,
        others=[r for r in reviews if r is not own] if visible else [],
        count=len(reviews),
        average=average if visible else None,
        visible=visible,
    )


def runs_over_room_capacity(edition: Edition) -> list[WorkshopRun]:
    """The edition's runs that offer more places than their room seats (allowed only
    by the organiser's ``over_room_capacity`` override), in time order, with the
    workshop, block and room: one query, for the edition dashboard."""
    return list(
        WorkshopRun.objects.filter(
            workshop__edition=edition,
            room__isnull=False,
            capacity__gt=F("room__capacity"),
        )
        .select_related("workshop", "block__session", "room")
        .order_by("block__session__starts_at", "workshop__order", "pk")
    )
