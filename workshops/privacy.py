"""Workshops' answers to the privacy hooks of ``delegates.privacy.signals``;
connected from WorkshopsConfig.ready().

- ``personal_data_collect``: the person's workshop choices, ranked preferences,
  published allocations and late-choice windows, one query per kind.
- ``personal_data_erase``: the sign-in sheets naming the person lose their file.
- ``retention_collect``: sign-in sheets of editions ended more than
  ``PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT`` days ago lose their file.
Files are deleted after commit; the sheet rows and their status stay.
"""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from delegates.models import Registration
from delegates.privacy.files import private_files_delete_on_commit
from delegates.privacy.retention import RetentionStep, ended_before
from delegates.privacy.signals import (
    personal_data_collect,
    personal_data_erase,
    retention_collect,
)

from .models import (
    Allocation,
    AllocationAssignment,
    ChoiceWindow,
    SignInSheet,
    WorkshopChoice,
    WorkshopPreference,
)


def _iso(value):
    return value.isoformat() if value is not None else None


@receiver(personal_data_collect, dispatch_uid="workshops_personal_data")
def collect_personal_data(sender, *, user, **kwargs) -> dict:
    registrations = {
        pk: reference
        for pk, reference in Registration.objects.filter(user=user).values_list(
            "pk", "reference"
        )
    }
    by_registration = {
        pk: {
            "registration": reference,
            "choices": [],
            "preferences": [],
            "allocations": [],
            "choice_window": None,
        }
        for pk, reference in registrations.items()
    }
    for choice in WorkshopChoice.objects.filter(
        registration_id__in=list(registrations)
    ).select_related("workshop", "block__session", "run__room"):
        by_registration[choice.registration_id]["choices"].append(
            {
                "workshop": choice.workshop.title,
                "block": choice.block.name,
                "starts_at": _iso(choice.block.session.starts_at),
                "room": choice.run.room.name if choice.run.room else "",
                "source": choice.source,
                "chosen_at": _iso(choice.created_at),
            }
        )
    for preference in WorkshopPreference.objects.filter(
        registration_id__in=list(registrations)
    ).select_related("workshop"):
        by_registration[preference.registration_id]["preferences"].append(
            {"rank": preference.rank, "workshop": preference.workshop.title}
        )
    for assignment in (
        AllocationAssignment.objects.filter(
            registration_id__in=list(registrations),
            allocation__status=Allocation.Status.PUBLISHED,
        )
        .select_related("allocation", "run__workshop", "run__block__session")
        .order_by("allocation_id", "run__block__session__starts_at")
    ):
        by_registration[assignment.registration_id]["allocations"].append(
            {
                "published_at": _iso(assignment.allocation.published_at),
                "workshop": assignment.run.workshop.title,
                "block": assignment.run.block.name,
                "rank_given": assignment.rank,
            }
        )
    for window in ChoiceWindow.objects.filter(registration_id__in=list(registrations)):
        by_registration[window.registration_id]["choice_window"] = {
            "opened_at": _iso(window.opened_at),
            "closes_at": _iso(window.closes_at),
        }
    return {"workshops": list(by_registration.values())}


def _clear_sheets(pks: list[int]) -> int:
    with transaction.atomic():
        sheets = SignInSheet.objects.select_for_update().filter(pk__in=pks)
        names = list(sheets.exclude(file="").values_list("file", flat=True))
        SignInSheet.objects.filter(pk__in=pks).update(file="")
        private_files_delete_on_commit(names)
    return len(names)


@receiver(personal_data_erase, dispatch_uid="workshops_personal_data_erase")
def erase_personal_files(sender, *, user, registration_ids, **kwargs) -> int:
    runs = WorkshopChoice.objects.filter(registration_id__in=registration_ids).values(
        "run_id"
    )
    pks = list(
        SignInSheet.objects.filter(run_id__in=runs)
        .exclude(file="")
        .values_list("pk", flat=True)
    )
    return _clear_sheets(pks)


@receiver(retention_collect, dispatch_uid="workshops_retention")
def sign_in_sheets_due(sender, *, today, **kwargs) -> list[RetentionStep]:
    cutoff = ended_before(
        today=today, days=settings.PRIVACY_SIGN_IN_SHEETS_DAYS_AFTER_EVENT
    )
    rows = list(
        SignInSheet.objects.filter(run__workshop__edition__end_date__lt=cutoff)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "run__workshop__edition__slug", "file")
    )
    return [
        RetentionStep(
            kind="sign_in_sheets",
            description=(
                f"Workshop sign-in sheets of editions ended before {cutoff.isoformat()}"
            ),
            items=[f"{slug}: {name}" for _pk, slug, name in rows],
            apply=lambda: _clear_sheets([pk for pk, _s, _n in rows]),
        )
    ]
