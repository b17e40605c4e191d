import pytest
from django.urls import reverse

from delegates.badges import services
from delegates.badges.models import Badge, BadgePrintJob
from delegates.models import Registration

pytestmark = pytest.mark.django_db


def test_admin_print_action_on_selected_registrations(
    client, organiser, make_registration, django_capture_on_commit_callbacks
):
    chosen = [make_registration() for _ in range(3)]
    make_registration()
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:delegates_registration_changelist"),
            {
                "action": "print_badges_sheet",
                "_selected_action": [r.pk for r in chosen],
            },
            follow=True,
        )

    job = BadgePrintJob.objects.get()
    assert response.status_code == 200
    assert job.layout == BadgePrintJob.Layout.SHEET
    assert sorted(job.selection) == sorted(r.pk for r in chosen)
    assert job.status == BadgePrintJob.Status.READY
    page = client.get(reverse("admin:delegates_badgeprintjob_change", args=[job.pk]))
    assert "Download the PDF" in page.content.decode()


def test_admin_print_action_on_edition_prints_all_confirmed(
    client,
    organiser,
    badge_edition,
    make_registration,
    django_capture_on_commit_callbacks,
):
    make_registration()
    make_registration()
    make_registration(status=Registration.Status.WAITLISTED)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:events_edition_changelist"),
            {"action": "print_badges_single", "_selected_action": [badge_edition.pk]},
        )

    assert BadgePrintJob.objects.get().total == 2


def test_admin_print_page_queues_job_and_shows_progress(
    client, organiser, badge_edition, make_registration
):
    make_registration()
    client.force_login(organiser)
    url = reverse("admin:delegates_badgeprintjob_print")

    assert client.get(url).status_code == 200
    response = client.post(url, {"edition": badge_edition.pk, "layout": "single"})

    job = BadgePrintJob.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("admin:delegates_badgeprintjob_change", args=[job.pk]))
    assert 'http-equiv="refresh"' in page.content.decode()
    assert "0 / 1" in page.content.decode()


def test_admin_print_page_with_nothing_to_print_says_why(
    client, organiser, badge_edition
):
    client.force_login(organiser)

    response = client.post(
        reverse("admin:delegates_badgeprintjob_print"),
        {"edition": badge_edition.pk, "layout": "single"},
    )

    assert "no confirmed registration" in response.content.decode()
    assert not BadgePrintJob.objects.exists()


@pytest.mark.parametrize("jobs", [1, 6])
def test_admin_print_job_list_queries(
    client, organiser, badge_edition, django_assert_max_num_queries, jobs
):
    for _ in range(jobs):
        BadgePrintJob.objects.create(
            edition=badge_edition, total=1, created_by=organiser
        )
    client.force_login(organiser)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:delegates_badgeprintjob_changelist"))

    assert response.status_code == 200


def test_admin_render_again_makes_ready_badges_anew(
    client, organiser, make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.badge_render(registration_id=registration.pk) == "rendered"
    badge = Badge.objects.get(registration=registration)
    first = badge.rendered_at
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:delegates_badge_changelist"),
            {"action": "render_again", "_selected_action": [badge.pk]},
            follow=True,
        )
    assert "1 badges queued." in response.content.decode()
    badge.refresh_from_db()
    assert badge.status == Badge.Status.READY
    assert badge.rendered_at > first
