"""Workshops in public (the edition's workshops page, its section and tab on the
edition page, leaders on speaker pages) and at the choice (choose and rank pages
show each workshop's summary and leaders)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory, SpeakerFactory
from tests.factories.workshops import (
    WorkshopCallFactory,
    WorkshopFactory,
    workshop_grid,
    workshops_with_leaders,
)
from workshops.models import WorkshopSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    caches["pages"].clear()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def workshops_url(edition) -> str:
    return reverse("workshops_public:edition", args=[edition.slug])


def test_workshops_page_lists_published_workshops_with_summary_and_leaders(client):
    edition = EditionFactory()
    named = SpeakerFactory(display_name="Alex Morgan", post_nominals="QPM")
    hidden = SpeakerFactory(
        display_name="Undercover Officer Real-Name", may_be_named=False
    )
    workshop = WorkshopFactory(edition=edition, summary="Disrupting cash couriers.")
    workshop.facilitators.set([named, hidden])
    WorkshopFactory(edition=edition, title="Not yet published", published=False)

    html = page(client, workshops_url(edition))

    assert workshop.title in html
    assert "Disrupting cash couriers." in html
    assert f'<a href="{named.get_absolute_url()}">Alex Morgan QPM</a>' in html
    assert "Speaker to be confirmed" in html
    assert "Real-Name" not in html
    assert hidden.get_absolute_url() not in html
    assert "Not yet published" not in html


def test_workshops_page_of_a_draft_edition_is_404(client):
    edition = EditionFactory(status="draft")
    assert client.get(workshops_url(edition)).status_code == 404


def test_edition_pages_link_the_workshops_page(client):
    edition = EditionFactory()
    workshop = WorkshopFactory(edition=edition)
    workshop.facilitators.set([SpeakerFactory(display_name="Sam Patel")])

    for url in (
        edition.get_absolute_url(),
        reverse("events:agenda", args=[edition.slug]),
        reverse("events:speakers", args=[edition.slug]),
    ):
        assert f'href="{workshops_url(edition)}"' in page(client, url), url
    overview = page(client, edition.get_absolute_url())
    assert workshop.title in overview
    assert "Sam Patel" in overview


def test_workshop_leader_without_sessions_has_a_speaker_page_and_is_listed(client):
    edition = EditionFactory()
    leader = SpeakerFactory(display_name="Robin Hughes")
    WorkshopFactory(edition=edition, title="Crypto tracing").facilitators.set([leader])

    speaker_page = page(client, leader.get_absolute_url())
    speakers = page(client, reverse("events:speakers", args=[edition.slug]))

    assert "Crypto tracing" in speaker_page
    assert "Robin Hughes" in speakers


def test_workshops_page_shows_the_open_call_for_proposals(client):
    edition = EditionFactory()
    WorkshopCallFactory(edition=edition)

    html = page(client, workshops_url(edition))

    assert reverse("workshops:proposal_create", args=[edition.slug]) in html


def test_cached_workshops_page_follows_a_change_of_workshop_or_leader(client):
    edition = EditionFactory()
    workshop = WorkshopFactory(edition=edition, summary="First summary.")
    leader = SpeakerFactory(display_name="Kim Lowe")
    url = workshops_url(edition)
    assert "First summary." in page(client, url)  # cached now

    workshop.summary = "Accepted summary."
    workshop.save()
    assert "Accepted summary." in page(client, url)

    workshop.facilitators.add(leader)
    assert "Kim Lowe" in page(client, url)

    leader.may_be_named = False
    leader.save()
    html = page(client, url)
    assert "Kim Lowe" not in html
    assert "Speaker to be confirmed" in html
    assert "Kim Lowe" not in page(client, edition.get_absolute_url())


def _public_workshops_queries(client, edition, count, django_assert_num_queries):
    workshops_with_leaders(edition, count=count, leaders=2)
    caches["pages"].clear()
    # Uncached: the version (page cache, then fragment), the edition, the
    # workshops, their runs, their leaders and the call for proposals.
    with django_assert_num_queries(7):
        response = client.get(workshops_url(edition))
    assert response.content.decode().count('class="card mb-3" id="workshop-') == count
    # Cached: the version number alone.
    with django_assert_num_queries(1):
        client.get(workshops_url(edition))


def test_public_workshops_list_queries_with_one_workshop(
    client, django_assert_num_queries
):
    _public_workshops_queries(client, EditionFactory(), 1, django_assert_num_queries)


def test_public_workshops_list_queries_with_many_workshops(
    client, django_assert_num_queries
):
    _public_workshops_queries(client, EditionFactory(), 12, django_assert_num_queries)


# At the choice ---------------------------------------------------------------------


def test_choose_page_shows_each_workshops_summary_and_leaders(client):
    edition = EditionFactory()
    grid = workshop_grid(edition, blocks=2, per_block=2, n=2)
    workshop = grid[0][0].workshop
    workshop.summary = "How to read a suspicious activity report."
    workshop.save()
    workshop.facilitators.set(
        [
            SpeakerFactory(display_name="Dana Cole", organisation="NCA"),
            SpeakerFactory(display_name="Covert Name", may_be_named=False),
        ]
    )
    registration = RegistrationFactory(edition=edition)
    client.force_login(registration.user)

    html = page(client, reverse("workshops:choose", args=[registration.reference]))

    assert "How to read a suspicious activity report." in html
    assert "Dana Cole</a>, NCA" in html
    assert "Speaker to be confirmed" in html
    assert "Covert Name" not in html


def test_rank_page_shows_each_workshops_summary_and_leaders(client):
    edition = EditionFactory()
    grid = workshop_grid(
        edition, blocks=2, per_block=2, n=2, mode=WorkshopSettings.Mode.RANKED
    )
    workshop = grid[1][1].workshop
    workshop.summary = "A long summary " + "word " * 60 + "END-OF-SUMMARY"
    workshop.save()
    workshop.facilitators.set([SpeakerFactory(display_name="Lee Grant")])
    registration = RegistrationFactory(edition=edition)
    client.force_login(registration.user)

    html = page(client, reverse("workshops:rank", args=[registration.reference]))

    assert "END-OF-SUMMARY" in html  # the whole summary, not a teaser
    assert "Lee Grant" in html


def _uncached_queries(client, url) -> int:
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_edition_page_queries_do_not_grow_with_its_workshops(client):
    edition = EditionFactory()
    workshops_with_leaders(edition, count=1)
    pages = [
        edition.get_absolute_url(),
        reverse("events:speakers", args=[edition.slug]),
        workshops_url(edition),
    ]
    with_one = [_uncached_queries(client, url) for url in pages]

    workshops_with_leaders(edition, count=11, leaders=3)
    with_many = [_uncached_queries(client, url) for url in pages]

    assert with_many == with_one
    assert page(client, edition.get_absolute_url()).count("#workshop-") == 12
