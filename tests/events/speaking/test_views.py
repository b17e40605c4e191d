"""The speaker portal: only one's own items, locks with a message, uploads checked."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from delegates.badges.models import CheckIn
from events.models import AgendaSession, Submission
from events.speaking import services
from events.speaking.models import SubmissionInvitation
from socex.roles.definitions import ORGANISER, PROGRAMME, REVIEWER, VIEWER
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import RegistrationFactory
from tests.socex.test_uploads import REFUSED, _gps_jpeg

from .conftest import DETAILS, token_sent_to

pytestmark = pytest.mark.django_db

FORM = {
    **DETAILS,
    "needs_projector": "on",
    "microphones": "2",
    "av_notes": "",
    "accessibility_notes": "",
    "arrival_date": "",
    "dietary_needs": "Vegetarian",
    "access_needs": "",
}


def _pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter  # noqa: PLC0415 - only these tests build PDFs

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_portal_lists_only_my_items(client, make_item):
    mine, me = make_item()
    other_session = AgendaSession.objects.create(
        edition=mine.edition,
        kind=AgendaSession.Kind.PANEL,
        title="Someone else's panel",
        starts_at=mine.session.ends_at,
        ends_at=mine.session.ends_at + dt.timedelta(hours=1),
    )
    make_item(session=other_session)
    client.force_login(me)

    page = client.get(reverse("speak:portal")).content.decode()

    assert mine.working_title in page
    assert "Someone else&#x27;s panel" not in page


def test_another_speakers_item_is_404(client, make_item):
    theirs, _them = make_item()
    client.force_login(UserFactory())

    assert client.get(reverse("speak:item", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("speak:item", args=[theirs.pk]), FORM)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title != DETAILS["title"]
    for name in ("speak:confirm", "speak:withdraw", "speak:slides_upload"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, make_item):
    item, _user = make_item()
    response = client.get(reverse("speak:item", args=[item.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_speaker_saves_and_submits(client, make_item):
    item, user = make_item()
    client.force_login(user)

    response = client.post(
        reverse("speak:item", args=[item.pk]), {**FORM, "submit": "1"}
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == Submission.State.SUBMITTED
    assert item.microphones == 2
    assert item.speaker_links.get().dietary_needs == "Vegetarian"


def test_overlong_abstract_is_refused_on_the_server(client, make_item):
    item, user = make_item()
    client.force_login(user)

    response = client.post(
        reverse("speak:item", args=[item.pk]), {**FORM, "abstract": "x" * 2501}
    )

    assert response.status_code == 400
    item.refresh_from_db()
    assert item.abstract == ""


def test_co_presenters_share_the_item(client, make_item):
    item, lead = make_item()
    client.force_login(lead)
    client.post(
        reverse("speak:copresenter_invite", args=[item.pk]),
        {"name": "Co Presenter", "email": "co@police.uk"},
    )
    co = UserFactory(email="co@police.uk")
    client.force_login(co)
    token = token_sent_to("co@police.uk")
    response = client.post(reverse("speak:invitation", args=[token]))
    assert response.status_code == 302

    assert client.get(reverse("speak:item", args=[item.pk])).status_code == 200
    client.post(reverse("speak:item", args=[item.pk]), {**FORM, "title": "Shared"})
    item.refresh_from_db()
    assert item.title == "Shared"


def test_locked_item_refuses_edits_with_a_message_and_reopened_accepts(
    client, submitted
):
    item, user = submitted
    services.submission_accept(submission=item, actor=None)
    client.force_login(user)

    response = client.post(
        reverse("speak:item", args=[item.pk]), {**FORM, "title": "Late"}, follow=True
    )
    assert "accepted and are now locked" in response.content.decode()
    item.refresh_from_db()
    assert item.title == DETAILS["title"]

    services.submission_reopen(submission=item, actor=None)
    client.post(reverse("speak:item", args=[item.pk]), {**FORM, "title": "Later"})
    item.refresh_from_db()
    assert item.title == "Later"


@pytest.mark.parametrize("status", ["expired", "revoked", "used", "unknown"])
def test_unusable_invitation_link_says_so(client, session, status):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    invitation = services.invitation_create(
        submission=submission, name="Jo", email="jo@police.uk"
    )
    token = token_sent_to("jo@police.uk")
    if status == "expired":
        SubmissionInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now()
        )
    elif status == "revoked":
        services.invitation_revoke(invitation=invitation)
    elif status == "used":
        services.invitation_claim(token=token, user=UserFactory())
    else:
        token = "A" * 43
    client.force_login(UserFactory())

    response = client.post(reverse("speak:invitation", args=[token]))

    assert response.status_code == 410
    page = response.content.decode()
    assert "cannot be used" in page
    assert submission.speaker_links.count() == (1 if status == "used" else 0)


def test_invitation_link_asks_a_visitor_to_sign_in_or_up(client, session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    services.invitation_create(submission=submission, name="Jo", email="v@police.uk")
    url = reverse("speak:invitation", args=[token_sent_to("v@police.uk")])

    page = client.get(url).content.decode()
    client.post(url)

    assert "Sign up" in page and "next=" in page
    assert not submission.speaker_links.exists()


def test_invitation_page_warns_an_account_of_another_address(client, session):
    submission = services.submission_create(
        edition=session.edition, kind="plenary", session=session, working_title="T"
    )
    services.invitation_create(submission=submission, name="Jo", email="v@police.uk")
    url = reverse("speak:invitation", args=[token_sent_to("v@police.uk")])

    client.force_login(UserFactory(email="V@police.uk"))
    own = client.get(url).content.decode()
    client.force_login(UserFactory(email="other@police.uk"))
    other = client.get(url).content.decode()

    assert "sent to another email address" not in own
    assert "sent to another email address" in other
    assert "v@police.uk" not in other  # the page does not tell whom it was for


def test_malformed_token_is_404(client):
    assert client.get("/speak/invitations/%00abc/").status_code == 404


def test_profile_photo_loses_gps_and_is_square(client, make_item):
    _item, user = make_item()
    client.force_login(user)
    photo = SimpleUploadedFile("me.jpg", _gps_jpeg(), content_type="image/jpeg")

    response = client.post(
        reverse("speak:profile"),
        {"display_name": "Jo Bloggs", "may_be_named": "on", "photo": photo},
    )

    assert response.status_code == 302
    user.speaker.refresh_from_db()
    with user.speaker.photo.open("rb") as fh, Image.open(fh) as image:
        assert image.width == image.height
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize("label", REFUSED)
def test_profile_refuses_hostile_photos(client, make_item, label):
    _item, user = make_item()
    client.force_login(user)
    name, content = REFUSED[label]

    response = client.post(
        reverse("speak:profile"),
        {"display_name": "Jo", "photo": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 400
    user.speaker.refresh_from_db()
    assert not user.speaker.photo
    assert user.speaker.display_name == "Jo Bloggs"


SLIDES_REFUSED = {
    "a JPEG renamed .pdf": ("slides.pdf", REFUSED["a 6 MB JPEG"][1][:2000]),
    "an HTML page renamed .pdf": (
        "slides.pdf",
        REFUSED["an HTML page renamed .png"][1],
    ),
    "a PDF header with garbage": ("slides.pdf", b"%PDF-1.7\n" + b"\0" * 200),
    "an empty file": ("slides.pdf", b""),
}


@pytest.mark.parametrize("label", SLIDES_REFUSED)
def test_slides_refuse_what_is_not_a_pdf(client, submitted, label):
    item, user = submitted
    services.submission_accept(submission=item, actor=None)
    client.force_login(user)
    name, content = SLIDES_REFUSED[label]

    response = client.post(
        reverse("speak:slides_upload", args=[item.pk]),
        {"slides": SimpleUploadedFile(name, content)},
        follow=True,
    )

    assert "Upload your slides as one PDF" in response.content.decode()
    item.refresh_from_db()
    assert not item.slides


def test_slides_too_large_are_refused(client, submitted, settings):
    settings.SLIDES_MAX_BYTES = 500
    item, user = submitted
    services.submission_accept(submission=item, actor=None)
    client.force_login(user)
    client.post(
        reverse("speak:slides_upload", args=[item.pk]),
        {"slides": SimpleUploadedFile("s.pdf", _pdf(pages=5))},
    )
    item.refresh_from_db()
    assert not item.slides


def test_slides_are_private_and_shared_only_as_agreed(client, submitted, settings):
    item, speaker_user = submitted
    services.submission_accept(submission=item, actor=None)
    client.force_login(speaker_user)
    client.post(
        reverse("speak:slides_upload", args=[item.pk]),
        {"slides": SimpleUploadedFile("s.pdf", _pdf())},
    )
    item.refresh_from_db()
    assert item.slides
    assert str(settings.MEDIA_ROOT) not in item.slides.path
    url = reverse("speak:slides", args=[item.pk])
    assert client.get(url).status_code == 200  # the speaker

    delegate = RegistrationFactory(edition=item.edition)
    client.force_login(delegate.user)
    assert client.get(url).status_code == 404  # not checked in, session not over
    CheckIn.objects.create(registration=delegate, checked_in_at=timezone.now())
    AgendaSession.objects.filter(pk=item.session_id).update(
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert client.get(url).status_code == 404  # the speaker did not consent
    Submission.objects.filter(pk=item.pk).update(consent_slides=True)
    item.accepted_version.consent_slides = True
    item.accepted_version.save()
    assert client.get(url).status_code == 200

    client.force_login(UserFactory())  # not at the edition
    assert client.get(url).status_code == 404

    Submission.objects.filter(pk=item.pk).update(consent_slides=False)
    client.force_login(StaffFactory())  # organisers always
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "role, status", [(REVIEWER, 404), (VIEWER, 404), (PROGRAMME, 200), (ORGANISER, 200)]
)
def test_slides_for_staff_only_with_the_right_to_change_items(
    client, submitted, role, status
):
    """Reviewers and read-only staff may view an item, not take its slides."""
    item, speaker_user = submitted
    services.submission_accept(submission=item, actor=None)
    client.force_login(speaker_user)
    client.post(
        reverse("speak:slides_upload", args=[item.pk]),
        {"slides": SimpleUploadedFile("s.pdf", _pdf())},
    )
    staff = UserFactory(is_staff=True)
    staff.groups.set([Group.objects.get(name=role)])
    client.force_login(staff)

    response = client.get(reverse("speak:slides", args=[item.pk]))

    assert response.status_code == status
    admin_page = client.get(reverse("admin:events_submission_change", args=[item.pk]))
    assert ("Download the slides" in admin_page.content.decode()) == (status == 200)


@pytest.mark.parametrize("count", [1, 8])
def test_portal_query_count_does_not_grow_with_items(
    client, make_items, count, django_assert_max_num_queries
):
    user = UserFactory()
    make_items(count, user)
    client.force_login(user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("speak:portal"))

    assert response.content.decode().count('class="card mb-3 speaker-item"') == count
