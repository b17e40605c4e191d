"""The admin home's edition cards and the edition dashboard page: who may open them,
what they show, and a query count that does not grow with the delegates."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.badges.models import CheckIn
from delegates.models import Registration
from socex.roles.definitions import CHECK_IN, REVIEWER, VETTING
from tests.factories.accounts import UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid

from .conftest import at

pytestmark = pytest.mark.django_db


def staff_in(role):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


def dashboard_url(edition_id) -> str:
    return reverse("edition_dashboard", args=[edition_id])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_dashboard_shows_the_known_figures(client, organiser, known_edition):
    client.force_login(organiser)

    response = client.get(dashboard_url(known_edition.pk))

    assert response.status_code == 200
    board = response.context["board"]
    assert (board.counts.confirmed, board.counts.pending, board.checked_in) == (3, 2, 3)
    text = text_of(response)
    assert "Known Conference" in text
    assert "7 places left" in text
    # Each chart is an SVG with its numbers in a table beside it.
    assert text.count("<svg") == 4
    assert text.count("<table") == 4
    assert "<caption>Delegates checked in each hour</caption>" in text
    assert "Opening keynote" in text and "Alex Unprepared: no biography" in text
    pending_list = (
        reverse("admin:delegates_registration_changelist")
        + f"?edition__id__exact={known_edition.pk}&amp;status__exact=pending"
    )
    assert pending_list in text


def test_dashboard_vetting_role_sees_figures_without_links_it_cannot_open(
    client, known_edition
):
    client.force_login(staff_in(VETTING))

    response = client.get(dashboard_url(known_edition.pk))

    assert response.status_code == 200
    text = text_of(response)
    assert reverse("admin:events_edition_change", args=[known_edition.pk]) not in text
    assert reverse("admin:workshops_workshoprun_changelist") not in text
    assert reverse("admin:events_speaker_changelist") not in text


@pytest.mark.parametrize("role", [CHECK_IN, REVIEWER])
def test_dashboard_refused_to_roles_without_edition_view(client, known_edition, role):
    client.force_login(staff_in(role))

    assert client.get(dashboard_url(known_edition.pk)).status_code == 403


def test_dashboard_anonymous_is_sent_to_log_in(client, known_edition):
    response = client.get(dashboard_url(known_edition.pk))

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("edition_id", [987654, 2**63, 10**30])
def test_dashboard_unknown_or_forged_edition_is_404(client, organiser, edition_id):
    client.force_login(organiser)

    assert client.get(dashboard_url(edition_id)).status_code == 404


def test_admin_index_shows_current_edition_cards(client, organiser, known_edition):
    client.force_login(organiser)

    response = client.get(reverse("admin:index"))

    text = text_of(response)
    assert response.status_code == 200
    assert "Current editions" in text
    assert dashboard_url(known_edition.pk) in text
    assert "3 / 10" in text


def test_admin_index_no_cards_without_edition_view(client, known_edition):
    client.force_login(staff_in(CHECK_IN))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Current editions" not in text_of(response)


def add_delegates(edition, delegates: int) -> None:
    """``delegates`` more confirmed delegates, each checked in."""
    for index in range(delegates):
        registration = RegistrationFactory(edition=edition)
        CheckIn.objects.create(
            registration=registration,
            checked_in_at=at(edition, 0, 8 + index % 4, index % 60),
        )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("which", ["dashboard", "index"])
def test_dashboard_query_count_same_for_1_and_400_delegates(client, organiser, which):
    client.force_login(organiser)
    edition = EditionFactory(capacity=500)
    workshop_grid(edition, blocks=1, per_block=2, capacity=500)
    RegistrationFactory(edition=edition, status=Registration.Status.PENDING)
    add_delegates(edition, 1)
    url = dashboard_url(edition.pk) if which == "dashboard" else reverse("admin:index")
    client.get(url)  # the session's first request writes its activity
    one = queries_for(client, url)

    add_delegates(edition, 399)
    assert Registration.objects.filter(edition=edition).count() == 401
    many = queries_for(client, url)

    assert one == many
    assert many <= 25
