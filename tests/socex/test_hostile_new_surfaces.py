"""Hostile input against the speaker portal, invitations, slides, speakers' photos,
workshop proposals, substitution links and messages to delegates: a forged, replayed,
oversized or cross-site request changes nothing and is answered 400/403/404/405/410,
never 500; secrets stay out of what staff can open and out of the logs."""

import datetime as dt
import io
import logging
import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from delegates import services as delegate_services
from delegates.messages import services as message_services
from delegates.messages.digest import agenda_digests_send
from delegates.messages.models import Message
from delegates.models import Substitution
from delegates.services.substitutions import DELEGATE_NOMINATIONS_MAX
from events.models import Submission
from events.speaking import services
from events.speaking.models import SubmissionInvitation
from events.speaking.services.invitations import (
    COPRESENTER_OPEN_MAX,
    COPRESENTER_TOTAL_MAX,
)
from events.speaking.slides import SLIDES_MAX_PAGES, slides_clean
from socex.log_filters import RedactSecretsFilter
from socex.mail import crypto
from socex.mail.models import OutboxEmail
from tests.events.speaking.conftest import DETAILS, token_sent_to
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    RoomFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    VenueFactory,
)
from tests.factories.workshops import (
    WorkshopCallFactory,
    WorkshopProposalFactory,
    WorkshopRunFactory,
)
from workshops.models import ProposalReview, WorkshopProposal
from workshops.services.proposals import CO_LEADERS_TEXT_MAX, co_leaders_parse

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
SUB_LINK = re.compile(r"/my/substitution/([-A-Za-z0-9_]{43})/")


# Fixtures --------------------------------------------------------------------------


@pytest.fixture
def edition(db):
    edition = EditionFactory(capacity=5, title="Economic Crime 2027")
    TrustedDomainFactory(edition=edition, domain="police.uk")
    return edition


def _item(edition, user=None, *, email=None):
    """An item of ``edition`` claimed by ``user`` (a new one unless given)."""
    session = AgendaSessionFactory(edition=edition)
    submission = services.submission_create(
        edition=edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )
    user = user or UserFactory()
    services.invitation_create(
        submission=submission, name="Jo Bloggs", email=email or user.email
    )
    token = token_sent_to(email or user.email)
    return services.invitation_claim(token=token, user=user), user


