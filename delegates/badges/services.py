"""Badge services: the only place badges, print jobs and check-ins change.

Contract used by other apps:

``badge_schedule_render(*, registration, notify=False)``: after the current transaction
commits, make sure the registration's badge is (re)rendered if anything printed on it
changed. The workshops app calls it after a delegate's workshops change. The badge is
emailed only with ``notify`` (an organiser's change to a badge already made): a
delegate's own action sends one email, which points to the badge on My SOCEX.
"""

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.models import Edition
from socex.artifacts import artifact_render, artifact_render_start
from socex.mail.services import (
    attachment_from_storage,
    email_queue,
)
from socex.storage import private_storage
from socex.tasks import enqueue_on_commit

from ..models import Registration
from ..privacy.files import badge_file_superseded_discard
from . import rendering, selectors, tasks
from .models import Badge, BadgePrintJob, BadgeSettings, CheckIn
from .tokens import BadToken, key_from_token, new_key, token_for

logger = logging.getLogger(__name__)

# reportlab and the fonts are loaded on the first render (``rendering._drawing``),
# so that web processes and app start-up do not pay for them.


def _chunk_size() -> int:
    """Badges per chunk of a bulk print: a multiple of four, so no sheet straddles."""
    size = settings.BADGE_PRINT_CHUNK_SIZE
    return max(4, size - size % 4)


# Badges ------------------------------------------------------------------------------


def badge_new(registration: Registration, *, with_qr: bool = True) -> Badge:
    """An unsaved badge with a fresh key and (``with_qr``) its QR code (for
    bulk_create too); without it, the first render makes the QR code."""
    key = new_key()
    qr = rendering.qr_data_uri(token_for(key)) if with_qr else ""
    return Badge(registration=registration, key=key, qr=qr)


def _new_badge(registration: Registration) -> Badge:
    # No QR code here: this runs in transactions that hold locks (a registration's
    # edition lock); the render task makes it after commit.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                badge = badge_new(registration, with_qr=False)
                badge.save()
                return badge
        except IntegrityError:
            existing = Badge.objects.filter(registration=registration).first()
            if existing:
                return existing
    raise RuntimeError("Could not create a unique badge key")  # pragma: no cover


# No savepoint of their own: they join the caller's transaction (a workshop save or a
# registration change holds locks meanwhile, so every statement saved counts).
@transaction.atomic(savepoint=False)
def badge_ensure(*, registration: Registration) -> Badge:
    """The registration's badge row (and so its check-in token), made if missing."""
    badge = Badge.objects.filter(registration=registration).first()
    return badge or _new_badge(registration)


@transaction.atomic(savepoint=False)
def badge_schedule_render(*, registration: Registration, notify: bool = False) -> None:
    """Render the badge after commit if the registration is confirmed; with
    ``notify``, email it if what is printed on an existing badge changed.

    Safe to call often: the task compares a hash of what is printed and does nothing
    when it has not changed.
    """
    if registration.status != Registration.Status.CONFIRMED:
        return
    # One statement and no savepoint, as this runs under a registration's edition
    # lock: the row is inserted unless the registration has one. Should the random
    # key ever clash, there is no row yet: the task skips and the sweep makes it.
    Badge.objects.bulk_create(
        [badge_new(registration, with_qr=False)], ignore_conflicts=True
    )
    badge_render_after_commit(registration_id=registration.pk, notify=notify)


def badge_render_after_commit(*, registration_id: int, notify: bool = False) -> None:
    """Render the badge of ``registration_id`` once the transaction commits (the
    badge sweep covers a publish that fails)."""
    if notify:
        enqueue_on_commit(
            tasks.badge_render_task, registration_id=registration_id, notify=True
        )
    else:
        enqueue_on_commit(tasks.badge_render_task, registration_id=registration_id)


@transaction.atomic
def badges_render_again(*, badges) -> int:
    """Forget the content hash of ``badges`` so each is rendered anew (after commit),
    e.g. once a template or font changed. Returns how many were queued."""
    badges = list(badges.select_related("registration"))
    Badge.objects.filter(pk__in=[badge.pk for badge in badges]).update(content_hash="")
    for badge in badges:
        badge_schedule_render(registration=badge.registration)
    return len(badges)


