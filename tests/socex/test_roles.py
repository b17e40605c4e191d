"""The staff groups: made by the data migration from socex/roles/definitions.py,
kept to it after every migrate and by ``manage.py sync_roles``, and least privilege
in what they hold."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from socex.roles.definitions import (
    CHECK_IN,
    ORGANISER,
    PROGRAMME,
    REVIEWER,
    ROLES,
    VETTING,
    VIEWER,
)
from socex.roles.services import resolve_role, roles_sync

pytestmark = pytest.mark.django_db

EXPORT = "delegates.export_registration"


def held(role: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def all_permissions() -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_every_role_holds_exactly_its_defined_permissions():
    available = all_permissions()

    for role, patterns in ROLES.items():
        assert held(role) == resolve_role(patterns, available)


def test_sync_roles_is_rerunnable_and_undoes_hand_edits():
    viewer = Group.objects.get(name=VIEWER)
    viewer.permissions.add(Permission.objects.get(codename="export_registration"))
    before = {role: held(role) for role in ROLES}

    out = io.StringIO()
    call_command("sync_roles", stdout=out)
    call_command("sync_roles", stdout=io.StringIO())

    assert EXPORT not in held(VIEWER)
    assert f"{CHECK_IN}: 1 permissions" in out.getvalue()
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)
    before[VIEWER].discard(EXPORT)
    assert {role: held(role) for role in ROLES} == before


def test_flush_then_post_migrate_brings_the_roles_back():
    from django.core.management.sql import emit_post_migrate_signal

    Group.objects.all().delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(Group.objects.values_list("name", flat=True)) == set(ROLES)
    assert held(CHECK_IN) == {"delegates.check_in"}


def test_sync_roles_leaves_other_groups_alone():
    press = Group.objects.create(name="Press office")
    press.permissions.add(Permission.objects.get(codename="view_speaker"))

    roles_sync()

    assert list(press.permissions.values_list("codename", flat=True)) == [
        "view_speaker"
    ]


def test_a_misspelt_permission_is_an_error_not_a_smaller_role(monkeypatch):
    monkeypatch.setattr("socex.roles.services.ROLES", {VIEWER: ("events.view_speakr",)})

    with pytest.raises(ImproperlyConfigured, match="events.view_speakr"):
        roles_sync()


def test_only_organisers_export_personal_data():
    exporting = {role for role in ROLES if EXPORT in held(role)}

    assert exporting == {ORGANISER}


def test_no_role_may_edit_groups_or_permissions():
    for role in ROLES:
        assert not {p for p in held(role) if p.startswith("auth.")} - {
            "auth.view_group"
        }


def test_reviewer_reads_and_scores_proposals_and_viewer_only_reads():
    assert all(".view_" in name for name in held(VIEWER))
    assert held(REVIEWER) == {
        "events.view_speaker",
        "events.view_agendasession",
        "events.view_sessionspeaker",
        "events.view_submission",
        "events.review_submission",
        "workshops.view_workshop",
        "workshops.view_workshopcall",
        "workshops.view_workshopproposal",
        "workshops.review_proposal",
    }
    assert "workshops.decide_proposal" not in held(REVIEWER)
    assert "workshops.decide_proposal" in held(ORGANISER)


def test_only_organisers_accept_speaker_items_and_export_speakers_needs():
    for permission in ("events.accept_submission", "events.export_submission"):
        assert {role for role in ROLES if permission in held(role)} == {ORGANISER}


def test_viewer_does_not_read_the_outbox():
    assert not {name for name in held(VIEWER) if name.startswith("mail.")}


def test_check_in_role_holds_the_door_only():
    assert held(CHECK_IN) == {"delegates.check_in"}


def test_vetting_decides_but_does_not_edit_or_export():
    vetting = held(VETTING)

    assert "delegates.approve_registration" in vetting
    assert {name.split(".")[1].split("_")[0] for name in vetting} <= {
        "view",
        "approve",
    }


def test_programme_runs_the_programme_but_not_people():
    programme = held(PROGRAMME)

    for needed in (
        "events.change_agendasession",
        "events.add_speaker",
        "events.change_venue",
        "events.change_room",
        "workshops.change_workshop",
        "workshops.add_workshoprun",
        "workshops.change_workshopsettings",
        "workshops.allocate",
    ):
        assert needed in programme
    assert not {name for name in programme if name.startswith("mail.")}
    for refused in (
        "delegates.view_registration",
        "delegates.view_profile",
        "delegates.approve_registration",
        "delegates.check_in",
        "events.delete_edition",
    ):
        assert refused not in programme