def _pdf(
    *,
    javascript: str = "",
    launch: bool = False,
    on_page: bool = False,
    compress: bool = False,
    attachment: bool = False,
    link: bool = False,
    declared_pages: int = 0,
    pages: int = 1,
) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    action = None
    if javascript:
        action = {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(javascript),
        }
    if launch:
        action = {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    if action:
        # An indirect object, as a real one is, so it may sit in an object stream.
        ref = writer._add_object(DictionaryObject(action))
        target = writer.pages[-1] if on_page else writer._root_object
        key = "/AA" if on_page else "/OpenAction"
        value = DictionaryObject({NameObject("/O"): ref}) if on_page else ref
        target[NameObject(key)] = value
    if attachment:
        writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    if link:
        writer.add_annotation(
            page_number=0,
            annotation=Link(rect=(10, 10, 100, 30), url="https://socex.example/"),
        )
    if compress:
        writer.compress_identical_objects()
    if declared_pages:
        writer._root_object["/Pages"][NameObject("/Count")] = NumberObject(
            declared_pages
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _cyclic_pdf() -> bytes:
    """A page tree whose one kid is the tree itself."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _nominate(registration, email, capture):
    with capture(execute=True):
        delegate_services.substitution_nominate(
            registration=registration,
            email=email,
            pass_workshops=False,
            actor=registration.user,
        )
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return SUB_LINK.search(message.body).group(1)


def _confirmed(edition, email):
    user = UserFactory(email=email, verified=True)
    ProfileFactory(user=user)
    return delegate_services.registration_create(
        edition=edition, user=user, consent_terms=True
    )


# Integer ids too large for the database, on every URL of the project -----------------


def _int_routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from _int_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry.pattern, RoutePattern) and "<int:" in str(entry.pattern):
            assert isinstance(entry, URLPattern)
            yield prefix + str(entry.pattern)


INT_ROUTES = list(_int_routes(get_resolver().url_patterns))


def _filled(route: str, number: str) -> str:
    path = re.sub(r"<int:\w+>", number, route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "ECC27-0001", path)


def test_int_routes_include_the_new_surfaces():
    assert "speak/items/<int:pk>/slides.pdf" in INT_ROUTES
    assert "workshops/proposals/<int:pk>/" in INT_ROUTES
    assert "admin/editions/<int:edition_id>/dashboard/" in INT_ROUTES


@pytest.mark.parametrize("digits", [30, 5000])
@pytest.mark.parametrize("who", ["anonymous", "delegate", "staff"])
def test_ids_too_large_for_the_database_are_not_found(client, who, digits):
    if who != "anonymous":
        client.force_login(UserFactory() if who == "delegate" else StaffFactory())
    client.raise_request_exception = False
    answers = {}
    for route in INT_ROUTES:
        path = _filled(route, "9" * digits)
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            if status not in (302, 400, 403, 404, 405):
                answers[f"{method} {route}"] = status
    assert answers == {}


# The speaker portal: another person's item, GET on POST-only, CSRF ------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("speak:item", "get"),
        ("speak:item", "post"),
        ("speak:confirm", "post"),
        ("speak:withdraw", "get"),
        ("speak:withdraw", "post"),
        ("speak:slides_upload", "post"),
        ("speak:slides", "get"),
        ("speak:copresenter_invite", "post"),
    ],
)
def test_another_speakers_item_is_not_found_and_unchanged(
    client, edition, name, method
):
    item, _owner = _item(edition)
    intruder_item, intruder = _item(edition)
    client.force_login(intruder)
    before = (item.state, item.title, item.speaker_links.count())

    data = {"title": "Hijacked", "reason": "x", "name": "Eve", "email": "e@x.uk"}
    response = getattr(client, method)(reverse(name, args=[item.pk]), data)

    assert response.status_code == 404
    item.refresh_from_db()
    assert (item.state, item.title, item.speaker_links.count()) == before
    assert not SubmissionInvitation.objects.filter(email="e@x.uk").exists()


@pytest.mark.parametrize(
    "name", ["speak:confirm", "speak:slides_upload", "speak:copresenter_invite"]
)
def test_get_on_a_post_only_portal_action_is_refused(client, edition, name):
    item, user = _item(edition)
    client.force_login(user)
    invitations = SubmissionInvitation.objects.count()

    response = client.get(reverse(name, args=[item.pk]))

    assert response.status_code == 405
    assert SubmissionInvitation.objects.count() == invitations


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("speak:item", {**DETAILS, "submit": "1"}),
        ("speak:withdraw", {"reason": "CSRF"}),
        ("speak:copresenter_invite", {"name": "Eve", "email": "eve@example.com"}),
    ],
)
def test_portal_post_without_a_csrf_token_is_forbidden(edition, name, data):
    item, user = _item(edition)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse(name, args=[item.pk]), data)

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == Submission.State.DRAFT
    assert not item.title or item.title != DETAILS["title"]
    assert not SubmissionInvitation.objects.filter(email="eve@example.com").exists()


@pytest.mark.parametrize(
    "field", ["title", "summary", "abstract", "av_notes", "dietary_needs"]
)
def test_portal_overlong_field_is_refused_and_nothing_saved(client, edition, field):
    item, user = _item(edition)
    client.force_login(user)
    data = {**DETAILS, "microphones": "1", field: "x" * 100_000}

    response = client.post(reverse("speak:item", args=[item.pk]), data)

    assert response.status_code == 400
    item.refresh_from_db()
    assert item.summary != DETAILS["summary"]


def test_portal_nul_byte_in_a_field_is_refused(client, edition):
    item, user = _item(edition)
    client.force_login(user)

    response = client.post(
        reverse("speak:item", args=[item.pk]),
        {**DETAILS, "title": "Follow\x00the money", "microphones": "1"},
    )

    assert response.status_code == 400
    item.refresh_from_db()
    assert "\x00" not in item.title


# Invitations: replay, race, tokens ----------------------------------------------------


def _open_invitation(edition, email="invitee@example.com"):
    session = AgendaSessionFactory(edition=edition)
    submission = services.submission_create(
        edition=edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )
    services.invitation_create(submission=submission, name="Jo Bloggs", email=email)
    return submission, token_sent_to(email)


def test_replayed_invitation_link_is_gone_and_changes_nothing(client, edition):
    submission, token = _open_invitation(edition)
    first = UserFactory()
    services.invitation_claim(token=token, user=first)
    second = UserFactory()
    client.force_login(second)
    url = reverse("speak:invitation", args=[token])

    assert client.get(url).status_code == 410
    assert client.post(url).status_code == 410
    links = list(submission.speaker_links.values_list("speaker__user", flat=True))
    assert links == [first.pk]


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # well formed, unknown
        "ʙ" * 30,  # confusable non-ASCII
        "A" * 65,  # over the converter's length
        "A" * 19,  # under it
        "A" * 30 + "%00",
        "A" * 30 + "%2F..%2F",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_invalid_invitation_or_substitution_token_is_404_or_410(client, token, method):
    client.force_login(UserFactory())
    for prefix in ("/speak/invitations/", "/my/substitution/"):
        status = getattr(client, method)(f"{prefix}{token}/").status_code
        assert status in (404, 410), (prefix, token, status)
    assert Submission.objects.count() == 0


def test_next_after_signing_in_for_an_invitation_stays_on_the_site(client, edition):
    _submission, token = _open_invitation(edition)
    url = reverse("speak:invitation", args=[token])
    page = client.get(url + "?next=//evil.example")

    assert page.status_code == 200
    hrefs = re.findall(r'href="([^"]*next=[^"]*)"', page.content.decode())
    assert hrefs
    assert all("evil" not in href for href in hrefs)


def test_profile_next_to_another_site_is_ignored(client, edition):
    user = UserFactory(verified=True)
    ProfileFactory(user=user)
    client.force_login(user)
    data = {
        "full_name": "Sam Patel",
        "organisation": "Kent Police",
        "job_title": "DS",
        "next": "https://evil.example/",
    }
    response = client.post(reverse("delegates:profile") + "?next=//evil.example", data)
    location = response.headers.get("Location", "")
    assert "evil" not in location


def test_invitation_secret_is_encrypted_in_the_outbox_and_absent_from_the_logs(
    edition, caplog
):
    caplog.set_level(logging.DEBUG)
    submission, token = _open_invitation(edition)
    row = OutboxEmail.objects.get(to="invitee@example.com")

    assert row.body_text.startswith(crypto.PREFIX)
    assert token not in row.body_text + row.body_html + row.subject
    invitation = SubmissionInvitation.objects.get(submission=submission)
    assert token not in invitation.token_hash
    services.invitation_claim(token=token, user=UserFactory())
    assert token not in caplog.text


def test_invitation_delivered_leaves_no_secret_in_the_outbox_or_the_logs(
    client, edition, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        _submission, token = _open_invitation(edition)
    row = OutboxEmail.objects.get(to="invitee@example.com")

    assert row.status == OutboxEmail.Status.SENT
    assert token in mail.outbox[-1].body  # the person invited got the link
    assert token not in row.body_text + row.body_html + row.subject
    client.get(reverse("speak:invitation", args=[token]))
    assert token not in caplog.text


def test_staff_pages_of_an_invitation_show_neither_the_token_nor_its_hash(
    client, edition
):
    submission, token = _open_invitation(edition)
    invitation = SubmissionInvitation.objects.get(submission=submission)
    row = OutboxEmail.objects.get(to="invitee@example.com")
    client.force_login(StaffFactory(is_superuser=True))

    pages = [
        reverse("admin:events_submissioninvitation_change", args=[invitation.pk]),
        reverse("admin:events_submissioninvitation_changelist"),
        reverse("admin:events_submission_change", args=[submission.pk]),
        reverse("admin:mail_outboxemail_change", args=[row.pk]),
        reverse("admin:mail_outboxemail_changelist"),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert token not in body, url
        assert invitation.token_hash not in body, url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_one_invitation_at_once_one_wins():
    edition = EditionFactory()
    submission, token = _open_invitation(edition)
    users = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(users))
    results: list[str] = []

    def claim(user):
        try:
            barrier.wait()
            services.invitation_claim(token=token, user=user)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok", "refused"]
    assert submission.speaker_links.count() == 1
    invitation = SubmissionInvitation.objects.get(submission=submission)
    assert invitation.used_by_id == submission.speaker_links.get().speaker.user_id


# Substitution links: replay, CSRF, GET on POST-only ---------------------------------


def test_replayed_substitution_link_is_gone(
    client, edition, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    token = _nominate(
        registration, "alex.smith@police.uk", django_capture_on_commit_callbacks
    )
    colleague = UserFactory(email="alex.smith@police.uk", verified=True)
    ProfileFactory(user=colleague)
    client.force_login(colleague)
    url = reverse("delegates:substitution", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"consent_terms": "on"}).status_code == 302
    substitution = Substitution.objects.get()
    assert substitution.status == Substitution.Status.COMPLETED

    assert client.get(url).status_code == 410
    assert client.post(url, {"consent_terms": "on"}).status_code == 410
    assert Substitution.objects.get().new_registration_id == (
        substitution.new_registration_id
    )


def test_substitution_accept_without_csrf_is_forbidden(
    edition, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    token = _nominate(
        registration, "alex.smith@police.uk", django_capture_on_commit_callbacks
    )
    colleague = UserFactory(email="alex.smith@police.uk", verified=True)
    ProfileFactory(user=colleague)
    client = Client(enforce_csrf_checks=True)
    client.force_login(colleague)

    response = client.post(
        reverse("delegates:substitution", args=[token]), {"consent_terms": "on"}
    )

    assert response.status_code == 403
    assert Substitution.objects.get().status == Substitution.Status.NOMINATED


def test_substitution_withdraw_by_get_or_by_another_delegate_changes_nothing(
    client, edition, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    _nominate(registration, "alex.smith@police.uk", django_capture_on_commit_callbacks)
    substitution = Substitution.objects.get()
    url = reverse(
        "delegates:substitute_withdraw",
        args=[registration.reference, substitution.pk],
    )
    client.force_login(registration.user)
    assert client.get(url).status_code == 405

    other = _confirmed(edition, "eve@police.uk")
    client.force_login(other.user)
    assert client.post(url).status_code == 404
    forged = reverse(
        "delegates:substitute_withdraw", args=[other.reference, substitution.pk]
    )
    assert client.post(forged).status_code == 404
    assert Substitution.objects.get().status == Substitution.Status.NOMINATED


def test_substitution_secret_is_encrypted_in_the_outbox(
    edition, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    OutboxEmail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        delegate_services.substitution_nominate(
            registration=registration,
            email="alex.smith@police.uk",
            pass_workshops=False,
            actor=registration.user,
        )
    row = OutboxEmail.objects.get(to="alex.smith@police.uk")
    assert row.body_text.startswith(crypto.PREFIX)
    assert row.body_html.startswith(crypto.PREFIX) or not row.body_html
    assert "/my/substitution/" not in row.subject + row.body_text + row.body_html


# Slides -----------------------------------------------------------------------------


SLIDES_REFUSED = {
    "a PDF with JavaScript": lambda: _pdf(javascript="app.alert('pwned');"),
    "a PDF that launches a program": lambda: _pdf(launch=True),
    "a page that runs JavaScript when opened": lambda: _pdf(
        javascript="app.alert(1)", on_page=True, pages=2
    ),
    "an encrypted PDF": _encrypted_pdf,
    "a truncated PDF": lambda: _pdf(pages=3)[:300],
    "a PDF then an HTML page": lambda: (
        b"%PDF-1.4\n<html><script>alert(1)</script></html>"
    ),
    "a ZIP renamed .pdf": lambda: b"PK\x03\x04" + b"\0" * 200,
    "a PDF with an attached file": lambda: _pdf(attachment=True),
    "more pages than a deck has": lambda: _pdf(pages=SLIDES_MAX_PAGES + 1),
    "a page tree claiming a billion pages": lambda: _pdf(declared_pages=10**9),
    "a page tree that refers to itself": lambda: _cyclic_pdf(),
}


@pytest.mark.parametrize("label", SLIDES_REFUSED)
def test_slides_clean_refuses_hostile_pdfs(label):
    content = SLIDES_REFUSED[label]()
    with pytest.raises(ValidationError):
        slides_clean(SimpleUploadedFile("slides.pdf", content))


def test_slides_clean_accepts_a_plain_pdf_of_many_pages_with_links():
    content = _pdf(pages=SLIDES_MAX_PAGES, link=True, compress=True)
    cleaned = slides_clean(SimpleUploadedFile("x.pdf", content))
    assert cleaned.name.endswith(".pdf")
    assert cleaned.read() == content


def test_slides_with_javascript_are_refused_with_what_to_do(client, edition):
    item, user = _item(edition)
    services.submission_details_save(submission=item, user=user, data=DETAILS)
    services.submission_submit(submission=item, user=user)
    services.submission_accept(submission=item, actor=None)
    client.force_login(user)

    response = client.post(
        reverse("speak:slides_upload", args=[item.pk]),
        {"slides": SimpleUploadedFile("s.pdf", _pdf(javascript="app.alert(1)"))},
        follow=True,
    )

    assert "Export or print your slides to a new PDF" in response.content.decode()
    item.refresh_from_db()
    assert not item.slides


def test_slides_of_an_unrelated_user_are_not_found(client, edition, settings):
    item, user = _item(edition)
    services.submission_details_save(submission=item, user=user, data=DETAILS)
    services.submission_submit(submission=item, user=user)
    services.submission_accept(submission=item, actor=None)
    item.refresh_from_db()
    services.submission_slides_upload(
        submission=item,
        user=user,
        file=SimpleUploadedFile("s.pdf", _pdf(), "application/pdf"),
    )
    url = reverse("speak:slides", args=[item.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff without view_submission
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    # Downloaded, never shown inline on the site's origin, and never sniffed.
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


# Messages to delegates: HTML, placeholders, subjects ----------------------------------


@pytest.fixture
def organiser(db):
    return StaffFactory(is_superuser=True, email="organiser@example.com")


def test_message_html_and_placeholders_are_escaped_in_html_and_plain_in_text(
    edition, organiser, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "sam.patel@police.uk")
    profile = registration.user.profile
    profile.first_name, profile.last_name = "<img src=x onerror=alert(1)>", "O'Brien"
    profile.save()
    OutboxEmail.objects.all().delete()
    message = message_services.message_create(
        edition=edition,
        audience="confirmed",
        subject="Hello {name}\r\nBcc: victim@example.com",
        body="<script>alert(1)</script> Dear {name} & co",
        sender=organiser,
    )
    message_services.message_send(message=message, actor=organiser)
    row = OutboxEmail.objects.get(to="sam.patel@police.uk")

    assert "\n" not in row.subject and "\r" not in row.subject
    assert "<script>" not in row.body_html
    assert "&lt;script&gt;" in row.body_html
    assert "<img" not in row.body_html
    assert "&lt;img src=x onerror=alert(1)&gt; O&#x27;Brien" in row.body_html
    assert "Dear <img src=x onerror=alert(1)> O'Brien & co" in row.body_text
    assert "<img src=x onerror=alert(1)> O'Brien" in row.body_text
    assert "<script>alert(1)</script>" in row.body_text


@pytest.mark.parametrize(
    "text", ["{{ request }}", "{% debug %}", "{name.__class__}", "{0}", "{settings}"]
)
@pytest.mark.parametrize("field", ["subject", "body"])
def test_message_template_syntax_is_refused_as_a_placeholder(
    edition, organiser, field, text
):
    _confirmed(edition, "sam.patel@police.uk")
    fields = {"subject": "Parking", "body": "Dear {name}", field: f"Hi {text}"}
    with pytest.raises(ValidationError) as caught:
        message_services.message_create(
            edition=edition, audience="confirmed", sender=organiser, **fields
        )
    assert field in caught.value.message_dict


@pytest.mark.parametrize("forged", ["another edition's", "unknown"])
def test_message_of_a_run_of_another_edition_is_refused(edition, organiser, forged):
    foreign = WorkshopRunFactory(workshop__edition=EditionFactory())
    _confirmed(edition, "sam.patel@police.uk")
    run_id = foreign.pk if forged == "another edition's" else foreign.pk + 1000
    with pytest.raises(ValidationError) as caught:
        message_services.message_create(
            edition=edition,
            audience="workshop_run",
            run_id=run_id,
            subject="Room",
            body="Body",
            sender=organiser,
        )
    assert "run_id" in caught.value.message_dict
    assert not Message.objects.exists()


def test_message_selection_with_another_editions_registration_reaches_no_one(
    edition, organiser
):
    foreign = _confirmed(EditionFactory(), "eve@police.uk")
    with pytest.raises(ValidationError) as caught:
        message_services.message_create(
            edition=edition,
            audience="selection",
            registration_ids=[foreign.pk],
            subject="Hi",
            body="Body",
            sender=organiser,
        )
    assert "audience" in caught.value.message_dict


# Pages without inline script or style -------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)


def test_new_public_pages_carry_no_inline_script_or_style(
    client, edition, django_capture_on_commit_callbacks
):
    item, speaker = _item(edition)
    _submission, token = _open_invitation(edition)
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    sub_token = _nominate(
        registration, "alex.smith@police.uk", django_capture_on_commit_callbacks
    )
    anonymous = [
        reverse("speak:invitation", args=[token]),
        reverse("delegates:substitution", args=[sub_token]),
        reverse("accessibility"),
    ]
    signed_in = [
        reverse("speak:portal"),
        reverse("speak:item", args=[item.pk]),
        reverse("speak:withdraw", args=[item.pk]),
        reverse("workshops:proposals"),
        reverse("delegates:substitute", args=[registration.reference]),
    ]
    pages = {}
    for url in anonymous:
        pages[url] = client.get(url)
    client.force_login(speaker)
    for url in signed_in[:3]:
        pages[url] = client.get(url)
    client.force_login(registration.user)
    for url in signed_in[3:]:
        pages[url] = client.get(url)
    for url, response in pages.items():
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy, url
        assert "'unsafe-eval'" not in policy, url


# The admin's own pages with forged object ids -----------------------------------------


def _admin_routes():
    admin_resolver = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.app_name == "admin"
    )

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif "<" in str(entry.pattern) and "(?P" not in str(entry.pattern):
                yield prefix + str(entry.pattern)

    return list(walk(admin_resolver.url_patterns, str(admin_resolver.pattern)))


ADMIN_ROUTES = _admin_routes()
FORGED_IDS = {
    "too large": HUGE,
    "thousands of digits": "9" * 5000,
    "not a number": "abc",
    "a NUL byte": "1%00",
    "a superscript digit": "%C2%B2",
}


def test_admin_routes_include_the_new_pages():
    assert "admin/events/edition/<path:object_id>/venue/" in ADMIN_ROUTES


@pytest.mark.parametrize("label", FORGED_IDS)
def test_admin_pages_with_forged_ids_are_never_a_server_error(client, label):
    client.force_login(StaffFactory())
    client.raise_request_exception = False
    answers, statuses = {}, set()
    for route in ADMIN_ROUTES:
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", FORGED_IDS[label], route)
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            statuses.add(status)
            if status >= 500:
                answers[f"{method} {route}"] = status
    assert answers == {}
    assert 404 in statuses  # the pages were reached, not sent to log in


@pytest.mark.parametrize(
    "data",
    [
        {"venue": HUGE, "apply": "1"},
        {"venue": "abc", "apply": "1"},
        {"venue": "1\x00", "apply": "1"},
    ],
)
def test_venue_page_with_a_forged_venue_changes_nothing(client, edition, data):
    client.force_login(StaffFactory())
    venue = edition.venue_id
    url = reverse("admin:events_edition_venue", args=[edition.pk])

    response = client.post(url, data)

    assert response.status_code in (200, 400)
    edition.refresh_from_db()
    assert edition.venue_id == venue


def test_venue_page_room_of_another_venue_is_refused(client, edition):
    client.force_login(StaffFactory())
    new_venue = VenueFactory()
    old_room = RoomFactory(venue=edition.venue)
    session = AgendaSessionFactory(edition=edition, room=old_room)
    foreign_room = RoomFactory(venue=VenueFactory())
    url = reverse("admin:events_edition_venue", args=[edition.pk])

    response = client.post(
        url,
        {
            "venue": new_venue.pk,
            "apply": "1",
            f"room_{old_room.pk}": foreign_room.pk,
        },
    )

    assert response.status_code == 400
    edition.refresh_from_db()
    session.refresh_from_db()
    assert (edition.venue_id, session.room_id) == (old_room.venue_id, old_room.pk)


# Speakers' photos and names of speakers who may not be named --------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "navy").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def unnamed_speaker(db):
    user = UserFactory()
    return SpeakerFactory(
        user=user,
        display_name="Agent Nightingale",
        may_be_named=False,
        photo=ContentFile(_jpeg(), name="face.jpg"),
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("delegate", 404),
        ("another speaker", 404),
        ("staff without view_speaker", 404),
        ("the speaker", 200),
        ("organiser", 200),
    ],
)
def test_photo_of_a_speaker_who_may_not_be_named(client, unnamed_speaker, who, status):
    users = {
        "delegate": lambda: UserFactory(),
        "another speaker": lambda: SpeakerFactory(user=UserFactory()).user,
        "staff without view_speaker": lambda: UserFactory(is_staff=True),
        "the speaker": lambda: unnamed_speaker.user,
        "organiser": lambda: StaffFactory(),
    }
    if who in users:
        client.force_login(users[who]())
    url = unnamed_speaker.photo.url
    assert url.startswith("/speakers/photos/")

    response = client.get(url)

    assert response.status_code == status
    if status == 200:
        assert response["Cache-Control"] == "private, max-age=300"


@pytest.mark.parametrize(
    "name", ["..%2F..%2Fsettings.py", "face.jpg%00.png", "x" * 120 + ".jpg", "a.JPG"]
)
def test_photo_names_that_are_not_stored_files_are_not_found(client, name):
    assert client.get(f"/speakers/photos/{name}").status_code == 404


def test_agenda_change_digest_does_not_name_an_unnamed_speaker(
    edition, unnamed_speaker, settings
):
    edition.status = edition.Status.PUBLISHED
    edition.save()
    _confirmed(edition, "sam.patel@police.uk")
    session = AgendaSessionFactory(edition=edition, title="Undercover work")
    SessionSpeakerFactory(session=session, speaker=unnamed_speaker)
    OutboxEmail.objects.all().delete()
    session.ends_at += dt.timedelta(minutes=30)
    session.title = "Undercover work, revisited"
    session.save()

    settings.AGENDA_DIGEST_DELAY = 0
    assert agenda_digests_send(now=timezone.now() + dt.timedelta(minutes=5)) >= 1

    to_delegate = OutboxEmail.objects.get(to="sam.patel@police.uk")
    assert "revisited" in to_delegate.body_text
    assert "Nightingale" not in to_delegate.body_text + to_delegate.body_html


# Workshop proposals -------------------------------------------------------------

PROPOSAL = {
    "title": "County lines: the first 48 hours",
    "summary": "What to do when a child is found far from home.",
    "audience": "Safeguarding leads and detectives",
    "format": WorkshopProposal.Format.EXERCISE,
}


@pytest.mark.parametrize(
    "forged",
    [
        {"title": "x" * 10_000},
        {"summary": "x" * 100_000},
        {"audience": "x" * 10_000},
        {"format": "<script>"},
        {"title": "County\x00lines"},
        {"co_leaders_text": "Jo Bloggs <jo@police.uk>\n" * 100_000},
        {"co_leaders_text": "Jo <jo@police.uk>" + "\n" * 10_000 + "Al <al@police.uk>"},
        {"co_leaders_text": "Eve <eve@example.com>\r\nBcc: victim@example.com"},
    ],
    ids=lambda forged: next(iter(forged)),
)
def test_hostile_proposal_is_refused_and_nothing_saved(client, forged):
    call = WorkshopCallFactory()
    client.force_login(ProfileFactory().user)

    response = client.post(
        reverse("workshops:proposal_create", args=[call.edition.slug]),
        {**PROPOSAL, **forged},
    )

    assert response.status_code == 400
    assert not WorkshopProposal.objects.exists()


def test_proposal_without_csrf_is_forbidden_and_the_list_refuses_post(client):
    call = WorkshopCallFactory()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(ProfileFactory().user)

    url = reverse("workshops:proposal_create", args=[call.edition.slug])
    assert csrf_client.post(url, PROPOSAL).status_code == 403
    client.force_login(ProfileFactory().user)
    assert client.post(reverse("workshops:proposals")).status_code == 405
    assert not WorkshopProposal.objects.exists()


def test_co_leaders_parse_refuses_a_long_text_unread():
    with pytest.raises(ValidationError, match="at most 5 co-leaders"):
        co_leaders_parse("\n" * (CO_LEADERS_TEXT_MAX + 1))
    six = "\n".join(f"Leader {n} <leader{n}@police.uk>" for n in range(6))
    with pytest.raises(ValidationError, match="at most 5 co-leaders"):
        co_leaders_parse(six + "\nnot an address")


@pytest.mark.parametrize("index", ["9" * 5000, "-1", "²", "1e9", "0x10", ""])
def test_message_preview_of_a_forged_recipient_index_shows_the_first(
    client, edition, organiser, index
):
    registration = _confirmed(edition, "sam.patel@police.uk")
    profile = registration.user.profile
    profile.first_name, profile.last_name = "Sam", "Patel"
    profile.save()
    message = message_services.message_create(
        edition=edition,
        audience="confirmed",
        subject="Parking",
        body="Dear {name}",
        sender=organiser,
    )
    client.force_login(organiser)
    client.raise_request_exception = False
    url = reverse("admin:delegates_message_change", args=[message.pk])

    response = client.get(url, {"preview": index})

    assert response.status_code == 200
    preview = re.search(
        r'<pre id="message-preview-text">(.*?)</pre>', response.content.decode(), re.S
    )
    assert "Dear Sam Patel" in preview.group(1)


@pytest.mark.parametrize("value", ["9" * 5000, HUGE, "²", "-1", "1\x00", "abc"])
@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("admin:events_submission_changelist", "edition__id__exact"),
        ("admin:delegates_registration_changelist", "edition__id__exact"),
        ("admin:delegates_message_changelist", "edition__id__exact"),
        ("admin:workshops_workshopproposal_changelist", "call__edition__id__exact"),
        ("admin:delegates_substitution_changelist", "registration__edition__id__exact"),
    ],
)
def test_admin_lists_filtered_by_a_forged_edition_are_not_a_server_error(
    client, name, parameter, value
):
    client.force_login(StaffFactory())
    client.raise_request_exception = False

    response = client.get(reverse(name), {parameter: value})

    assert response.status_code in (200, 302, 400)


def test_staff_pages_of_a_substitution_show_neither_the_token_nor_its_hash(
    client, edition, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    with django_capture_on_commit_callbacks(execute=False):
        delegate_services.substitution_nominate(
            registration=registration,
            email="alex.smith@police.uk",
            pass_workshops=False,
            actor=registration.user,
        )
    substitution = Substitution.objects.get()
    row = OutboxEmail.objects.get(to="alex.smith@police.uk")
    token = SUB_LINK.search(crypto.decrypt(row.body_text)).group(1)
    client.force_login(StaffFactory())

    pages = [
        reverse("admin:delegates_substitution_change", args=[substitution.pk]),
        reverse("admin:delegates_substitution_changelist"),
        reverse("admin:delegates_registration_change", args=[registration.pk]),
        reverse("admin:mail_outboxemail_change", args=[row.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert token not in body, url
        assert substitution.token_hash not in body, url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_substitution_link_accepted_twice_at_once_passes_the_place_once():
    edition = EditionFactory(capacity=5)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    delegate_services.substitution_nominate(
        registration=registration,
        email="alex.smith@police.uk",
        pass_workshops=False,
        actor=registration.user,
    )
    colleague = UserFactory(email="alex.smith@police.uk", verified=True)
    ProfileFactory(user=colleague)
    substitution = Substitution.objects.get()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def accept():
        try:
            barrier.wait()
            delegate_services.substitution_accept(
                substitution=Substitution.objects.select_related(
                    "registration__edition"
                ).get(pk=substitution.pk),
                user=colleague,
                consent_terms=True,
            )
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok", "refused"]
    assert edition.registrations.filter(user=colleague).count() == 1
    seats = edition.registrations.filter(status="confirmed").count()
    assert seats == 1


# Co-presenter invitations: a speaker cannot make SOCEX email the world -------------


def test_co_presenter_invitations_waiting_are_capped(client, edition):
    item, user = _item(edition)
    client.force_login(user)
    url = reverse("speak:copresenter_invite", args=[item.pk])
    for n in range(COPRESENTER_OPEN_MAX):
        client.post(url, {"name": f"Co {n}", "email": f"co{n}@example.com"})
    OutboxEmail.objects.all().delete()

    response = client.post(
        url, {"name": "Spam", "email": "victim@example.com"}, follow=True
    )

    assert "waiting for an answer" in response.content.decode()
    assert not SubmissionInvitation.objects.filter(email="victim@example.com").exists()
    assert not OutboxEmail.objects.exists()


def test_co_presenter_invitations_ever_sent_are_capped(edition):
    item, user = _item(edition)
    for n in range(COPRESENTER_TOTAL_MAX):
        invitation = services.invitation_create(
            submission=item,
            name=f"Co {n}",
            email=f"co{n}@example.com",
            invited_by=user,
            is_copresenter=True,
        )
        services.invitation_revoke(invitation=invitation, actor=user)

    with pytest.raises(ValidationError, match="the most it can"):
        services.invitation_create(
            submission=item,
            name="One more",
            email="more@example.com",
            invited_by=user,
            is_copresenter=True,
        )
    # The programme team's own invitations are not a speaker's and are not capped.
    services.invitation_create(
        submission=item, name="Invited by staff", email="staff-invite@example.com"
    )


# Secrets of links in the logs ------------------------------------------------------


@pytest.fixture
def console_log():
    """What the project's console handler writes, as text."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_live_substitution_link_answered_400_is_logged_without_its_token(
    client, edition, console_log, django_capture_on_commit_callbacks
):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    token = _nominate(
        registration, "alex.smith@police.uk", django_capture_on_commit_callbacks
    )
    colleague = UserFactory(email="alex.smith@police.uk", verified=True)
    ProfileFactory(user=colleague)
    client.force_login(colleague)

    response = client.post(reverse("delegates:substitution", args=[token]), {})

    assert response.status_code == 400
    written = console_log.getvalue()
    assert "Bad Request: /my/substitution/[redacted]/" in written
    assert token not in written


@pytest.mark.parametrize(
    "path",
    [
        "/speak/invitations/{t}/",
        "/my/substitution/{t}/",
        "/accounts/password/reset/key/{t}/",
        "/accounts/confirm-email/{t}/",
    ],
)
def test_secrets_of_links_are_redacted_from_every_log_line(console_log, path):
    token = "Zx9_secret-token-of-43-characters-abcdefgh"
    logging.getLogger("socex.anything").error("Gone: %s", path.format(t=token))

    assert token not in console_log.getvalue()
    assert "[redacted]" in console_log.getvalue()


def test_a_delegate_cannot_nominate_colleagues_without_end(edition):
    registration = _confirmed(edition, "jo.bloggs@police.uk")
    delegate = registration.user
    for n in range(DELEGATE_NOMINATIONS_MAX):
        substitution = delegate_services.substitution_nominate(
            registration=registration,
            email=f"colleague{n}@police.uk",
            pass_workshops=False,
            actor=delegate,
        )
        delegate_services.substitution_cancel(substitution=substitution, actor=delegate)
    OutboxEmail.objects.all().delete()

    with pytest.raises(ValidationError, match="ask the organisers"):
        delegate_services.substitution_nominate(
            registration=registration,
            email="victim@example.com",
            pass_workshops=False,
            actor=delegate,
        )
    assert not OutboxEmail.objects.filter(to="victim@example.com").exists()
    # The organisers can still pass the place on for them.
    delegate_services.substitution_nominate(
        registration=registration,
        email="colleague@police.uk",
        pass_workshops=False,
        actor=StaffFactory(),
    )


@pytest.mark.parametrize(
    "data",
    [
        {"score": "999"},
        {"score": "0"},
        {"score": "abc"},
        {"score": "9" * 5000},
        {"score": "3", "comment": "x" * 10_000},
        {"score": "3", "comment": "nul\x00"},
    ],
    ids=["too high", "zero", "text", "digits", "long comment", "nul"],
)
def test_proposal_review_with_a_forged_score_saves_nothing(client, data):
    proposal = WorkshopProposalFactory(call=WorkshopCallFactory())
    client.force_login(StaffFactory())

    response = client.post(
        reverse("admin:workshops_workshopproposal_review", args=[proposal.pk]), data
    )

    assert response.status_code == 400
    assert not ProposalReview.objects.exists()


@pytest.mark.parametrize("forged", [HUGE, "abc", "9" * 5000])
@pytest.mark.parametrize("action", ["accept_proposals", "decline_proposals"])
def test_proposal_decisions_on_forged_ids_change_nothing(client, action, forged):
    proposal = WorkshopProposalFactory(call=WorkshopCallFactory())
    client.force_login(StaffFactory())
    client.raise_request_exception = False

    response = client.post(
        reverse("admin:workshops_workshopproposal_changelist"),
        {"action": action, "_selected_action": [forged]},
    )

    assert response.status_code in (200, 302, 400)
    proposal.refresh_from_db()
    assert proposal.status == WorkshopProposal.Status.SUBMITTED


def test_html_in_a_co_presenter_invitation_is_escaped_in_html_and_plain_in_text(
    client, edition, django_capture_on_commit_callbacks
):
    item, user = _item(edition)
    hostile = '<a href="https://evil.example">Reset your password</a>'
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            submission=item,
            name="<b>Eve</b>",
            email="co@example.com",
            message=hostile,
            invited_by=user,
            is_copresenter=True,
        )
    sent = mail.outbox[-1]
    html = sent.alternatives[0][0]

    assert hostile in sent.body
    assert hostile not in html and "&lt;a href=" in html
    assert "<b>Eve</b>" not in html
    token = re.search(r"/speak/invitations/([-A-Za-z0-9_]+)/", sent.body).group(1)
    page = client.get(reverse("speak:invitation", args=[token])).content.decode()
    assert hostile not in page and "&lt;a href=" in page
