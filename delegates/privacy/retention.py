"""Retention: what is deleted or anonymised, and when, from the ``PRIVACY_*`` settings.

A run is a list of ``RetentionStep``s: the delegates' own (badge files, superseded
badge files, print runs, people with no recent registration) and those higher apps
return from ``signals.retention_collect`` (workshops: sign-in sheets). A dry run lists
each step's items; a real run applies them. The outbox body purge is the outbox's own.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from delegates.models import Badge, BadgePrintJob, Registration, User
from socex.storage import private_storage

from . import signals
from .files import private_files_delete_on_commit, private_files_in_queued_emails
from .services import ERASED_DOMAIN, person_anonymise

logger = logging.getLogger(__name__)

# A file written this recently may belong to a render whose row has not committed.
FILE_GRACE = dt.timedelta(hours=1)


@dataclass
class RetentionStep:
    """One kind of data due for removal: ``items`` say what, ``apply`` removes them
    (and returns how many it removed)."""

    kind: str
    description: str
    items: list[str]
    apply: Callable[[], int] = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.items)


def retention_periods() -> dict:
    """The periods the settings hold (the privacy notice shows these numbers)."""
    return {
        "badge_files_days": settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT,
        "sign_in_sheets_days": settings.PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT,
        "registration_years": settings.PRIVACY_REGISTRATION_YEARS,
        # The outbox purges its own bodies (socex.mail); the notice states it too.
        "email_body_days": settings.OUTBOX_BODY_RETENTION_DAYS,
    }


def ended_before(*, today: dt.date, days: int) -> dt.date:
    """Editions that ended before this date are past a ``days``-long period."""
    return today - dt.timedelta(days=days)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# The delegates' steps -------------------------------------------------------------


def _clear_files(model, pks: list[int]) -> int:
    """Clear the ``file`` of the given rows (status kept) and delete the files after
    commit."""
    with transaction.atomic():
        rows = model.objects.select_for_update().filter(pk__in=pks).exclude(file="")
        names = list(rows.values_list("file", flat=True))
        model.objects.filter(pk__in=pks).update(file="")
        private_files_delete_on_commit(names)
    return len(names)


def badge_files_step(*, today: dt.date) -> RetentionStep:
    cutoff = ended_before(
        today=today, days=settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT
    )
    rows = list(
        Badge.objects.filter(registration__edition__end_date__lt=cutoff)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "registration__reference", "file")
    )
    return RetentionStep(
        kind="badge_files",
        description=f"Badge PDFs of editions ended before {cutoff.isoformat()}",
        items=[f"{reference}: {name}" for _pk, reference, name in rows],
        apply=lambda: _clear_files(Badge, [pk for pk, _r, _n in rows]),
    )


def badge_print_runs_step(*, today: dt.date) -> RetentionStep:
    cutoff = ended_before(
        today=today, days=settings.PRIVACY_BADGE_FILES_DAYS_AFTER_EVENT
    )
    rows = list(
        BadgePrintJob.objects.filter(edition__end_date__lt=cutoff)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "edition__slug", "file")
    )
    return RetentionStep(
        kind="badge_print_runs",
        description=(f"Badge print runs of editions ended before {cutoff.isoformat()}"),
        items=[f"{slug}: {name}" for _pk, slug, name in rows],
        apply=lambda: _clear_files(BadgePrintJob, [pk for pk, _s, _n in rows]),
    )


def _stored_files(folder: str) -> list[str]:
    """Every file below ``folder`` in private storage (empty when it is missing)."""
    storage = private_storage()
    if not storage.exists(folder):
        return []
    dirs, files = storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for name in dirs:
        names += _stored_files(f"{folder}/{name}")
    return names


def superseded_badge_files_step(*, now: dt.datetime) -> RetentionStep:
    """Badge files no badge points to any more (made again, or cleared), and print
    chunks of jobs that will not finish, once no unsent email attaches them."""
    storage = private_storage()
    current = set(Badge.objects.exclude(file="").values_list("file", flat=True))
    current |= set(
        BadgePrintJob.objects.exclude(file="").values_list("file", flat=True)
    )
    working = set(
        BadgePrintJob.objects.filter(
            status__in=[BadgePrintJob.Status.PENDING, BadgePrintJob.Status.RENDERING]
        ).values_list("pk", flat=True)
    )
    in_use = private_files_in_queued_emails()
    due = []
    for name in _stored_files("badges"):
        if name in current or name in in_use:
            continue
        if name.startswith("badges/print/parts/"):
            job = name.rsplit("/", 1)[-1].split("-")[1:2]
            if job and job[0].isdigit() and int(job[0]) in working:
                continue
        elif name.startswith("badges/print/"):
            continue  # a print run's file goes with its edition (badge_print_runs)
        if storage.get_modified_time(name) > now - FILE_GRACE:
            continue
        due.append(name)

    def apply() -> int:
        with transaction.atomic():
            return private_files_delete_on_commit(due)

    return RetentionStep(
        kind="superseded_badge_files",
        description="Badge files replaced by a newer rendering or no longer used",
        items=due,
        apply=apply,
    )


def people_due(*, today: dt.date):
    """People whose last registration's edition ended more than
    ``PRIVACY_REGISTRATION_YEARS`` ago (or who never registered), who joined and
    last signed in before that too. Staff accounts are left to the organisers."""
    cutoff = years_before(today, settings.PRIVACY_REGISTRATION_YEARS)
    cutoff_at = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    recent = Registration.objects.filter(
        user=OuterRef("pk"), edition__end_date__gte=cutoff
    )
    return (
        User.objects.filter(
            is_staff=False, is_superuser=False, date_joined__lt=cutoff_at
        )
        .exclude(email__endswith=f"@{ERASED_DOMAIN}")
        .exclude(Q(last_login__gte=cutoff_at))
        .exclude(Exists(recent))
        .order_by("pk")
    ), cutoff


def people_step(*, today: dt.date) -> RetentionStep:
    queryset, cutoff = people_due(today=today)
    pks = list(queryset.values_list("pk", flat=True))

    def apply() -> int:
        done = 0
        for user in User.objects.filter(pk__in=pks).order_by("pk"):
            # One transaction each: one person's failure keeps the others' progress.
            person_anonymise(user=user)
            done += 1
        return done

    return RetentionStep(
        kind="people",
        description=(
            "People with no registration for an edition ended since "
            f"{cutoff.isoformat()}, anonymised"
        ),
        # Ids only: the run's output and logs name nobody.
        items=[f"user {pk}" for pk in pks],
        apply=apply,
    )


# The run --------------------------------------------------------------------------


def retention_plan(*, today: dt.date | None = None) -> list[RetentionStep]:
    """Every step due today, the files first and the people last."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    steps = [
        badge_files_step(today=today),
        badge_print_runs_step(today=today),
    ]
    for _receiver, response in signals.retention_collect.send(
        sender=RetentionStep, today=today
    ):
        steps.extend(response or [])
    steps.append(superseded_badge_files_step(now=now))
    steps.append(people_step(today=today))
    return steps


def retention_apply(
    *, dry_run: bool = False, today: dt.date | None = None
) -> list[tuple[RetentionStep, int]]:
    """Apply (or with ``dry_run`` only list) today's retention steps.

    Side effects without ``dry_run``: each step's files are deleted after its
    transaction commits and its rows cleared or anonymised (see each step). Returns
    each step with how many items it removed (0 for a dry run).
    """
    results = []
    for step in retention_plan(today=today):
        removed = 0 if dry_run else step.apply()
        if not dry_run:
            logger.info("Retention %s: %s removed", step.kind, removed)
        results.append((step, removed))
    return results
