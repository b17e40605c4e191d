import datetime as dt
import io

import pytest
from django.utils import timezone

from events import demo
from events.models import AgendaSession, Edition, Room, Series, Speaker

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    models = [Series, Edition, AgendaSession, Speaker, Room]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_load_is_idempotent():
    demo.load(stdout=io.StringIO())
    first = _counts()
    demo.load(stdout=io.StringIO())
    assert _counts() == first
    assert set(Series.objects.values_list("code", flat=True)) == {"SC", "ECC"}


def test_demo_has_the_2019_strategic_conference_from_the_archive():
    demo.load(stdout=io.StringIO())
    edition = Edition.objects.get(slug="strategic-2019")
    assert edition.status == Edition.Status.ARCHIVED
    assert (edition.start_date, edition.end_date) == (
        dt.date(2019, 5, 22),
        dt.date(2019, 5, 23),
    )
    assert (edition.venue.name, edition.venue.postcode) == (
        "Chesford Grange",
        "CV8 2LD",
    )
    assert edition.welcome_author == "Chief Constable Andy Cooke QPM"
    assert edition.welcome_message.startswith("Welcome to SOCEX 2019")


@pytest.mark.parametrize(
    ("slug", "code", "month", "capacity"),
    [("strategic-2027", "SC", 5, 225), ("economic-crime-2027", "ECC", 11, 400)],
)
def test_demo_upcoming_edition_is_open_with_full_agenda(slug, code, month, capacity):
    demo.load(stdout=io.StringIO())
    edition = Edition.objects.get(slug=slug)
    now = timezone.now()
    assert edition.series.code == code
    assert (edition.start_date.year, edition.start_date.month) == (2027, month)
    assert edition.capacity == capacity
    assert edition.status == Edition.Status.PUBLISHED
    assert edition.registration_opens_at < now < edition.registration_closes_at
    weeks_before = edition.start_date - timezone.localdate(
        edition.workshop_selection_closes_at
    )
    assert weeks_before >= dt.timedelta(weeks=2)
    sessions = list(edition.sessions.all())
    day_one = [s for s in sessions if s.local_date == edition.start_date]
    day_two = [s for s in sessions if s.local_date == edition.end_date]
    keynotes = [s for s in day_one if s.kind == AgendaSession.Kind.KEYNOTE]
    assert len(keynotes) == 1
    assert "international perspective" in keynotes[0].title.lower()
    blocks = [s for s in day_two if s.kind == AgendaSession.Kind.WORKSHOP_BLOCK]
    assert len(blocks) == 4
    assert len({(b.starts_at, b.ends_at) for b in blocks}) == 4
    for block in blocks:
        others = [b for b in blocks if b != block]
        assert all(
            block.ends_at <= o.starts_at or o.ends_at <= block.starts_at for o in others
        )
    assert edition.venue.rooms.count() >= 3  # a main room and two per block
    assert edition.partners.count() >= 3
    speakers = Speaker.objects.filter(sessions__edition=edition).distinct()
    assert speakers.filter(may_be_named=False).count() == 1
    assert speakers.count() >= 5