def badge_render(*, registration_id: int, notify: bool = False) -> str:
    """(Re)render one badge under its row lock. With ``notify``, a badge whose
    printed content changed since its last render is emailed to the delegate (an
    organiser's change); otherwise it only appears, updated, on My SOCEX.

    Returns ``rendered``, ``unchanged`` (same content hash, file present),
    ``skipped`` (gone or not confirmed) or ``failed`` (error kept on the badge).
    """
    with transaction.atomic():
        badge = (
            Badge.objects.select_for_update()
            .filter(registration_id=registration_id)
            .first()
        )
        registration = (
            selectors.badge_registrations(ids=[registration_id]).first()
            if badge
            else None
        )
        if registration is None or registration.status != Registration.Status.CONFIRMED:
            return "skipped"
        if not registration.user.is_active or registration.edition.is_past:
            # An erased person, or an edition whose badge files retention removed.
            return "skipped"
        content = rendering.badge_contents([registration])[0]
        digest = rendering.content_hash(content)
        badge.qr = badge.qr or content["qr"]  # made once, on the first render
        if (
            badge.status == Badge.Status.READY
            and badge.content_hash == digest
            and badge.file
            and private_storage().exists(badge.file.name)
        ):
            return "unchanged"
        printed_before = badge.content_hash if badge.file else ""
        name = f"{registration.edition.slug}/{registration.reference}-{digest[:12]}.pdf"
        superseded = badge.file.name
        pdf = artifact_render(
            badge,
            render=lambda: rendering.badges_pdf([content]),
            name=name,
            content_hash=digest,
            qr=badge.qr,  # stored with the file: the first render makes it
        )
        if pdf is None:
            return "failed"
        if notify and printed_before and printed_before != digest:
            _badge_email_queue(badge, registration, content, digest=digest)
        if superseded and superseded != badge.file.name:
            # After commit, unless an unsent email attaches it (retention takes it).
            badge_file_superseded_discard(name=superseded)
        return "rendered"


def _badge_email_queue(
    badge: Badge, registration: Registration, content: dict, *, digest: str
) -> None:
    """The "your badge has changed" email, with the new badge attached."""
    email_queue(
        to=registration.user.email,
        template="badges/badge_ready",
        context={
            "name": content["name"],
            "edition": registration.edition.title,
            "dates": content["dates"],
            "venue": content["venue"],
            "workshops": content["workshops"],
            "download_path": badge.get_absolute_url(),
        },
        attachments=[
            attachment_from_storage(
                f"SOCEX badge {registration.reference}.pdf",
                badge.file.name,
                "application/pdf",
                private=True,
            )
        ],
        key=f"badge:{badge.pk}:{digest[:40]}",
    )


