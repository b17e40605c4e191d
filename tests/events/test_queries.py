"""No N+1: each page runs the same, small number of queries with 1 and 60 sessions."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Edition
from tests.factories.accounts import StaffFactory
from tests.factories.events import edition_with_programme

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = {
    "home": lambda e: reverse("events:home"),
    "edition": lambda e: reverse("events:edition", args=[e.slug]),
    "agenda": lambda e: reverse("events:agenda", args=[e.slug]),
    "speakers": lambda e: reverse("events:speakers", args=[e.slug]),
    "ics": lambda e: reverse("events:edition_ics", args=[e.slug]),
}
ADMIN_PAGES = {
    "editions": lambda e: reverse("admin:events_edition_changelist"),
    "sessions": lambda e: reverse("admin:events_agendasession_changelist"),
    "speakers": lambda e: reverse("admin:events_speaker_changelist"),
    "edition form": lambda e: reverse("admin:events_edition_change", args=[e.pk]),
    "venues": lambda e: reverse("admin:events_venue_changelist"),
}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _editions(sessions: int) -> Edition:
    return edition_with_programme(
        sessions=sessions, speakers=min(sessions, 30), partners=min(sessions, 10)
    )


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("sessions", [1, 60])
def test_public_page_queries_are_bounded(
    client, page, sessions, django_assert_max_num_queries
):
    edition = _editions(sessions)
    # 9: the edition page also counts its places for the honest register button.
    with django_assert_max_num_queries(9):
        response = client.get(PUBLIC_PAGES[page](edition))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_page_queries_do_not_grow_with_sessions(client, page):
    small = _editions(1)
    large = _editions(60)
    counts = []
    for edition in (small, large):
        cache.clear()  # count the rendering, not the cached copy
        counts.append(_count(client, PUBLIC_PAGES[page](edition)))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("sessions", [1, 60])
def test_admin_page_queries_are_bounded(
    client, page, sessions, django_assert_max_num_queries
):
    edition = _editions(sessions)
    client.force_login(StaffFactory(is_superuser=True))
    with django_assert_max_num_queries(16):
        response = client.get(ADMIN_PAGES[page](edition))
    assert response.status_code == 200


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_page_queries_do_not_grow_with_sessions(client, page):
    client.force_login(StaffFactory(is_superuser=True))
    counts = [_count(client, ADMIN_PAGES[page](_editions(1)))]
    Edition.objects.all().delete()
    counts.append(_count(client, ADMIN_PAGES[page](_editions(60))))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_page_queries_for_signed_in_user_are_bounded(
    client, page, django_assert_max_num_queries
):
    edition = _editions(60)
    client.force_login(StaffFactory())
    with django_assert_max_num_queries(11):
        response = client.get(PUBLIC_PAGES[page](edition))
    assert response.status_code == 200


@pytest.mark.parametrize("with_venue", [True, False])
def test_edition_get_not_draft_is_select_relateds_edition_in_one_query(
    with_venue, django_assert_num_queries
):
    from django.http import Http404

    from events.selectors import edition_get_not_draft
    from tests.factories.events import EditionFactory

    edition = EditionFactory(**({} if with_venue else {"venue": None}))
    expected = Edition.objects.select_related("series", "venue").get(pk=edition.pk)

    with django_assert_num_queries(1):
        got = edition_get_not_draft(slug=edition.slug)
        series, venue = got.series, got.venue  # no query of their own

    fields = [field.attname for field in Edition._meta.concrete_fields]
    assert [getattr(got, name) for name in fields] == [
        getattr(expected, name) for name in fields
    ]
    assert series.__dict__.keys() >= {"id", "name", "code"}
    assert series.pk == expected.series.pk and series.code == expected.series.code
    assert (venue and venue.pk) == (expected.venue and expected.venue.pk)
    edition.status = Edition.Status.DRAFT
    edition.save()
    with pytest.raises(Http404):
        edition_get_not_draft(slug=edition.slug)
    with pytest.raises(Http404):
        edition_get_not_draft(slug="no-such-edition")
