"""The admin sidebar by the organisers' tasks: each role sees the links it may open,
and only those."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from socex import admin_nav
from socex.roles.definitions import CHECK_IN, ORGANISER, PROGRAMME, ROLES, VETTING
from tests.factories.accounts import UserFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db


def staff_in(role):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


def sidebar(user, path="/admin/"):
    request = RequestFactory().get(path)
    request.user = user
    return admin_nav.navigation(request)


def titles(groups) -> dict[str, list[str]]:
    return {
        str(group["title"]): [str(item["title"]) for item in group["items"]]
        for group in groups
    }


def test_navigation_vetting_sees_registrations_not_workshops_or_outbox():
    seen = titles(sidebar(staff_in(VETTING)))

    assert seen["Registrations and vetting"] == [
        "Pending vetting",
        "Waiting list",
        "All registrations",
        "Waiting-list positions",
        "Substitutions",
        "Trusted domains",
        "People",
        "Profiles",
    ]
    assert "Catering and access" not in seen["Registrations and vetting"]
    assert {"Workshops", "Messages", "Settings", "Badges and check-in"}.isdisjoint(seen)
    assert seen["This edition"] == ["Dashboard", "Editions"]


def test_navigation_check_in_sees_the_door_only():
    assert titles(sidebar(staff_in(CHECK_IN))) == {
        "This edition": ["Dashboard"],
        "Badges and check-in": ["Door check-in"],
    }


def test_navigation_groups_follow_the_organisers_tasks():
    seen = titles(sidebar(staff_in(ORGANISER)))

    assert list(seen) == [
        "This edition",
        "Registrations and vetting",
        "Workshops",
        "Speakers",
        "Badges and check-in",
        "Messages",
        "Settings",
    ]
    assert "Email outbox" in seen["Messages"]
    # Roles are read-only to organisers but listed; superusers' tools are not.
    assert "Roles" in seen["Settings"]


def test_navigation_leaves_out_a_page_no_app_provides():
    link = admin_nav.Link(
        "Messages", "admin:nothing_here_changelist", "x", None, optional=True
    )

    assert link.url() is None


def test_navigation_marks_the_filtered_list_active():
    path = reverse("admin:delegates_registration_changelist") + "?status__exact=pending"
    groups = sidebar(staff_in(VETTING), path)
    items = {str(i["title"]): i["active"] for g in groups for i in g["items"]}

    assert items["Pending vetting"] is True
    assert items["Waiting list"] is False
    assert items["Dashboard"] is False


@pytest.mark.parametrize("role", [*ROLES])
def test_navigation_every_link_shown_opens_for_that_role(client, role):
    EditionFactory()
    user = staff_in(role)
    client.force_login(user)

    for group in sidebar(user):
        for item in group["items"]:
            response = client.get(item["link"])
            assert response.status_code == 200, (role, item["link"])


@pytest.mark.parametrize("role", [VETTING, PROGRAMME])
def test_admin_page_renders_the_role_sidebar(client, role):
    client.force_login(staff_in(role))

    html = client.get(reverse("admin:index")).content.decode()

    assert ("Pending vetting" in html) == (role == VETTING)
    assert ("Time blocks" in html) == (role == PROGRAMME)
