import pytest
from django.urls import reverse
from django.utils import timezone

from delegates.models import Registration
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from tests.workshops.helpers import chosen
from workshops import services
from workshops.models import WorkshopPreference, WorkshopSettings

pytestmark = pytest.mark.django_db


def form_data(grid, pick=0):
    return {f"block-{block[0].block_id}": block[pick].pk for block in grid}


def test_choose_page_shows_places_and_disables_full(client, edition, registration):
    grid = workshop_grid(edition, capacity=1)
    other = RegistrationFactory(edition=edition)
    services.workshop_choices_set(
        registration=other, run_ids=[block[0].pk for block in grid]
    )
    client.force_login(registration.user)
    response = client.get(reverse("workshops:choose", args=[registration.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 place left" in html
    assert "Full" in html
    full_id = f'value="{grid[0][0].pk}"'
    tag = html[html.index(full_id) - 200 : html.index(full_id) + 200]
    assert "disabled" in tag


def test_choose_post_saves_and_redirects(
    client, grid, registration, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(registration.user)
    url = reverse("workshops:choose", args=[registration.reference])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(grid))
    assert response.status_code == 302
    assert response["Location"] == reverse("delegates:dashboard")
    assert chosen(registration) == sorted(block[0].pk for block in grid)
    assert any("workshops" in m.subject.lower() for m in mailoutbox)


def test_choose_post_too_few_is_400_and_changes_nothing(client, grid, registration):
    client.force_login(registration.user)
    data = form_data(grid)
    data.pop(next(iter(data)))
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]), data
    )
    assert response.status_code == 400
    assert "Choose exactly 4 workshops; you chose 3." in response.content.decode()
    assert chosen(registration) == []


def test_choose_post_run_under_wrong_block_is_400(client, grid, registration):
    client.force_login(registration.user)
    data = form_data(grid)
    data[f"block-{grid[1][0].block_id}"] = grid[0][1].pk
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]), data
    )
    assert response.status_code == 400
    assert chosen(registration) == []


def test_choose_post_garbage_is_400(client, grid, registration):
    client.force_login(registration.user)
    data = {key: "'; DROP TABLE x" for key in form_data(grid)}
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]), data
    )
    assert response.status_code == 400
    assert chosen(registration) == []


def test_choose_post_for_another_delegate_is_404(client, edition, grid, registration):
    intruder = RegistrationFactory(edition=edition)
    client.force_login(intruder.user)
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]), form_data(grid)
    )
    assert response.status_code == 404
    assert chosen(registration) == []
    assert chosen(intruder) == []


def test_choose_requires_login(client, grid, registration):
    url = reverse("workshops:choose", args=[registration.reference])
    response = client.post(url, form_data(grid))
    assert response.status_code == 302
    assert chosen(registration) == []


def test_choose_post_after_deadline_is_400(client, edition, grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    edition.workshop_selection_closes_at = edition.workshop_selection_closes_at.replace(
        year=2000
    )
    edition.save()
    client.force_login(registration.user)
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]),
        form_data(grid, pick=1),
    )
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert chosen(registration) == sorted(block[0].pk for block in grid)


def test_choose_post_unconfirmed_is_400(client, edition, grid):
    registration = RegistrationFactory(
        edition=edition, status=Registration.Status.WAITLISTED
    )
    client.force_login(registration.user)
    response = client.post(
        reverse("workshops:choose", args=[registration.reference]), form_data(grid)
    )
    assert response.status_code == 400
    assert "Only confirmed delegates" in response.content.decode()
    assert chosen(registration) == []


def test_choose_page_query_count_is_flat(
    client, edition, registration, django_assert_max_num_queries
):
    client.force_login(registration.user)
    url = reverse("workshops:choose", args=[registration.reference])
    workshop_grid(edition, blocks=1, per_block=1, n=1)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    workshop_grid(edition, blocks=6, per_block=4, n=1)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_rank_page_saves_ranking(client, edition, registration):
    grid = workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    client.force_login(registration.user)
    assert (
        client.get(
            reverse("workshops:choose", args=[registration.reference])
        ).status_code
        == 302
    )
    url = reverse("workshops:rank", args=[registration.reference])
    workshops = [run.workshop_id for block in grid for run in block]
    data = {f"rank-{pk}": i for i, pk in enumerate(workshops[:6], start=1)}
    response = client.post(url, data)
    assert response.status_code == 302
    ranks = list(
        WorkshopPreference.objects.filter(registration=registration)
        .order_by("rank")
        .values_list("workshop_id", flat=True)
    )
    assert ranks == workshops[:6]


def test_rank_page_duplicate_ranks_is_400(client, edition, registration):
    grid = workshop_grid(edition, mode=WorkshopSettings.Mode.RANKED)
    client.force_login(registration.user)
    workshops = [run.workshop_id for block in grid for run in block]
    data = {f"rank-{pk}": 1 for pk in workshops}
    response = client.post(
        reverse("workshops:rank", args=[registration.reference]), data
    )
    assert response.status_code == 400
    assert "different rank" in response.content.decode()
    assert not WorkshopPreference.objects.filter(registration=registration).exists()


def test_dashboard_lists_workshops_with_times_and_rooms(client, grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    client.force_login(registration.user)
    html = client.get(reverse("delegates:dashboard")).content.decode()
    for block in grid:
        assert block[0].workshop.title in html
        assert block[0].room.name in html
    start = grid[0][0].block.session.starts_at
    assert f"{timezone.localtime(start):%H:%M}" in html
    assert "Change my workshops" in html


def test_agenda_items_include_workshops(grid, registration):
    from delegates.signals import collect_agenda_items

    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    items = [
        item
        for _receiver, response in collect_agenda_items.send(
            sender=Registration, registration=registration
        )
        for item in response
    ]
    titles = [item["title"] for item in items]
    assert titles == [f"Workshop: {block[0].workshop.title}" for block in grid]
    assert set(items[0]) == {
        "starts_at",
        "ends_at",
        "title",
        "location",
        "description",
        "uid",
        "sequence",
    }
    assert grid[0][0].room.name in items[0]["location"]


def test_personal_ics_includes_workshops(client, grid, registration):
    services.workshop_choices_set(
        registration=registration, run_ids=[block[0].pk for block in grid]
    )
    client.force_login(registration.user)
    response = client.get(
        reverse("delegates:agenda_ics", args=[registration.reference])
    )
    assert response.status_code == 200
    body = response.content.decode().replace("\r\n ", "")
    for block in grid:
        assert f"Workshop: {block[0].workshop.title}" in body
    assert f"workshop-run-{grid[0][0].pk}-reg-{registration.pk}@socex" in body


@pytest.mark.django_db
def test_dashboard_asks_only_delegates_to_choose_workshops(client):
    edition = EditionFactory()
    workshop_grid(edition)
    speaker = RegistrationFactory(
        edition=edition, category=Registration.Category.SPEAKER
    )
    delegate = RegistrationFactory(edition=edition)
    client.force_login(speaker.user)
    assert (
        "Your workshops"
        not in client.get(reverse("delegates:dashboard")).content.decode()
    )
    client.force_login(delegate.user)
    content = client.get(reverse("delegates:dashboard")).content.decode()
    assert "You have not chosen your 4 workshops yet." in content
