"""The admin on django-unfold: the edition page in tabs with errors at the top, its
assets from our own origin, and the admin-only CSP allowance."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.accounts import StaffFactory
from tests.factories.events import AgendaSessionFactory, EditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def edition_form_data(edition, **changes) -> dict:
    local = timezone.localtime
    data = {
        "series": edition.series_id,
        "ordinal": edition.ordinal,
        "year": edition.year,
        "title": edition.title,
        "slug": edition.slug,
        "status": edition.status,
        "start_date": edition.start_date.isoformat(),
        "end_date": edition.end_date.isoformat(),
        "venue": edition.venue_id,
        "capacity": edition.capacity,
        "registration_opens_at_0": local(edition.registration_opens_at).date(),
        "registration_opens_at_1": local(edition.registration_opens_at).time(),
        "registration_closes_at_0": local(edition.registration_closes_at).date(),
        "registration_closes_at_1": local(edition.registration_closes_at).time(),
        "workshop_selection_closes_at_0": "",
        "workshop_selection_closes_at_1": "",
        "aim": edition.aim,
        "sessions-TOTAL_FORMS": 0,
        "sessions-INITIAL_FORMS": 0,
        "partners-TOTAL_FORMS": 0,
        "partners-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_edition_page_sections_and_inlines_are_tabs(organiser):
    edition = EditionFactory()
    AgendaSessionFactory(edition=edition)

    html = organiser.get(
        reverse("admin:events_edition_change", args=[edition.pk])
    ).content.decode()

    for tab in ("When and where", "Registration", "Text", "History"):
        assert re.search(rf"<a[^>]*>\s*{tab}\s*</a>", html), tab
    # The agenda and partners are tabs of their own, not rows under the form.
    assert re.search(r"Agenda sessions\s*</a>", html)
    assert re.search(r"Edition partners\s*</a>", html)


def test_edition_page_error_summary_above_the_form(organiser):
    edition = EditionFactory()

    response = organiser.post(
        reverse("admin:events_edition_change", args=[edition.pk]),
        edition_form_data(edition, capacity="", end_date="not a date"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    summary = html.index('id="error-summary"')
    assert summary < html.index('name="series"')
    block = html[summary : html.index("</div>", summary)]
    assert "Registration › Capacity" in block
    assert "When and where › End date" in block
    assert 'href="#id_capacity"' in block
    edition.refresh_from_db()
    assert edition.capacity == 400


def test_edition_page_no_summary_without_errors(organiser):
    edition = EditionFactory()

    html = organiser.get(
        reverse("admin:events_edition_change", args=[edition.pk])
    ).content.decode()

    assert 'id="error-summary"' not in html


def test_admin_pages_load_only_our_own_assets(organiser):
    html = organiser.get(reverse("admin:index")).content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources
    assert all(src.startswith("/static/") for src in sources), sources
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_admin_csp_allows_eval_for_alpine_but_no_inline(organiser):
    admin_csp = organiser.get(reverse("admin:index"))["Content-Security-Policy"]
    public_csp = organiser.get("/privacy/")["Content-Security-Policy"]

    assert "script-src 'self' 'unsafe-eval'" in admin_csp
    assert "unsafe-inline" not in admin_csp
    assert "unsafe-eval" not in public_csp
