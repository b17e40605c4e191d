"""The shared shape of rendered files (``socex.artifacts``): each model keeps the
status values its rows hold, and every render is recorded the same way."""

import pytest

from delegates.badges.models import Badge, BadgePrintJob
from socex.artifacts import artifact_render, render_status
from tests.factories.delegates import RegistrationFactory
from tests.factories.events import EditionFactory
from tests.factories.workshops import workshop_grid
from workshops import services as workshop_services
from workshops.models import SignInSheet

pytestmark = pytest.mark.django_db


def _badge() -> Badge:
    return Badge.objects.create(registration=RegistrationFactory(), key="k" * 32)


def _broken() -> bytes:
    raise OSError("no such font: Inter")


def test_rendered_files_keep_the_status_values_their_rows_hold():
    assert Badge.Status.values == ["pending", "rendering", "ready", "failed"]
    assert BadgePrintJob.Status.values == ["queued", "running", "done", "failed"]
    assert SignInSheet.Status.values == ["queued", "rendering", "ready", "failed"]
    assert Badge._meta.get_field("status").default == "pending"
    assert BadgePrintJob._meta.get_field("status").default == "queued"


def test_render_status_refuses_a_name_outside_the_four():
    with pytest.raises(TypeError, match="No such status: DONE"):
        render_status(DONE=("done", "Done"))


def test_artifact_render_stores_the_file_and_marks_ready():
    badge = _badge()

    pdf = artifact_render(
        badge, render=lambda: b"%PDF-1.7 x", name="e/ref.pdf", content_hash="abc"
    )

    badge.refresh_from_db()
    assert pdf == b"%PDF-1.7 x"
    assert (badge.status, badge.error, badge.attempts) == ("ready", "", 1)
    assert (badge.file.name, badge.content_hash) == ("badges/e/ref.pdf", "abc")
    assert badge.rendered_at is not None
    assert badge.file.read() == b"%PDF-1.7 x"


def test_artifact_render_failure_keeps_the_row_and_the_error():
    badge = _badge()
    artifact_render(badge, render=lambda: b"%PDF-1.7 first", name="e/first.pdf")

    pdf = artifact_render(badge, render=_broken, name="e/second.pdf")

    badge.refresh_from_db()
    assert pdf is None
    assert (badge.status, badge.attempts) == ("failed", 2)
    assert badge.error == "OSError: no such font: Inter"
    assert badge.file.name == "badges/e/first.pdf"  # the last good file stays


def test_artifact_render_failure_leaves_a_newer_state_alone():
    edition = EditionFactory()
    job = BadgePrintJob.objects.create(
        edition=edition, status=BadgePrintJob.Status.FAILED, error="first chunk"
    )

    artifact_render(job, render=_broken, start=False)

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "first chunk")


def test_sign_in_sheet_render_replaces_its_file(django_capture_on_commit_callbacks):
    run = workshop_grid(EditionFactory())[0][0]
    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.sign_in_sheet_request(run=run)
    first = SignInSheet.objects.get(run=run)

    workshop_services.sign_in_sheet_render(run_id=run.pk)

    sheet = SignInSheet.objects.get(run=run)
    assert (sheet.status, sheet.attempts) == (SignInSheet.Status.READY, 2)
    assert (
        sheet.file.name
        == first.file.name
        == f"workshops/sheets/sign-in-run-{run.pk}.pdf"
    )
    assert sheet.rendered_at > first.rendered_at


def test_sign_in_sheet_failure_is_kept_on_the_sheet(settings, tmp_path):
    # A template that no longer compiles, found before the real one.
    (tmp_path / "workshops").mkdir()
    (tmp_path / "workshops" / "sign_in_sheet.html").write_text("{% if %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
        *settings.TEMPLATES[1:],
    ]
    run = workshop_grid(EditionFactory())[0][0]

    sheet = workshop_services.sign_in_sheet_render(run_id=run.pk)

    sheet.refresh_from_db()
    assert (sheet.status, sheet.attempts, sheet.file.name) == ("failed", 1, "")
    assert sheet.error.startswith("TemplateSyntaxError:")
