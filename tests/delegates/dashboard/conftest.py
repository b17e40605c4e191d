import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from delegates.badges.models import Badge, BadgePrintJob, CheckIn
from delegates.badges.services import badge_ensure
from delegates.models import Profile, Registration
from events.models import AgendaSession
from socex.roles.definitions import ORGANISER
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)
from tests.factories.workshops import workshop_grid

Status = Registration.Status


def at(edition, day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware time ``day_offset`` days from the edition's first day."""
    day = edition.start_date + dt.timedelta(days=day_offset)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def register(edition, status, *, created_at, organisation_type=None):
    profile = {"organisation_type": organisation_type} if organisation_type else {}
    registration = RegistrationFactory(
        edition=edition, status=status, user=ProfileFactory(**profile).user
    )
    Registration.objects.filter(pk=registration.pk).update(created_at=created_at)
    return registration


@pytest.fixture
def organiser(db):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=ORGANISER)])
    return user


@pytest.fixture
def known_edition(db):
    """An edition of 10 places whose every figure is known (see the dashboard
    tests): 3 confirmed, 2 pending, 1 waitlisted, 1 cancelled, 1 declined; two
    badges ready, two confirmed delegates in a finished print run; three check-ins
    in two hours; a keynote without a speaker; a speaker without bio or photo; two
    workshop runs of 20, one with 5 seats taken."""
    edition = EditionFactory(capacity=10, title="Known Conference")
    police = Profile.OrganisationType.UK_POLICE
    nca = Profile.OrganisationType.NCA
    c1 = register(
        edition,
        Status.CONFIRMED,
        created_at=at(edition, -30, 10),
        organisation_type=police,
    )
    c2 = register(
        edition,
        Status.CONFIRMED,
        created_at=at(edition, -30, 11),
        organisation_type=police,
    )
    c3 = register(
        edition,
        Status.CONFIRMED,
        created_at=at(edition, -29, 10),
        organisation_type=nca,
    )
    register(edition, Status.PENDING, created_at=at(edition, -29, 12))
    register(edition, Status.PENDING, created_at=at(edition, -28, 9))
    register(edition, Status.WAITLISTED, created_at=at(edition, -28, 10))
    cancelled = register(edition, Status.CANCELLED, created_at=at(edition, -30, 12))
    register(edition, Status.DECLINED, created_at=at(edition, -29, 13))
    for registration in (c1, c2):
        badge = badge_ensure(registration=registration)
        Badge.objects.filter(pk=badge.pk).update(status=Badge.Status.READY)
    BadgePrintJob.objects.create(
        edition=edition,
        status=BadgePrintJob.Status.READY,
        selection=[c1.pk, c2.pk, cancelled.pk],
        total=3,
        done=3,
    )
    BadgePrintJob.objects.create(
        edition=edition, status=BadgePrintJob.Status.PENDING, selection=[c3.pk], total=1
    )
    CheckIn.objects.create(registration=c1, checked_in_at=at(edition, 0, 9, 10))
    CheckIn.objects.create(registration=c2, checked_in_at=at(edition, 0, 9, 40))
    CheckIn.objects.create(registration=c3, checked_in_at=at(edition, 0, 10, 5))
    AgendaSessionFactory(
        edition=edition, kind=AgendaSession.Kind.KEYNOTE, title="Opening keynote"
    )
    AgendaSessionFactory(
        edition=edition,
        kind=AgendaSession.Kind.BREAK,
        title="Coffee",
        starts_at=at(edition, 0, 11),
    )
    panel = AgendaSessionFactory(
        edition=edition,
        kind=AgendaSession.Kind.PANEL,
        title="Panel",
        starts_at=at(edition, 0, 12),
    )
    SessionSpeakerFactory(
        session=panel, speaker=SpeakerFactory(display_name="Alex Unprepared", bio="")
    )
    runs = workshop_grid(edition, blocks=1, per_block=2, capacity=20)[0]
    type(runs[0]).objects.filter(pk=runs[0].pk).update(seats_taken=5)
    edition.known = {"c1": c1, "c2": c2, "c3": c3, "runs": runs}
    return edition
