"""Workshops' answers to the hooks delegates defines (workshops/hooks.py)."""

import pytest
from django.test import RequestFactory

from delegates.badges.selectors import badge_workshops
from delegates.models import Registration
from delegates.signals import collect_dashboard_panels
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 10])
def test_badge_workshops_answer_in_one_query_for_any_number(
    django_assert_num_queries, count
):
    edition = EditionFactory()
    grid = workshop_grid(edition, blocks=2, per_block=2, n=2)
    registrations = RegistrationFactory.create_batch(count, edition=edition)
    for registration in registrations:
        services.workshop_choices_set(
            registration=registration, run_ids=[block[1].pk for block in grid]
        )

    with django_assert_num_queries(1):
        rows = badge_workshops(registrations=registrations)

    run = grid[0][1]
    assert set(rows) == {registration.pk for registration in registrations}
    assert rows[registrations[-1].pk][0] == {
        "starts_at": run.block.session.starts_at,
        "ends_at": run.block.session.ends_at,
        "title": run.workshop.title,
        "room": run.room.name,
    }
    assert [row["title"] for row in rows[registrations[0].pk]] == [
        block[1].workshop.title for block in grid
    ]


def test_badge_workshops_of_a_registration_without_seats_are_none():
    registration = RegistrationFactory()

    assert badge_workshops(registrations=[registration]) == {registration.pk: []}


def test_dashboard_panel_answers_for_each_registration():
    edition = EditionFactory()
    grid = workshop_grid(edition)
    chooser = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=chooser, run_ids=[block[0].pk for block in grid]
    )
    waiting = RegistrationFactory(
        edition=edition, status=Registration.Status.WAITLISTED
    )
    request = RequestFactory().get("/my/")
    request.user = chooser.user

    answers = [
        response
        for _receiver, response in collect_dashboard_panels.send(
            sender=Registration, request=request, registrations=[chooser, waiting]
        )
    ]

    panels = next(answer for answer in answers if chooser.pk in answer)
    assert set(panels) == {chooser.pk, waiting.pk}
    assert "Your workshops" in panels[chooser.pk]
    assert grid[0][0].workshop.title in panels[chooser.pk]
    assert panels[waiting.pk].strip() == ""
