import datetime as dt

import factory
from django.utils import timezone

from events.models import (
    AgendaSession,
    Edition,
    EditionPartner,
    Partner,
    Room,
    Series,
    SessionSpeaker,
    Speaker,
    Venue,
)


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Conference {n}")
    short_name = factory.Sequence(lambda n: f"Test {n}")
    slug = factory.Sequence(lambda n: f"test-conference-{n}")
    code = factory.Sequence(lambda n: f"T{n}")
    usual_month = 11
    audience = "Operational staff"
    description = "A conference for law enforcement."


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Conference Centre {n}")
    slug = factory.Sequence(lambda n: f"conference-centre-{n}")
    address = "1 High Street"
    town = "Warwick"
    postcode = "CV34 4AA"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    venue = factory.SubFactory(VenueFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 50


def _next_year_date(month: int, day: int) -> dt.date:
    return dt.date(timezone.now().year + 1, month, day)


class EditionFactory(factory.django.DjangoModelFactory):
    """A published edition next year, open for registration now."""

    class Meta:
        model = Edition

    series = factory.SubFactory(SeriesFactory)
    ordinal = factory.Sequence(lambda n: n + 1)
    year = factory.LazyAttribute(lambda o: o.start_date.year)
    title = factory.Sequence(lambda n: f"Test Conference Edition {n}")
    slug = factory.Sequence(lambda n: f"edition-{n}")
    start_date = factory.LazyFunction(lambda: _next_year_date(11, 17))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=1))
    venue = factory.SubFactory(VenueFactory)
    capacity = 400
    status = Edition.Status.PUBLISHED
    registration_opens_at = factory.LazyFunction(
        lambda: timezone.now() - dt.timedelta(days=1)
    )
    registration_closes_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(
            dt.datetime.combine(o.start_date - dt.timedelta(days=7), dt.time(23, 59))
        )
    )
    workshop_selection_closes_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(
            dt.datetime.combine(o.start_date - dt.timedelta(days=3), dt.time(23, 59))
        )
    )
    aim = "To look at an evidence-based approach to tackling organised crime."


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    display_name = factory.Faker("name", locale="en_GB")
    slug = factory.Sequence(lambda n: f"speaker-{n}")
    role = "Detective Chief Superintendent"
    organisation = "National Crime Agency"
    may_be_named = True


class AgendaSessionFactory(factory.django.DjangoModelFactory):
    """A session on the edition's first day; pass ``starts_at`` to place it."""

    class Meta:
        model = AgendaSession

    edition = factory.SubFactory(EditionFactory)
    starts_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(
            dt.datetime.combine(o.edition.start_date, dt.time(9))
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    room = factory.LazyAttribute(
        lambda o: RoomFactory(venue=o.edition.venue) if o.edition.venue else None
    )
    kind = AgendaSession.Kind.PLENARY
    title = factory.Sequence(lambda n: f"Session {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    website = "https://partner.example"


class EditionPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EditionPartner

    edition = factory.SubFactory(EditionFactory)
    partner = factory.SubFactory(PartnerFactory)
    order = factory.Sequence(lambda n: n)


class SessionSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSpeaker

    session = factory.SubFactory(AgendaSessionFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    order = factory.Sequence(lambda n: n)


def edition_with_programme(
    *, sessions: int, speakers: int = 0, partners: int = 0, rooms: int = 2, **kwargs
) -> Edition:
    """A published edition whose two days hold ``sessions`` sessions spread over
    ``rooms`` rooms in 30-minute slots, ``speakers`` speakers (each on a session,
    the sessions taking them in turn) and ``partners`` partners."""
    edition = EditionFactory(**kwargs)
    room_list = [RoomFactory(venue=edition.venue) for _ in range(rooms)]
    speaker_list = [SpeakerFactory() for _ in range(speakers)]
    per_day = -(-sessions // 2)
    created = []
    for index in range(sessions):
        day = edition.start_date + dt.timedelta(days=index // per_day)
        slot, room = divmod(index % per_day, rooms)
        starts_at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(7)) + dt.timedelta(minutes=30 * slot)
        )
        created.append(
            AgendaSessionFactory(
                edition=edition,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=30),
                room=room_list[room],
            )
        )
    for index, speaker in enumerate(speaker_list):
        SessionSpeakerFactory(session=created[index % len(created)], speaker=speaker)
    for _ in range(partners):
        EditionPartnerFactory(edition=edition)
    return edition
