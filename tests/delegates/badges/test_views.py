import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from delegates.badges import services
from delegates.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(make_registration, django_capture_on_commit_callbacks):
    registration = make_registration(badge_name="Rena Ready")
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_render(registration_id=registration.pk)
    return registration


def _url(registration):
    return reverse("badges:download", kwargs={"reference": registration.reference})


def test_badge_download_own_badge_is_a_pdf(client, ready):
    client.force_login(ready.user)

    response = client.get(_url(ready))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_badge_download_of_someone_else_is_404(client, ready, make_registration):
    other = make_registration()
    client.force_login(other.user)

    assert client.get(_url(ready)).status_code == 404
    assert client.get(_url(other)).status_code == 404  # own, not rendered yet


def test_badge_download_needs_login(client, ready):
    assert client.get(_url(ready)).status_code == 302


def test_badge_download_after_cancellation_is_404(client, ready):
    Registration.objects.filter(pk=ready.pk).update(
        status=Registration.Status.CANCELLED
    )
    client.force_login(ready.user)

    assert client.get(_url(ready)).status_code == 404


def test_dashboard_badge_panel_links_when_ready(ready, make_registration):
    waiting = make_registration()

    html = render_to_string(
        "delegates/badges/_dashboard_badge.html",
        {"registration": Registration.objects.get(pk=ready.pk)},
    )
    pending = render_to_string(
        "delegates/badges/_dashboard_badge.html", {"registration": waiting}
    )

    assert _url(ready) in html
    assert "being prepared" in pending


def test_dashboard_badge_panel_silent_for_waitlisted(make_registration):
    waiting = make_registration(status=Registration.Status.WAITLISTED)

    html = render_to_string(
        "delegates/badges/_dashboard_badge.html", {"registration": waiting}
    )

    assert "badge" not in html.lower()