def badge_sweep(*, limit: int = 200) -> int:
    """Re-queue confirmed registrations whose badge is missing, or was left pending
    or rendering for ``BADGE_STALE_AFTER`` seconds (a broker down at commit, a worker
    lost), or failed ``BADGE_FAILED_RETRY_AFTER`` seconds ago. Each re-queued badge
    waits that long again before the next sweep sends it. Returns how many."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.BADGE_STALE_AFTER)
    failed = now - timedelta(seconds=settings.BADGE_FAILED_RETRY_AFTER)
    with transaction.atomic():
        ids = list(
            Registration.objects.filter(
                status=Registration.Status.CONFIRMED,
                user__is_active=True,
                edition__end_date__gte=timezone.localdate(),
            )
            .filter(
                Q(badge__isnull=True)
                | Q(
                    badge__status__in=[Badge.Status.PENDING, Badge.Status.RENDERING],
                    badge__updated_at__lt=stale,
                )
                | Q(badge__status=Badge.Status.FAILED, badge__updated_at__lt=failed)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        for registration in Registration.objects.filter(pk__in=ids):
            badge_ensure(registration=registration)
            enqueue_on_commit(tasks.badge_render_task, registration_id=registration.pk)
        Badge.objects.filter(registration_id__in=ids).update(updated_at=now)
    return len(ids)


# Bulk printing -----------------------------------------------------------------------


def _edition_size(edition: Edition) -> str:
    row = BadgeSettings.objects.filter(edition=edition).first()
    return row.size if row else BadgeSettings.Size.A6


@transaction.atomic
def badge_print_job_create(
    *,
    edition: Edition,
    layout: str = BadgePrintJob.Layout.SINGLE,
    registrations: QuerySet | None = None,
    created_by=None,
) -> BadgePrintJob:
    """Queue one PDF of the edition's confirmed badges (or of the selected ones).

    Sorted by surname. Registrations that are not confirmed are left out; if none is
    left, a ValidationError says so. Rendering starts after commit.
    """
    if layout not in BadgePrintJob.Layout.values:
        raise ValidationError(_("Choose a layout: one per page or four per sheet."))
    if layout == BadgePrintJob.Layout.SHEET and (
        _edition_size(edition) != BadgeSettings.Size.A6
    ):
        raise ValidationError(
            _(
                "Four per A4 sheet works for A6 badges only; this edition prints "
                "4 × 3 inch badges. Choose one badge per page."
            )
        )
    queryset = selectors.badge_registrations(edition=edition).filter(
        status=Registration.Status.CONFIRMED
    )
    if registrations is not None:
        queryset = queryset.filter(pk__in=registrations.values("pk"))
    chosen = list(queryset.values_list("pk", flat=True))
    if not chosen:
        raise ValidationError(
            _(
                "There is no confirmed registration to print for %(edition)s: only "
                "confirmed delegates get a badge."
            )
            % {"edition": edition}
        )
    with_badge = set(
        Badge.objects.filter(registration_id__in=chosen).values_list(
            "registration_id", flat=True
        )
    )
    for registration in Registration.objects.filter(pk__in=chosen).exclude(
        pk__in=with_badge
    ):
        _new_badge(registration)
    job = BadgePrintJob(
        edition=edition,
        layout=layout,
        selection=chosen,
        total=len(chosen),
        chunks_total=math.ceil(len(chosen) / _chunk_size()),
        created_by=created_by,
    )
    job.full_clean()
    job.save()
    enqueue_on_commit(tasks.badge_print_job_start_task, job_id=job.pk)
    return job


def badge_print_job_start(*, job_id: int) -> str:
    """Mark a queued job running and send one task per chunk (a Celery group: each
    prefork worker process renders chunks in parallel)."""
    with transaction.atomic():
        job = BadgePrintJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != BadgePrintJob.Status.PENDING:
            return "skipped"
        artifact_render_start(job)
        for index in range(job.chunks_total):
            enqueue_on_commit(
                tasks.badge_print_chunk_render_task, job_id=job.pk, index=index
            )
    return "started"


def _part_name(job: BadgePrintJob, index: int) -> str:
    return f"badges/print/parts/job-{job.pk}-{index:04d}.pdf"


def badge_print_chunk_render(*, job_id: int, index: int) -> str:
    """Render one chunk of a running job to storage and count it done; the chunk
    that completes the set queues the join. A failure fails the job (with the
    error), and the other chunks then stop; ``badge_print_job_resume`` goes on."""
    job = BadgePrintJob.objects.filter(pk=job_id).first()
    if job is None or job.status != BadgePrintJob.Status.RENDERING:
        return "skipped"
    if index in job.chunks_done:
        return "duplicate"
    size = _chunk_size()
    ids = job.selection[index * size : (index + 1) * size]
    contents = rendering.print_chunk_contents(ids)
    pdf = artifact_render(
        job,
        render=lambda: rendering.badges_pdf(contents, layout=job.layout),
        start=False,
    )
    if pdf is None:
        return "failed"
    name = _part_name(job, index)
    if private_storage().exists(name):
        private_storage().delete(name)
    private_storage().save(name, ContentFile(pdf))

    with transaction.atomic():
        job = BadgePrintJob.objects.select_for_update().get(pk=job_id)
        if job.status != BadgePrintJob.Status.RENDERING or index in job.chunks_done:
            return "skipped"
        job.chunks_done = sorted([*job.chunks_done, index])
        job.done = min(job.done + len(ids), job.total)
        # updated_at is the job's heartbeat: the sweep resumes a job without one.
        job.save(update_fields=["chunks_done", "done", "updated_at"])
        if len(job.chunks_done) == job.chunks_total:
            enqueue_on_commit(tasks.badge_print_job_finish_task, job_id=job.pk)
    return "rendered"


def _read_parts(names: list[str]) -> list[bytes]:
    parts = []
    for name in names:
        with private_storage().open(name, "rb") as fh:
            parts.append(fh.read())
    return parts


def badge_print_job_finish(*, job_id: int) -> str:
    """Join the rendered chunks in order into the job's file and mark it done."""

    with transaction.atomic():
        job = BadgePrintJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != BadgePrintJob.Status.RENDERING:
            return "skipped"
        names = [_part_name(job, index) for index in range(job.chunks_total)]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")

        def join() -> bytes:
            parts = _read_parts(names)
            return parts[0] if len(parts) == 1 else rendering.pdfs_join(parts)

        pdf = artifact_render(
            job,
            render=join,
            name=f"{job.edition.slug}-badges-{stamp}-{job.pk}.pdf",
            start=False,
            done=job.total,
        )
        if pdf is None:
            return "failed"

        def _clean() -> None:
            for name in names:
                private_storage().delete(name)

        transaction.on_commit(_clean)
    return "done"


