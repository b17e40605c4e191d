import datetime as dt

import factory
from django.utils import timezone

from events.models import AgendaSession
from workshops.models import (
    TimeBlock,
    Workshop,
    WorkshopCall,
    WorkshopProposal,
    WorkshopRun,
    WorkshopSettings,
)

from .accounts import UserFactory
from .events import AgendaSessionFactory, EditionFactory, RoomFactory, SpeakerFactory


class WorkshopSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopSettings
        django_get_or_create = ("edition",)

    edition = factory.SubFactory(EditionFactory)
    workshops_per_delegate = 4
    mode = WorkshopSettings.Mode.LIVE


class TimeBlockFactory(factory.django.DjangoModelFactory):
    """A workshop block on the edition's second day; ``hour`` places it."""

    class Meta:
        model = TimeBlock

    class Params:
        hour = 10

    edition = factory.SubFactory(EditionFactory)
    session = factory.LazyAttribute(
        lambda o: AgendaSessionFactory(
            edition=o.edition,
            kind=AgendaSession.Kind.WORKSHOP_BLOCK,
            title=f"Workshop block {o.hour}:00",
            room=None,
            starts_at=timezone.make_aware(
                dt.datetime.combine(o.edition.end_date, dt.time(o.hour))
            ),
        )
    )


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    edition = factory.SubFactory(EditionFactory)
    title = factory.Sequence(lambda n: f"Workshop {n}: Tackling county lines")
    summary = "A practical session for investigators."
    published = True
    order = factory.Sequence(lambda n: n)


class WorkshopRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopRun

    workshop = factory.SubFactory(WorkshopFactory)
    block = factory.LazyAttribute(
        lambda o: TimeBlockFactory(edition=o.workshop.edition)
    )
    room = factory.LazyAttribute(
        lambda o: (
            RoomFactory(venue=o.workshop.edition.venue)
            if o.workshop.edition.venue
            else None
        )
    )
    capacity = 20


def workshop_grid(
    edition,
    *,
    blocks: int = 4,
    per_block: int = 2,
    capacity: int = 20,
    n: int = 4,
    mode: str = WorkshopSettings.Mode.LIVE,
) -> list[list[WorkshopRun]]:
    """Blocks on day two, each with ``per_block`` published workshops (one run each).

    Returns the runs grouped by block.
    """
    WorkshopSettingsFactory(edition=edition, workshops_per_delegate=n, mode=mode)
    grid = []
    for b in range(blocks):
        block = TimeBlockFactory(edition=edition, hour=9 + 2 * b)
        grid.append(
            [
                WorkshopRunFactory(
                    workshop=WorkshopFactory(edition=edition),
                    block=block,
                    capacity=capacity,
                )
                for _ in range(per_block)
            ]
        )
    return grid


def close_ranking(edition) -> None:
    """Move the edition's workshop deadline a minute into the past (ranking is over)."""
    edition.workshop_selection_closes_at = timezone.now() - dt.timedelta(minutes=1)
    type(edition).objects.filter(pk=edition.pk).update(
        workshop_selection_closes_at=edition.workshop_selection_closes_at
    )


class WorkshopCallFactory(factory.django.DjangoModelFactory):
    """A call for workshop proposals open now, for a fortnight."""

    class Meta:
        model = WorkshopCall

    edition = factory.SubFactory(EditionFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    guidance = "Practical sessions run by practitioners."


class WorkshopProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopProposal

    call = factory.SubFactory(WorkshopCallFactory)
    proposer = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}: following the money")
    summary = "Tracing criminal finances from the first suspicious report."
    audience = "Financial investigators"
    format = WorkshopProposal.Format.CASE_STUDY


def workshops_with_leaders(edition, *, count: int, leaders: int = 2) -> list:
    """``count`` published workshops of ``edition``, each with one run in its own
    block and ``leaders`` named leaders."""
    workshops = []
    for index in range(count):
        workshop = WorkshopFactory(
            edition=edition, summary=f"Accepted summary of workshop {index}."
        )
        workshop.facilitators.set([SpeakerFactory() for _ in range(leaders)])
        WorkshopRunFactory(
            workshop=workshop,
            block=TimeBlockFactory(edition=edition, hour=9 + index % 8),
        )
        workshops.append(workshop)
    return workshops
