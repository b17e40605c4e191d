"""A delegate's own workshops: live choices, ranked preferences and the late-choice
window. Seats are taken and freed through ``seats``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from delegates.badges.services import badge_schedule_render
from delegates.models import Registration
from socex.mail.services import email_queue, email_queue_message, email_render

from ..models import (
    ChoiceWindow,
    Workshop,
    WorkshopAuditEntry,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
)
from ..selectors import ChoiceState, choice_state, registration_choices
from .common import audit_record, run_label
from .seats import (
    lock_registration,
    lock_registration_for_choosing,
    lock_runs,
    seat_delta,
    seats_move,
)

LATE_WINDOW = dt.timedelta(hours=72)


def _state_allowing(
    registration: Registration, *, now: dt.datetime | None, rank: bool
) -> ChoiceState:
    """The registration's choice state if it may choose (``rank=False``) or rank
    (``rank=True``) its workshops now; otherwise a ValidationError saying why: the
    conference works the other way, or ``choice_state``'s reason."""
    state = choice_state(registration, now=now)
    if rank:
        allowed, other_way = state.can_rank, state.can_choose
    else:
        allowed, other_way = state.can_choose, state.can_rank
    if allowed:
        return state
    if other_way:
        raise ValidationError(
            _("This conference uses live choice: choose your workshops instead.")
            if rank
            else _("This conference allocates workshops from ranked preferences.")
        )
    raise ValidationError(state.reason)


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


def _refuse_full(runs: Sequence[WorkshopRun]) -> None:
    raise ValidationError(
        _(
            "Sorry, %(runs)s filled up meanwhile. Your choices have not "
            "changed: please choose again."
        )
        % {"runs": ", ".join(run_label(run) for run in runs)}
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
    registration = lock_registration_for_choosing(registration)
    state = _state_allowing(registration, now=now, rank=False)
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
    full = seats_move(added=added, removed=removed)
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
    registration = lock_registration(registration)
    choices = list(WorkshopChoice.objects.filter(registration=registration))
    if not choices:
        ChoiceWindow.objects.filter(registration=registration).delete()
        return 0
    run_ids = sorted(c.run_id for c in choices)
    lock_runs(run_ids)
    WorkshopChoice.objects.filter(registration=registration).delete()
    seat_delta(run_ids, -1)
    ChoiceWindow.objects.filter(registration=registration).delete()
    audit_record(
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
def workshop_choices_pass(
    *, registration: Registration, to: Registration, actor=None
) -> int:
    """Move every seat (and ranked preference) ``registration`` holds to ``to``, the
    colleague taking its place: the same seats, so no counter changes; the runs are
    locked in primary-key order while the rows move. Audited; the colleague's
    badge is rendered again. Returns the number of seats passed."""
    registration = lock_registration(registration)
    choices = list(WorkshopChoice.objects.filter(registration=registration))
    ChoiceWindow.objects.filter(registration=registration).delete()
    if choices:
        lock_runs(c.run_id for c in choices)
        WorkshopChoice.objects.filter(registration=to).delete()
        WorkshopChoice.objects.filter(registration=registration).update(
            registration=to, source=WorkshopChoice.Source.ORGANISER
        )
    if WorkshopPreference.objects.filter(registration=registration).exists():
        WorkshopPreference.objects.filter(registration=to).delete()
        WorkshopPreference.objects.filter(registration=registration).update(
            registration=to
        )
    audit_record(
        edition=registration.edition,
        action=WorkshopAuditEntry.Action.SEATS_PASSED,
        detail=_("%(count)s seats passed from %(old)s to %(new)s")
        % {"count": len(choices), "old": registration.reference, "new": to.reference},
        actor=actor,
        registration=to,
    )
    badge_schedule_render(registration=to)
    return len(choices)


@transaction.atomic
def workshop_preferences_set(
    *,
    registration: Registration,
    workshop_ids: Sequence[int],
    now: dt.datetime | None = None,
) -> list[WorkshopPreference]:
    """Replace a delegate's ranking (``workshop_ids`` best first); emails a receipt."""
    registration = lock_registration(registration)
    state = _state_allowing(registration, now=now, rank=True)
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
    audit_record(
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
