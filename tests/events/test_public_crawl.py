"""The acceptance test of "a speaker who may not be named": crawl every public URL
reachable from the home page, every calendar feed and every file those pages link
(``/media/`` and the speaker photo view), and find neither the unnamed speaker's
real name nor the bytes of their photo anywhere."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events.models import Edition
from tests.crawl import body, crawl
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)
from tests.factories.workshops import WorkshopFactory, WorkshopRunFactory

pytestmark = pytest.mark.django_db

REAL_NAME = "Morwenna Trethewey-Quill"
POST_NOMINALS = "KPFSM"
SECRET_BIO = "Leads covert operations in the north-west."
SECRET_ORGANISATION = "Regional Organised Crime Unit North-West"


def _photo(colour) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world():
    """Two published editions (one past and archived) and a draft, each with an
    agenda and workshops; an unnamed speaker who speaks in one and leads a workshop
    in the other, with a photo; a named speaker with a photo."""
    today = dt.date.today()
    upcoming = EditionFactory(title="Strategic SOCEX upcoming")
    past = EditionFactory(
        title="Economic Crime past",
        start_date=today - dt.timedelta(days=200),
        end_date=today - dt.timedelta(days=199),
        registration_opens_at=None,
        registration_closes_at=None,
        workshop_selection_closes_at=None,
        status=Edition.Status.ARCHIVED,
    )
    draft = EditionFactory(title="Draft edition", status=Edition.Status.DRAFT)
    hidden = SpeakerFactory(
        display_name=REAL_NAME,
        slug="morwenna-trethewey-quill",
        post_nominals=POST_NOMINALS,
        bio=SECRET_BIO,
        organisation=SECRET_ORGANISATION,
        may_be_named=False,
        photo=_photo("red"),
    )
    named = SpeakerFactory(display_name="Alex Named", photo=_photo("blue"))
    hidden.save()
    named.save()
    for edition in (upcoming, past, draft):
        session = AgendaSessionFactory(edition=edition, title=f"Keynote {edition.pk}")
        SessionSpeakerFactory(session=session, speaker=named)
        SessionSpeakerFactory(
            session=AgendaSessionFactory(
                edition=edition,
                title=f"Panel {edition.pk}",
                starts_at=session.ends_at,
                ends_at=session.ends_at + dt.timedelta(hours=1),
            ),
            speaker=hidden,
        )
        workshop = WorkshopFactory(edition=edition, summary="Accepted summary.")
        workshop.facilitators.set([hidden, named])
        WorkshopRunFactory(workshop=workshop)
    return {"editions": [upcoming, past], "draft": draft, "hidden": hidden}


def test_unnamed_speaker_is_nowhere_public(client, world):
    caches["pages"].clear()
    hidden = world["hidden"]
    photo_bytes = Path(hidden.photo.path).read_bytes()

    seen = crawl(client)
    # Every calendar feed, whether or not a page links it.
    for edition in world["editions"]:
        for session in edition.sessions.all():
            path = reverse("events:session_ics", args=[edition.slug, session.pk])
            seen.setdefault(path, client.get(path))

    for edition in world["editions"]:
        for name in ("events:edition", "events:agenda", "events:speakers"):
            assert seen[reverse(name, args=[edition.slug])].status_code == 200
        for path in (
            reverse("workshops_public:edition", args=[edition.slug]),
            reverse("events:edition_ics", args=[edition.slug]),
        ):
            assert seen[path].status_code == 200, path
    files = [p for p in seen if p.startswith((settings.MEDIA_URL, "/speakers/photos/"))]
    assert files, "the crawl reached no photo"
    feeds = [p for p in seen if p.endswith(".ics")]
    assert len(feeds) >= 2 + 4  # two edition feeds, two sessions each
    assert (
        "Speaker to be confirmed"
        in body(
            seen[reverse("events:speakers", args=[world["editions"][0].slug])]
        ).decode()
    )

    leaks = []
    for path, response in seen.items():
        content = body(response)
        for secret in (
            REAL_NAME.encode(),
            b"Trethewey",
            hidden.slug.encode(),
            SECRET_BIO.encode(),
            SECRET_ORGANISATION.encode(),
            POST_NOMINALS.encode(),
        ):
            if secret in content:
                leaks.append(f"{path}: {secret!r}")
        if photo_bytes in content:
            leaks.append(f"{path}: the photo")
    assert leaks == []
    assert not [p for p in seen if world["draft"].slug in p]


def test_unnamed_speakers_photo_has_no_public_url(client, world):
    hidden = world["hidden"]
    name = Path(hidden.photo.name).name

    assert not (Path(settings.MEDIA_ROOT) / hidden.photo.name).exists()
    assert client.get(f"{settings.MEDIA_URL}{hidden.photo.name}").status_code == 404
    assert client.get(hidden.photo.url).status_code == 404
    assert client.get(reverse("events:speaker", args=[hidden.slug])).status_code == 404
    assert hidden.photo.url == reverse("events:speaker_photo", args=[name])


def test_named_speakers_photo_is_served_through_the_view(client, world):
    named = world["editions"][0].sessions.first().speakers.first()

    response = client.get(named.photo.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body(response) == Path(named.photo.path).read_bytes()
    assert not (Path(settings.MEDIA_ROOT) / named.photo.name).exists()


def test_unnamed_speakers_photo_is_served_to_staff_and_to_themself(client, world):
    hidden = world["hidden"]
    hidden.user = UserFactory()
    hidden.save()

    client.force_login(hidden.user)
    assert client.get(hidden.photo.url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(hidden.photo.url).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(hidden.photo.url).status_code == 200


@pytest.mark.parametrize(
    "name", ["..%2F..%2Fsecret.jpg", "nope.jpg", "a" * 101 + ".jpg", "x.jpg%00"]
)
def test_speaker_photo_view_answers_404_to_unknown_or_hostile_names(client, name):
    assert client.get(f"/speakers/photos/{name}").status_code == 404