@transaction.atomic
def badge_print_job_resume(*, job: BadgePrintJob) -> int:
    """Send again the work of a job that stopped (a broker outage, a worker lost
    mid-chunk, a failure since fixed): the start of a queued job, else the chunks
    not done, whose part files are still there, and then the join. A failed job is
    running again. A done job raises ValidationError. Returns the tasks sent."""
    job = BadgePrintJob.objects.select_for_update().get(pk=job.pk)
    if job.status == BadgePrintJob.Status.READY:
        raise ValidationError(
            _("This print job is done: download its PDF, or print the badges again.")
        )
    if job.status == BadgePrintJob.Status.PENDING:
        job.save(update_fields=["updated_at"])
        enqueue_on_commit(tasks.badge_print_job_start_task, job_id=job.pk)
        return 1
    size = _chunk_size()
    kept = [
        index
        for index in job.chunks_done
        if private_storage().exists(_part_name(job, index))
    ]
    if kept != job.chunks_done:
        job.chunks_done = kept
        job.done = sum(len(job.selection[i * size : (i + 1) * size]) for i in kept)
        job.save(update_fields=["chunks_done", "done", "updated_at"])
    artifact_render_start(job)
    missing = sorted(set(range(job.chunks_total)) - set(kept))
    for index in missing:
        enqueue_on_commit(
            tasks.badge_print_chunk_render_task, job_id=job.pk, index=index
        )
    if not missing:
        enqueue_on_commit(tasks.badge_print_job_finish_task, job_id=job.pk)
    return len(missing) or 1


def badge_print_job_sweep() -> int:
    """Resume print jobs queued or running without progress for
    ``BADGE_JOB_STALE_AFTER`` seconds. Runs every minute: when nothing is stuck it
    is one query on the (status, updated_at) index. Returns the jobs resumed."""
    cutoff = timezone.now() - timedelta(seconds=settings.BADGE_JOB_STALE_AFTER)
    stuck = BadgePrintJob.objects.filter(
        status__in=[BadgePrintJob.Status.PENDING, BadgePrintJob.Status.RENDERING],
        updated_at__lt=cutoff,
    ).order_by("pk")
    resumed = 0
    for job in stuck:
        logger.warning("Badge print job %s made no progress: resuming it", job.pk)
        try:
            badge_print_job_resume(job=job)
        except ValidationError:
            continue  # finished between the query and its lock: nothing to resume
        resumed += 1
    return resumed


# Check-in ----------------------------------------------------------------------------


@dataclass
class CheckInResult:
    """What the door sees: ``checked_in``, ``already`` or ``refused``, and why."""

    outcome: str
    registration: Registration
    check_in: CheckIn | None
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome in ("checked_in", "already")


REFUSALS = {
    Registration.Status.CANCELLED: _("Refused: this registration was cancelled."),
    Registration.Status.WAITLISTED: _(
        "Refused: this delegate is on the waiting list, not confirmed."
    ),
    Registration.Status.PENDING: _(
        "Refused: this registration is still awaiting approval."
    ),
    Registration.Status.DECLINED: _("Refused: this registration was declined."),
    Registration.Status.SUBSTITUTED: _(
        "Refused: this place passed to a colleague, who has their own badge."
    ),
}


