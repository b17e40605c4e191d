"""Every change to workshops, seats, preferences and allocations happens here.

Seats: each ``WorkshopRun`` carries a ``seats_taken`` counter. Services lock the
registration, then the runs they touch (``FOR NO KEY UPDATE``) in primary-key order,
check places left and only then write; the counter's check constraint refuses
overbooking even for code that forgets the lock. A delegate's save, which hundreds
run at once against the same popular runs, does all its other work first and locks,
counts and updates the runs in one statement just before the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from delegates.badges.services import badge_schedule_render
from delegates.models import Registration
from events.models import Edition
from socex.mail.services import (
    email_queue,
    email_queue_message,
    email_render,
)
from socex.tasks import enqueue_on_commit

from . import allocation as solver
from . import selectors
from .models import (
    Allocation,
    AllocationAssignment,
    ChoiceWindow,
    SignInSheet,
    TimeBlock,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
    WorkshopSettings,
)
from .selectors import (
    choice_state,
    deadline_for,
    published_allocation,
    registration_choices,
    settings_for,
)

logger = logging.getLogger(__name__)

LATE_WINDOW = dt.timedelta(hours=72)


def _lock_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update()
        .select_related("edition", "user")
        .get(pk=registration.pk)
    )


def _lock_registration_for_choosing(registration: Registration) -> Registration:
    """Lock the registration, with what ``choice_state`` needs.

    A registration the caller loaded with ``registrations_for_choosing`` in this
    request keeps its edition, settings, window and user; only its status, which a
    cancellation (under this same lock) changes, is read again with the lock.
    """
    if hasattr(registration, "workshop_allocation_published"):
        status, category = (
            Registration.objects.select_for_update()
            .filter(pk=registration.pk)
            .values_list("status", "category")
            .get()
        )
        registration.status, registration.category = status, category
        return registration
    return (
        selectors.registrations_for_choosing()
        .select_for_update(of=("self",))
        .get(pk=registration.pk)
    )


def _lock_runs(run_ids: Iterable[int]) -> dict[int, WorkshopRun]:
    """Lock runs in primary-key order (so two savers never deadlock).

    ``FOR NO KEY UPDATE``: enough to serialise the seat counters, and it does not
    wait for (or block) the key-share locks that inserting a choice takes on its run.
    """
    ids = sorted(set(run_ids))
    runs = (
        WorkshopRun.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .select_related("workshop", "block__session", "room")
        .order_by("pk")
    )
    return {run.pk: run for run in runs}


def _seat_delta(run_ids: Iterable[int], delta: int) -> None:
    ids = list(run_ids)
    if not ids:
        return
    # No savepoint: callers are atomic and a refusal rolls the whole change back.
    try:
        WorkshopRun.objects.filter(pk__in=ids).update(
            seats_taken=F("seats_taken") + delta
        )
    except IntegrityError as exc:
        raise ValidationError(
            _("A workshop filled up meanwhile: nothing has changed.")
        ) from exc


def _audit(
    *,
    edition: Edition,
    action: str,
    detail: str,
    actor=None,
    registration: Registration | None = None,
    run: WorkshopRun | None = None,
) -> WorkshopAuditEntry:
    return WorkshopAuditEntry.objects.create(
        edition=edition,
        action=action,
        detail=detail,
        actor=actor,
        registration=registration,
        run=run,
    )


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


def _render_choices_email(
    *, registration: Registration, runs: list[WorkshopRun]
) -> dict:
    """The confirmation email for ``runs``, rendered, ready for the outbox."""
    template = "workshop_choices_saved"
    preview = [
        WorkshopChoice(registration=registration, run=run, block=run.block)
        for run in sorted(runs, key=lambda r: r.block.session.starts_at)
    ]
    subject, body_text, body_html = email_render(
        template=template,
        context={
            "registration": registration,
            "edition": registration.edition,
            "choices": preview,
            "profile": getattr(registration.user, "profile", None),
        },
    )
    return {
        "to": registration.user.email,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "template": template,
    }


def _run_label(run: WorkshopRun) -> str:
    start = timezone.localtime(run.block.session.starts_at)
    return f"“{run.workshop.title}” ({start:%H:%M})"


def _validate_run_set(
    *,
    registration: Registration,
    run_ids: Sequence[int],
    n: int,
    known: dict[int, WorkshopRun],
) -> list[WorkshopRun]:
    """The runs for ``run_ids``, or a ValidationError saying what to fix.

    ``known`` holds runs the caller already loaded; only the others are read.
    """
    try:
        ids = [int(pk) for pk in run_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Choose workshops from the list.")) from exc
    if len(set(ids)) != len(ids):
        raise ValidationError(_("You chose the same workshop twice."))
    if len(ids) != n:
        raise ValidationError(
            _("Choose exactly %(n)s workshops; you chose %(count)s.")
            % {"n": n, "count": len(ids)}
        )
    runs = {pk: known[pk] for pk in ids if pk in known}
    missing = [pk for pk in ids if pk not in runs]
    if missing:
        runs.update(
            (run.pk, run)
            for run in WorkshopRun.objects.filter(pk__in=missing).select_related(
                "workshop", "block__session", "room"
            )
        )
    for pk in ids:
        run = runs.get(pk)
        if run is None or run.workshop.edition_id != registration.edition_id:
            raise ValidationError(
                _("One of the workshops you chose is not part of this conference.")
            )
        if not run.workshop.published:
            raise ValidationError(
                _("“%(title)s” is not open for choosing.")
                % {"title": run.workshop.title}
            )
    ordered = [runs[pk] for pk in ids]
    blocks = Counter(run.block_id for run in ordered)
    for run in ordered:
        if blocks[run.block_id] > 1:
            raise ValidationError(
                _(
                    "You chose two workshops in the same time block (%(block)s): "
                    "choose one per block."
                )
                % {"block": run.block.name}
            )
    workshops = Counter(run.workshop_id for run in ordered)
    for run in ordered:
        if workshops[run.workshop_id] > 1:
            raise ValidationError(
                _("You chose “%(title)s” twice: choose a different workshop.")
                % {"title": run.workshop.title}
            )
    return ordered


_SEATS_MOVE_SQL = """
WITH locked AS (
    SELECT id, capacity, seats_taken FROM workshops_workshoprun
    WHERE id = ANY(%(changed)s::bigint[]) ORDER BY id FOR NO KEY UPDATE
), refused AS (
    SELECT id FROM locked
    WHERE id = ANY(%(added)s::bigint[]) AND seats_taken >= capacity
), moved AS (
    UPDATE workshops_workshoprun AS run
    SET seats_taken = run.seats_taken
        + CASE WHEN run.id = ANY(%(added)s::bigint[]) THEN 1 ELSE -1 END
    FROM locked
    WHERE run.id = locked.id AND NOT EXISTS (SELECT 1 FROM refused)
)
SELECT id FROM refused ORDER BY id
"""


def _seats_move(*, added: Sequence[int], removed: Sequence[int]) -> list[int]:
    """Take a seat in each ``added`` run and free one in each ``removed`` run, under
    the runs' locks taken in primary-key order; returns the ``added`` runs that were
    full, in which case nothing changes.

    On PostgreSQL it is one statement (lock, count, write), so the locks are held for
    that statement and the commit only. The check constraint still refuses
    overbooking: that becomes the same friendly error.
    """
    changed = sorted({*added, *removed})
    if not changed:
        return []
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _SEATS_MOVE_SQL, {"changed": changed, "added": sorted(added)}
                )
                return [row[0] for row in cursor.fetchall()]
        locked = _lock_runs(changed)
        full = [pk for pk in sorted(added) if locked[pk].is_full]
        if not full:
            WorkshopRun.objects.filter(pk__in=changed).update(
                seats_taken=F("seats_taken")
                + Case(When(pk__in=list(added), then=1), default=-1)
            )
        return full
    except IntegrityError as exc:
        raise ValidationError(
            _("A workshop filled up meanwhile: nothing has changed.")
        ) from exc


def _refuse_full(runs: Sequence[WorkshopRun]) -> None:
    raise ValidationError(
        _(
            "Sorry, %(runs)s filled up meanwhile. Your choices have not "
            "changed: please choose again."
        )
        % {"runs": ", ".join(_run_label(run) for run in runs)}
    )


@transaction.atomic
def workshop_choices_set(
    *,
    registration: Registration,
    run_ids: Sequence[int],
    now: dt.datetime | None = None,
    runs: Iterable[WorkshopRun] = (),
) -> list[WorkshopChoice]:
    """Replace a delegate's whole set of workshops with ``run_ids``, atomically.

    Validates eligibility, deadline (or late window), N, blocks and workshops; if a
    newly chosen run is full nothing changes and the error names it. Queues a
    confirmation email and a badge refresh after commit. ``runs`` may hold runs the
    caller has loaded (with workshop, block and session, room), so they are not read
    again.

    Everything but the seat counters is read, checked, rendered and written under the
    registration's lock first; the runs are locked last, counted and updated in one
    statement just before the commit, so contended runs stay locked briefly.
    """
    registration = _lock_registration_for_choosing(registration)
    state = choice_state(registration, now=now)
    if not state.can_choose:
        if state.can_rank:
            raise ValidationError(
                _("This conference allocates workshops from ranked preferences.")
            )
        raise ValidationError(state.reason)
    n = state.settings.workshops_per_delegate
    chosen = _validate_run_set(
        registration=registration,
        run_ids=run_ids,
        n=n,
        known={run.pk: run for run in runs},
    )
    by_pk = {run.pk: run for run in chosen}
    current = {
        c.run_id: c for c in WorkshopChoice.objects.filter(registration=registration)
    }
    added = sorted(set(by_pk) - set(current))
    removed = sorted(set(current) - set(by_pk))
    if not added and not removed:
        return registration_choices(registration)
    # A run that already looked full when the page was read: check again, without
    # locking, and refuse before writing anything.
    looked_full = [pk for pk in added if by_pk[pk].is_full]
    if looked_full:
        still_full = set(
            WorkshopRun.objects.filter(
                pk__in=looked_full, seats_taken__gte=F("capacity")
            ).values_list("pk", flat=True)
        )
        if still_full:
            _refuse_full([by_pk[pk] for pk in added if pk in still_full])

    # Rows first: a refusal below rolls them back with the rest.
    WorkshopChoice.objects.filter(
        registration=registration, run_id__in=removed
    ).delete()
    # Inserted in run order: each insert takes a key-share lock on its run.
    new = WorkshopChoice.objects.bulk_create(
        [
            WorkshopChoice(
                registration=registration,
                run=by_pk[pk],
                block_id=by_pk[pk].block_id,
                workshop_id=by_pk[pk].workshop_id,
                source=WorkshopChoice.Source.DELEGATE,
            )
            for pk in added
        ]
    )
    email_queue_message(**_render_choices_email(registration=registration, runs=chosen))
    badge_schedule_render(registration=registration)

    # Last: lock the changed runs in primary-key order, count and take the seats.
    full = _seats_move(added=added, removed=removed)
    if full:
        _refuse_full([by_pk[pk] for pk in full])
    kept = [current[pk] for pk in by_pk if pk in current]
    for choice in kept:
        choice.run = by_pk[choice.run_id]
    return sorted([*kept, *new], key=lambda c: c.run.block.session.starts_at)


@transaction.atomic
def workshop_choices_release(
    *, registration: Registration, actor=None, reason: str = ""
) -> int:
    """Free every seat a registration holds (e.g. cancelled); returns the count."""
    registration = _lock_registration(registration)
    choices = list(WorkshopChoice.objects.filter(registration=registration))
    if not choices:
        ChoiceWindow.objects.filter(registration=registration).delete()
        return 0
    run_ids = sorted(c.run_id for c in choices)
    _lock_runs(run_ids)
    WorkshopChoice.objects.filter(registration=registration).delete()
    _seat_delta(run_ids, -1)
    ChoiceWindow.objects.filter(registration=registration).delete()
    _audit(
        edition=registration.edition,
        action=WorkshopAuditEntry.Action.SEATS_RELEASED,
        detail=_("%(count)s seats freed: %(reason)s")
        % {"count": len(run_ids), "reason": reason or _("registration changed")},
        actor=actor,
        registration=registration,
    )
    badge_schedule_render(registration=registration)
    return len(run_ids)


@transaction.atomic
def workshop_preferences_set(
    *,
    registration: Registration,
    workshop_ids: Sequence[int],
    now: dt.datetime | None = None,
) -> list[WorkshopPreference]:
    """Replace a delegate's ranking (``workshop_ids`` best first); emails a receipt."""
    registration = _lock_registration(registration)
    state = choice_state(registration, now=now)
    if not state.can_rank:
        if state.can_choose:
            raise ValidationError(
                _("This conference uses live choice: choose your workshops instead.")
            )
        raise ValidationError(state.reason)
    try:
        ids = [int(pk) for pk in workshop_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Rank workshops from the list.")) from exc
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Give each workshop at most one rank."))
    offered = {
        w.pk: w
        for w in Workshop.objects.filter(edition=registration.edition, published=True)
    }
    if any(pk not in offered for pk in ids):
        raise ValidationError(
            _("One of the workshops you ranked is not part of this conference.")
        )
    needed = min(state.settings.workshops_per_delegate + 2, len(offered))
    if len(ids) < needed:
        raise ValidationError(
            _("Rank at least %(needed)s workshops; you ranked %(count)s.")
            % {"needed": needed, "count": len(ids)}
        )
    WorkshopPreference.objects.filter(registration=registration).delete()
    preferences = WorkshopPreference.objects.bulk_create(
        [
            WorkshopPreference(registration=registration, workshop_id=pk, rank=i)
            for i, pk in enumerate(ids, start=1)
        ]
    )
    email_queue(
        to=registration.user.email,
        template="workshop_preferences_saved",
        context={
            "registration": registration,
            "edition": registration.edition,
            "ranking": [offered[pk] for pk in ids],
            "deadline": state.deadline,
        },
    )
    return preferences


@transaction.atomic
def workshop_settings_set(
    *, edition: Edition, mode: str, workshops_per_delegate: int = 4
) -> WorkshopSettings:
    obj = settings_for(edition)
    obj.mode = mode
    obj.workshops_per_delegate = workshops_per_delegate
    obj.full_clean(validate_unique=False)
    obj.save()
    return obj


@transaction.atomic
def choice_window_open(
    *, registration: Registration, now: dt.datetime | None = None, actor=None
) -> ChoiceWindow:
    """Give a late-confirmed delegate 72 hours to choose from the places left, and
    tell them by email."""
    now = now or timezone.now()
    window, _created = ChoiceWindow.objects.update_or_create(
        registration=registration,
        defaults={"opened_at": now, "closes_at": now + LATE_WINDOW},
    )
    _audit(
        edition=registration.edition,
        action=WorkshopAuditEntry.Action.WINDOW_OPENED,
        detail=_("Late choice window until %(until)s")
        % {"until": f"{timezone.localtime(window.closes_at):%d %B %Y %H:%M}"},
        actor=actor,
        registration=registration,
    )
    email_queue(
        to=registration.user.email,
        template="workshop_choice_window",
        context={
            "registration": registration,
            "edition": registration.edition,
            "window": window,
        },
        key=f"workshop-window-{registration.pk}-{int(now.timestamp())}",
    )
    return window


def registration_is_late(registration: Registration, *, now=None) -> bool:
    """Confirmed after the selection deadline or after an allocation was published."""
    now = now or timezone.now()
    edition = registration.edition
    return now >= deadline_for(edition) or published_allocation(edition) is not None


# --- organisers ---------------------------------------------------------------


@transaction.atomic
def workshop_run_capacity_set(
    *, run: WorkshopRun, capacity: int, actor=None
) -> WorkshopRun:
    """Change a run's capacity, never below the seats already taken; audited."""
    run = _lock_runs([run.pk])[run.pk]
    if capacity < run.seats_taken:
        raise ValidationError(
            _(
                "%(taken)s people already hold a seat in %(run)s: the capacity "
                "cannot go below that. Move people out first."
            )
            % {"taken": run.seats_taken, "run": _run_label(run)}
        )
    old = run.capacity
    if old == capacity:
        return run
    run.capacity = capacity
    run.save(update_fields=["capacity"])
    _audit(
        edition=run.workshop.edition,
        action=WorkshopAuditEntry.Action.CAPACITY,
        detail=_("Capacity of %(run)s changed from %(old)s to %(new)s")
        % {"run": _run_label(run), "old": old, "new": capacity},
        actor=actor,
        run=run,
    )
    return run


@transaction.atomic
def workshop_choice_move(
    *, choice: WorkshopChoice, to_run: WorkshopRun, actor=None, reason: str = ""
) -> WorkshopChoice:
    """Move a delegate from one run to another within capacity; audited."""
    registration = _lock_registration(choice.registration)
    choice = (
        WorkshopChoice.objects.select_related("run__workshop")
        .filter(pk=choice.pk, registration=registration)
        .first()
    )
    if choice is None:
        raise ValidationError(_("That choice no longer exists."))
    if to_run.pk == choice.run_id:
        raise ValidationError(_("The delegate is already in that workshop."))
    locked = _lock_runs([choice.run_id, to_run.pk])
    source, target = locked[choice.run_id], locked.get(to_run.pk)
    if target is None or target.workshop.edition_id != registration.edition_id:
        raise ValidationError(_("Choose a workshop of the same conference."))
    others = WorkshopChoice.objects.filter(registration=registration).exclude(
        pk=choice.pk
    )
    if others.filter(block_id=target.block_id).exists():
        raise ValidationError(
            _("The delegate already has a workshop in %(block)s.")
            % {"block": target.block.name}
        )
    if others.filter(workshop_id=target.workshop_id).exists():
        raise ValidationError(
            _("The delegate already attends “%(title)s” in another block.")
            % {"title": target.workshop.title}
        )
    if target.is_full:
        raise ValidationError(
            _("%(run)s is full: raise its capacity first.")
            % {"run": _run_label(target)}
        )
    _seat_delta([source.pk], -1)
    _seat_delta([target.pk], +1)
    choice.run = target
    choice.block_id = target.block_id
    choice.workshop_id = target.workshop_id
    choice.source = WorkshopChoice.Source.ORGANISER
    choice.save(update_fields=["run", "block", "workshop", "source"])
    _audit(
        edition=registration.edition,
        action=WorkshopAuditEntry.Action.MOVE,
        detail=_("%(who)s moved from %(src)s to %(dst)s. %(reason)s")
        % {
            "who": registration.reference,
            "src": _run_label(source),
            "dst": _run_label(target),
            "reason": reason,
        },
        actor=actor,
        registration=registration,
        run=target,
    )
    badge_schedule_render(registration=registration)
    return choice


# --- allocation from ranked preferences ----------------------------------------


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
    runs = _lock_runs(
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
                % {"run": _run_label(run), "taken": taken, "capacity": run.capacity}
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
    _audit(
        edition=edition,
        action=WorkshopAuditEntry.Action.ALLOCATION_PUBLISHED,
        detail=_("Allocation #%(pk)s (seed %(seed)s) published to %(count)s delegates")
        % {"pk": allocation.pk, "seed": allocation.seed, "count": len(placed)},
        actor=actor,
    )
    return allocation


# --- sign-in sheets ------------------------------------------------------------


@transaction.atomic
def sign_in_sheet_request(*, run: WorkshopRun) -> SignInSheet:
    """Queue the PDF sign-in sheet of a run; the task renders it after commit."""
    sheet, _created = SignInSheet.objects.update_or_create(
        run=run,
        defaults={
            "status": SignInSheet.Status.QUEUED,
            "requested_at": timezone.now(),
            "error": "",
        },
    )
    from .tasks import sign_in_sheet_render_task

    enqueue_on_commit(sign_in_sheet_render_task, run_id=run.pk)
    return sheet


def sign_in_sheet_render(*, run_id: int) -> SignInSheet | None:
    """Render and store the sheet from the persisted attendance list."""
    from socex.pdf import render_pdf

    from .selectors import attendance

    run = (
        WorkshopRun.objects.select_related(
            "workshop__edition", "block__session", "room"
        )
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        logger.info("Sign-in sheet for run %s: run is gone", run_id)
        return None
    sheet, _created = SignInSheet.objects.get_or_create(run=run)
    try:
        pdf = render_pdf(
            template="workshops/sign_in_sheet.html",
            context={"run": run, "attendees": attendance(run), "now": timezone.now()},
        )
    except Exception as exc:
        logger.exception("Sign-in sheet for run %s failed", run_id)
        SignInSheet.objects.filter(pk=sheet.pk).update(
            status=SignInSheet.Status.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    with transaction.atomic():
        sheet = SignInSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.file:
            sheet.file.delete(save=False)
        sheet.file.save(f"sign-in-run-{run.pk}.pdf", ContentFile(pdf), save=False)
        sheet.status = SignInSheet.Status.READY
        sheet.generated_at = timezone.now()
        sheet.error = ""
        sheet.save()
    return sheet


# --- edition duplication ---------------------------------------------------------


@transaction.atomic
def workshops_copy(*, source: Edition, copy: Edition, session_map: dict) -> int:
    """Copy an edition's settings, blocks, workshops and runs (no choices) to
    ``copy``; ``session_map`` maps original session ids to copied sessions."""
    src_settings = WorkshopSettings.objects.filter(edition=source).first()
    if src_settings:
        WorkshopSettings.objects.update_or_create(
            edition=copy,
            defaults={
                "mode": src_settings.mode,
                "workshops_per_delegate": src_settings.workshops_per_delegate,
            },
        )
    block_map = {}
    for block in TimeBlock.objects.filter(edition=source):
        new_session = session_map.get(block.session_id)
        if new_session is None:
            continue
        block_map[block.pk], _created = TimeBlock.objects.get_or_create(
            session=new_session, defaults={"edition": copy, "label": block.label}
        )
    copied = 0
    for workshop in Workshop.objects.filter(edition=source).prefetch_related(
        "facilitators", "runs"
    ):
        new, created = Workshop.objects.get_or_create(
            edition=copy,
            title=workshop.title,
            defaults={
                "summary": workshop.summary,
                "order": workshop.order,
                "published": False,
            },
        )
        if not created:
            continue
        copied += 1
        new.facilitators.set(workshop.facilitators.all())
        for run in workshop.runs.all():
            if run.block_id in block_map:
                WorkshopRun.objects.create(
                    workshop=new,
                    block=block_map[run.block_id],
                    room=run.room,
                    capacity=run.capacity,
                )
    return copied


def choices_count(edition: Edition) -> int:
    return WorkshopChoice.objects.filter(run__workshop__edition=edition).aggregate(
        n=Count("pk")
    )["n"]
