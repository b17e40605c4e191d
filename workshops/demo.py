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
from events.models import AgendaSession, Edition, Room, Speaker, Submission
from events.speaking.demo import demo_item
from socex.demo import DEMO_ACCOUNTS

from . import demo_proposals
from .models import (
    TimeBlock,
    Workshop,
    WorkshopChoice,
    WorkshopPreference,
    WorkshopRun,
    WorkshopSettings,
)

EDITIONS = {
    # slug: (series code, mode): Strategic is the newcomer's live choice; Economic
    # Crime, full with a waiting list, shows ranked preferences and the allocation.
    "strategic-2027": ("SC", WorkshopSettings.Mode.LIVE),
    "economic-crime-2027": ("ECC", WorkshopSettings.Mode.RANKED),
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


def _workshops(edition: Edition, code: str, blocks) -> list:
    """Two workshops per block, one in the main hall and one in the largest side
    room, each offering the seats of its room, so every delegate has a place in
    every block; the repeat of the first one is in the next side room. Each room
    holds one run at a time, and none is booked by an agenda session then."""
    rooms = list(Room.objects.filter(venue=edition.venue).order_by("-capacity", "name"))
    speakers = list(Speaker.objects.filter(may_be_named=True).order_by("slug"))
    # Rooms are given afresh, so free them first (one room per block).
    WorkshopRun.objects.filter(workshop__edition=edition).update(room=None)
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
        room = rooms[index % 2] if len(rooms) >= 2 else None
        runs.append(_run(workshop, blocks[index // 2], room))
    # The most asked-for workshop runs again in the second block, in a side room.
    if len(rooms) >= 3:
        runs.append(_run(runs[0].workshop, blocks[1], rooms[2]))
    return runs


def _run(workshop: Workshop, block: TimeBlock, room: Room | None) -> WorkshopRun:
    """The run with the room's seats; a run loaded before the rooms were mended
    keeps the seats its delegates hold, marked as over the room's capacity."""
    run = WorkshopRun.objects.filter(workshop=workshop, block=block).first()
    taken = run.seats_taken if run else 0
    capacity = max(room.capacity if room else 60, taken)
    fields = {
        "room": room,
        "capacity": capacity,
        "over_room_capacity": bool(room and capacity > room.capacity),
    }
    if run is None:
        return WorkshopRun.objects.create(workshop=workshop, block=block, **fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))
    return run


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


def _demo_speaker_workshop(edition: Edition, workshop: Workshop) -> None:
    """The demo speaker leads a workshop whose details the organisers sent back."""
    speaker = Speaker.objects.filter(slug="marcus-oyelaran").first()
    if speaker is None or workshop.submission_id:
        return
    workshop.submission = demo_item(
        edition=edition,
        kind=Submission.Kind.WORKSHOP,
        working_title=workshop.title,
        speaker=speaker,
        state=Submission.State.CHANGES_REQUESTED,
        comment=(
            "Please shorten the summary to two sentences and say who the exercise "
            "is for (SIOs, analysts, or both)."
        ),
        details={
            "title": workshop.title,
            "summary": workshop.summary,
            "abstract": "A practical exercise built on a closed case.",
            "format": Submission.Format.EXERCISE,
        },
    )
    workshop.save(update_fields=["submission"])


def load(*, stdout) -> None:
    for slug, (code, mode) in EDITIONS.items():
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
        runs = _workshops(edition, code, blocks[:4])
        if slug == "strategic-2027":
            _demo_speaker_workshop(edition, runs[-2].workshop)
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
    demo_proposals.load(stdout=stdout)
