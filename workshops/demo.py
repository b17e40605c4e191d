"""Demo workshops: eight workshops in four blocks for each 2027 edition (the first one
runs twice). The Strategic Conference uses live choice, with places in every run, so a
newcomer who signs up with a police.uk address can register, be confirmed and choose
four workshops; the Economic Crime Conference (full, with a waiting list and
registrations awaiting approval) ranks: its confirmed delegates' preferences are
there for an organiser to run and publish the allocation.

Idempotent: keyed on edition slugs, agenda sessions and workshop titles; choices and
preferences are only added for delegates who have none. Bulk-created without emails
(the demo delegate's own registration is left for them to choose), then every run's
seat counter is recounted.
"""

import random

from django.db.models import Count

from delegates.models import Registration
from events.demo import WORKSHOP_THEMES
from events.models import AgendaSession, Edition, Room, Speaker
from socex.demo import DEMO_ACCOUNTS

from .models import (
    TimeBlock,
    Workshop,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
    WorkshopSettings,
)

EDITIONS = {
    # slug: (series code, mode, places per run)
    "strategic-2027": ("SC", WorkshopSettings.Mode.LIVE, 125),
    "economic-crime-2027": ("ECC", WorkshopSettings.Mode.RANKED, 215),
}

SUMMARY = (
    "A facilitated workshop on {topic}: what the evidence says, what has worked for "
    "forces and agencies elsewhere, and what you can take back to your own team."
)


def _blocks(edition: Edition) -> list[TimeBlock]:
    sessions = AgendaSession.objects.filter(
        edition=edition, kind=AgendaSession.Kind.WORKSHOP_BLOCK
    ).order_by("starts_at")
    blocks = []
    for number, session in enumerate(sessions, start=1):
        block, _created = TimeBlock.objects.get_or_create(
            session=session,
            defaults={"edition": edition, "label": f"Block {number}"},
        )
        blocks.append(block)
    return blocks


def _workshops(edition: Edition, code: str, blocks, capacity: int) -> list:
    rooms = list(Room.objects.filter(venue=edition.venue).order_by("-capacity", "name"))
    # Two side rooms per block, the biggest ones after the main hall.
    side_rooms = rooms[1:3] if len(rooms) >= 3 else rooms[:2]
    speakers = list(Speaker.objects.filter(may_be_named=True).order_by("slug"))
    runs = []
    for index, topic in enumerate(WORKSHOP_THEMES[code][: 2 * len(blocks)]):
        workshop, _created = Workshop.objects.update_or_create(
            edition=edition,
            title=topic,
            defaults={
                "summary": SUMMARY.format(topic=topic.lower()),
                "published": True,
                "order": index,
            },
        )
        if speakers and not workshop.facilitators.exists():
            workshop.facilitators.add(speakers[index % len(speakers)])
        block = blocks[index // 2]
        room = side_rooms[index % 2] if side_rooms else None
        run, _created = WorkshopRun.objects.get_or_create(
            workshop=workshop,
            block=block,
            defaults={"room": room, "capacity": capacity},
        )
        runs.append(run)
    # The most asked-for workshop runs again in the second block, in the main hall.
    first = runs[0].workshop
    repeat, _created = WorkshopRun.objects.get_or_create(
        workshop=first,
        block=blocks[1],
        defaults={"room": rooms[0] if rooms else None, "capacity": capacity // 2},
    )
    return runs + [repeat]


def _eligible(edition: Edition):
    demo = DEMO_ACCOUNTS["delegate"]
    return (
        Registration.objects.filter(
            edition=edition,
            status=Registration.Status.CONFIRMED,
            category=Registration.Category.DELEGATE,
        )
        .exclude(user__email=demo)
        .order_by("pk")
    )


def _choices(edition: Edition, runs: list[WorkshopRun]) -> int:
    """Live choice: most confirmed delegates have chosen, within every capacity."""
    taken = dict(
        WorkshopChoice.objects.filter(run__in=runs)
        .values("run")
        .annotate(n=Count("pk"))
        .values_list("run", "n")
    )
    by_block: dict[int, list[WorkshopRun]] = {}
    for run in runs:
        by_block.setdefault(run.block_id, []).append(run)
    new = []
    for registration in _eligible(edition).exclude(workshop_choices__isnull=False):
        rng = random.Random(registration.pk)
        if registration.pk % 7 == 0:
            continue  # some have not chosen yet
        picked, workshops = [], set()
        for block_runs in by_block.values():
            options = [
                run
                for run in block_runs
                if taken.get(run.pk, 0) < run.capacity
                and run.workshop_id not in workshops
            ]
            if not options:
                break
            weights = [3 if run.workshop.order % 3 == 0 else 1 for run in options]
            run = rng.choices(options, weights=weights)[0]
            picked.append(run)
            workshops.add(run.workshop_id)
        if len(picked) != len(by_block):
            continue
        for run in picked:
            taken[run.pk] = taken.get(run.pk, 0) + 1
            new.append(
                WorkshopChoice(
                    registration=registration,
                    run=run,
                    block_id=run.block_id,
                    workshop_id=run.workshop_id,
                )
            )
    WorkshopChoice.objects.bulk_create(new)
    return len(new)


def _preferences(edition: Edition, runs: list[WorkshopRun]) -> int:
    workshops = sorted({run.workshop_id for run in runs})
    new = []
    for registration in _eligible(edition).exclude(workshop_preferences__isnull=False):
        order = workshops[:]
        rng = random.Random(registration.pk)
        rng.shuffle(order)
        for rank, workshop_id in enumerate(order[: rng.randint(6, 8)], start=1):
            new.append(
                WorkshopPreference(
                    registration=registration, workshop_id=workshop_id, rank=rank
                )
            )
    WorkshopPreference.objects.bulk_create(new)
    return len(new)


def _recount(runs: list[WorkshopRun]) -> None:
    for run in runs:
        WorkshopRun.objects.filter(pk=run.pk).update(
            seats_taken=WorkshopChoice.objects.filter(run=run).count()
        )


def load(*, stdout) -> None:
    for slug, (code, mode, capacity) in EDITIONS.items():
        edition = Edition.objects.filter(slug=slug).first()
        if edition is None:
            stdout.write(f"No {slug} edition: its demo workshops are skipped.")
            continue
        blocks = _blocks(edition)
        if len(blocks) < 4:
            stdout.write(f"{slug} has {len(blocks)} workshop blocks: skipped.")
            continue
        WorkshopSettings.objects.update_or_create(
            edition=edition, defaults={"mode": mode, "workshops_per_delegate": 4}
        )
        runs = _workshops(edition, code, blocks[:4], capacity)
        if mode == WorkshopSettings.Mode.LIVE:
            added = _choices(edition, runs)
            _recount(runs)
            stdout.write(f"{slug}: {len(runs)} workshop runs, {added} choices added.")
        else:
            added = _preferences(edition, runs)
            stdout.write(
                f"{slug}: {len(runs)} workshop runs (ranked mode), "
                f"{added} preferences added."
            )
