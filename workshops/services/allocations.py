"""Allocation from ranked preferences: an exact solve stored as a draft with its
report, then published as everybody's workshops."""

from __future__ import annotations

import random
import time
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from delegates.badges.services import badge_schedule_render
from delegates.models import Registration
from events.models import Edition
from socex.mail.services import email_queue

from .. import allocation as solver
from ..models import (
    Allocation,
    AllocationAssignment,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
    WorkshopSettings,
)
from ..selectors import registration_choices, settings_for
from .choices import choice_window_open
from .common import audit_record, run_label
from .seats import lock_runs


def _schedule_email(*, registration: Registration, template: str, key: str | None):
    choices = registration_choices(registration)
    email_queue(
        to=registration.user.email,
        template=template,
        context={
            "registration": registration,
            "edition": registration.edition,
            "choices": choices,
            "profile": getattr(registration.user, "profile", None),
        },
        key=key,
    )


def _allocation_inputs(edition: Edition):
    registrations = list(
        Registration.objects.filter(
            edition=edition,
            status=Registration.Status.CONFIRMED,
            category=Registration.Category.DELEGATE,
        ).order_by("pk")
    )
    workshops = list(
        Workshop.objects.filter(edition=edition, published=True).order_by("pk")
    )
    runs = list(
        WorkshopRun.objects.filter(workshop__in=workshops)
        .select_related("workshop", "block")
        .order_by("pk")
    )
    return registrations, workshops, runs


def _require_ranked(settings: WorkshopSettings) -> None:
    if settings.mode != WorkshopSettings.Mode.RANKED:
        raise ValidationError(
            _(
                "%(edition)s uses live choice: delegates choose their own workshops, "
                "so there is nothing to allocate. Switch it to ranked preferences "
                "before anyone has chosen to allocate instead."
            )
            % {"edition": settings.edition}
        )


@transaction.atomic
def allocation_run(
    *, edition: Edition, seed: int | None = None, actor=None
) -> Allocation:
    """Solve the allocation exactly and store it as a draft with its report.

    Only for an edition in ranked-preference mode: in live choice, delegates' own
    choices are theirs. A draft may be run while delegates still rank (to preview).
    """
    settings = settings_for(edition)
    _require_ranked(settings)
    n = settings.workshops_per_delegate
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    registrations, workshops, runs = _allocation_inputs(edition)
    if not runs:
        raise ValidationError(_("Add published workshops with runs before allocating."))
    w_index = {w.pk: i for i, w in enumerate(workshops)}
    b_index = {b: i for i, b in enumerate(sorted({r.block_id for r in runs}))}
    ranks: list[dict[int, int]] = [{} for _ in registrations]
    r_index = {reg.pk: i for i, reg in enumerate(registrations)}
    for pref in WorkshopPreference.objects.filter(
        registration__in=registrations, workshop__in=workshops
    ).order_by("registration_id", "rank"):
        ranking = ranks[r_index[pref.registration_id]]
        ranking[w_index[pref.workshop_id]] = len(ranking) + 1
    costs = solver.rank_costs(ranks, len(workshops))
    problem = [
        solver.Run(
            workshop=w_index[r.workshop_id],
            block=b_index[r.block_id],
            capacity=r.capacity,
        )
        for r in runs
    ]
    started = time.perf_counter()
    solution = solver.solve(costs, problem, n, seed=seed)
    seconds = time.perf_counter() - started

    Allocation.objects.filter(edition=edition, status=Allocation.Status.DRAFT).update(
        status=Allocation.Status.SUPERSEDED
    )
    allocation = Allocation.objects.create(edition=edition, seed=seed, created_by=actor)
    assignments = []
    received_ranks = []
    top = 0
    fill = Counter()
    for d, reg in enumerate(registrations):
        ranking = ranks[d]
        unranked = len(ranking) + 1
        got = []
        for r in solution.assignments[d]:
            run = runs[r]
            rank = ranking.get(w_index[run.workshop_id], unranked)
            got.append(rank)
            fill[run.pk] += 1
            assignments.append(
                AllocationAssignment(
                    allocation=allocation, registration=reg, run=run, rank=rank
                )
            )
        received_ranks.extend(got)
        if ranking and len(got) == n and sorted(got) == list(range(1, n + 1)):
            top += 1
    AllocationAssignment.objects.bulk_create(assignments)
    allocation.report = {
        "seed": seed,
        "seconds": round(seconds, 3),
        "delegates": len(registrations),
        "per_delegate": n,
        "top_choices": top,
        "top_choices_pct": round(100 * top / len(registrations), 1)
        if registrations
        else 0.0,
        "mean_rank": round(sum(received_ranks) / len(received_ranks), 3)
        if received_ranks
        else None,
        "cost": solution.cost,
        "status": solution.status,
        "fill": [
            {
                "run": run.pk,
                "workshop": run.workshop.title,
                "block": run.block.name,
                "taken": fill[run.pk],
                "capacity": run.capacity,
            }
            for run in runs
        ],
        "unplaced": [
            {
                "registration": registrations[d].pk,
                "reference": registrations[d].reference,
                "placed": len(solution.assignments[d]),
            }
            for d in solution.unplaced
        ],
    }
    allocation.save(update_fields=["report"])
    return allocation


