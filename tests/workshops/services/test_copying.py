"""The workshops part of duplicating an edition (``workshops.services.copying``)."""

import pytest

from events.models import AgendaSession
from events.signals import edition_duplicated
from tests.factories.events import EditionFactory
from tests.factories.workshops import (
    workshop_grid,
)
from workshops.models import (
    TimeBlock,
    Workshop,
    WorkshopRun,
    WorkshopSettings,
)

pytestmark = pytest.mark.django_db


def test_edition_duplicated_copies_workshops(edition):
    grid = workshop_grid(edition)
    copy = EditionFactory()
    session_map = {}
    for block in grid:
        original = block[0].block.session
        session_map[original.pk] = AgendaSession.objects.create(
            edition=copy,
            starts_at=original.starts_at,
            ends_at=original.ends_at,
            kind=original.kind,
            title=original.title,
        )
    edition_duplicated.send(
        sender=type(edition), source=edition, copy=copy, session_map=session_map
    )
    assert TimeBlock.objects.filter(edition=copy).count() == 4
    assert Workshop.objects.filter(edition=copy, published=False).count() == 8
    assert WorkshopRun.objects.filter(workshop__edition=copy).count() == 8
    assert (
        WorkshopRun.objects.filter(
            workshop__edition=copy, seats_taken=0, capacity=20
        ).count()
        == 8
    )
    assert WorkshopSettings.objects.get(edition=copy).workshops_per_delegate == 4