def _when(value) -> str:
    local = timezone.localtime(value)
    return f"{date_format(local, 'D j M')} {local:%H:%M}"


@transaction.atomic
def check_in_record(*, token: str, edition: Edition, operator) -> CheckInResult:
    """Check a badge's holder in at ``edition``, recording time and operator.

    Outside the edition's check-in window (published, from the day before it starts
    to its last day) or for a code that is not a valid SOCEX token, raises
    ValidationError and records nothing; a badge that may not enter (cancelled,
    waitlisted, another edition) is refused with the reason; a second scan reports
    when the first one was.
    """
    closed = selectors.checkin_closed_reason(edition=edition)
    if closed:
        raise ValidationError(closed, code="closed")
    try:
        key = key_from_token(token)
    except BadToken:
        raise ValidationError(
            _(
                "This is not a valid SOCEX badge code. Scan the QR code again, or "
                "type the code printed beside it."
            ),
            code="bad_token",
        ) from None
    registration_id = (
        Badge.objects.filter(key=key).values_list("registration_id", flat=True).first()
    )
    # Lock the registration so two doors scanning the same badge record it once.
    locked = Registration.objects.select_for_update().filter(pk=registration_id)
    registration = selectors.checkin_registration(key=key) if locked.exists() else None
    if registration is None:
        raise ValidationError(
            _(
                "No badge carries this code. Send the delegate to the "
                "registration desk."
            ),
            code="unknown",
        )
    return _check_in(registration, edition=edition, operator=operator)


@transaction.atomic
def check_in_record_by_reference(
    *, reference: str, edition: Edition, operator
) -> CheckInResult:
    """Check in someone found by name at the desk (no badge with them), by their
    registration's reference: the same rules and outcomes as ``check_in_record``."""
    closed = selectors.checkin_closed_reason(edition=edition)
    if closed:
        raise ValidationError(closed, code="closed")
    registration_id = (
        Registration.objects.filter(reference=reference, edition=edition)
        .values_list("pk", flat=True)
        .first()
    )
    locked = Registration.objects.select_for_update().filter(pk=registration_id)
    registration = (
        Registration.objects.select_related(
            "user__profile", "edition", "check_in__operator"
        )
        .filter(pk=registration_id)
        .first()
        if locked.exists()
        else None
    )
    if registration is None:
        raise ValidationError(
            _("Nobody with that reference is registered for %(edition)s.")
            % {"edition": edition},
            code="unknown",
        )
    return _check_in(registration, edition=edition, operator=operator)


def _check_in(registration: Registration, *, edition: Edition, operator):
    """The door's rules for a locked registration: the right edition, confirmed,
    once."""
    if registration.edition_id != edition.pk:
        return CheckInResult(
            "refused",
            registration,
            None,
            _("Refused: this badge is for %(other)s, not %(edition)s.")
            % {"other": registration.edition, "edition": edition},
        )
    if registration.status != Registration.Status.CONFIRMED:
        return CheckInResult(
            "refused",
            registration,
            None,
            REFUSALS.get(registration.status, _("Refused: not confirmed.")),
        )
    existing = CheckIn.objects.select_related("operator").filter(
        registration=registration
    )
    check_in = existing.first()
    if check_in is not None:
        by = f" by {check_in.operator}" if check_in.operator else ""
        return CheckInResult(
            "already",
            registration,
            check_in,
            _("Already checked in on %(when)s%(by)s.")
            % {"when": _when(check_in.checked_in_at), "by": by},
        )
    check_in = CheckIn(
        registration=registration, checked_in_at=timezone.now(), operator=operator
    )
    check_in.full_clean()
    check_in.save()
    return CheckInResult(
        "checked_in",
        registration,
        check_in,
        _("Checked in at %(time)s.")
        % {"time": timezone.localtime(check_in.checked_in_at).strftime("%H:%M")},
    )


def check_in_undo(*, registration: Registration) -> int:
    """Forget the check-in of a registration that is no longer confirmed (in the
    caller's transaction, e.g. a cancellation or decline on the day), so the door
    count and the attendance list stay true. Returns how many were removed."""
    deleted, _by_model = CheckIn.objects.filter(registration=registration).delete()
    return deleted