@transaction.atomic
def allocation_publish(*, allocation: Allocation, actor=None) -> Allocation:
    """Make a draft allocation everybody's workshops and email each delegate theirs.

    Replaces every choice in the edition, under the runs' locks. Delegates confirmed
    since the allocation ran get a 72-hour window to choose from the places left.
    """
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.status != Allocation.Status.DRAFT:
        raise ValidationError(_("Only a draft allocation can be published."))
    edition = allocation.edition
    _require_ranked(settings_for(edition))
    deadline = edition.workshop_selection_closes_at
    if deadline and timezone.now() < deadline:
        raise ValidationError(
            _(
                "Delegates can still rank their workshops until %(deadline)s: publish "
                "after that, or bring the workshop deadline forward on the edition "
                "first (then run the allocation again)."
            )
            % {
                "deadline": formats.date_format(
                    timezone.localtime(deadline), "j F Y H:i"
                )
            }
        )
    if deadline and allocation.created_at < deadline:
        raise ValidationError(
            _(
                "This draft was made while delegates could still change their "
                "rankings: run the allocation again and publish the new draft."
            )
        )
    runs = lock_runs(
        WorkshopRun.objects.filter(workshop__edition=edition).values_list(
            "pk", flat=True
        )
    )
    assignments = list(
        allocation.assignments.filter(
            registration__status=Registration.Status.CONFIRMED
        ).select_related("registration")
    )
    WorkshopChoice.objects.filter(run__in=list(runs)).delete()
    WorkshopRun.objects.filter(pk__in=list(runs)).update(seats_taken=0)
    WorkshopChoice.objects.bulk_create(
        [
            WorkshopChoice(
                registration_id=a.registration_id,
                run=runs[a.run_id],
                block_id=runs[a.run_id].block_id,
                workshop_id=runs[a.run_id].workshop_id,
                source=WorkshopChoice.Source.ALLOCATION,
            )
            for a in assignments
        ]
    )
    counts = Counter(a.run_id for a in assignments)
    for run_id, taken in sorted(counts.items()):
        run = runs[run_id]
        if taken > run.capacity:
            raise ValidationError(
                _("%(run)s would hold %(taken)s people for %(capacity)s places.")
                % {"run": run_label(run), "taken": taken, "capacity": run.capacity}
            )
        try:
            with transaction.atomic():
                WorkshopRun.objects.filter(pk=run_id).update(seats_taken=taken)
        except IntegrityError as exc:
            raise ValidationError(_("A workshop would be overbooked.")) from exc
    Allocation.objects.filter(
        edition=edition, status=Allocation.Status.PUBLISHED
    ).update(status=Allocation.Status.SUPERSEDED)
    allocation.status = Allocation.Status.PUBLISHED
    allocation.published_at = timezone.now()
    allocation.save(update_fields=["status", "published_at"])
    placed = {a.registration_id for a in assignments}
    for registration in {
        a.registration_id: a.registration for a in assignments
    }.values():
        _schedule_email(
            registration=registration,
            template="workshop_allocation_published",
            key=f"workshop-allocation-{allocation.pk}-{registration.pk}",
        )
        badge_schedule_render(registration=registration)
    for registration in Registration.objects.filter(
        edition=edition,
        status=Registration.Status.CONFIRMED,
        category=Registration.Category.DELEGATE,
    ).exclude(pk__in=placed):
        choice_window_open(registration=registration, actor=actor)
    audit_record(
        edition=edition,
        action=WorkshopAuditEntry.Action.ALLOCATION_PUBLISHED,
        detail=_("Allocation #%(pk)s (seed %(seed)s) published to %(count)s delegates")
        % {"pk": allocation.pk, "seed": allocation.seed, "count": len(placed)},
        actor=actor,
    )
    return allocation
