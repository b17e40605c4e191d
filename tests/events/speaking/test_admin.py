"""The organisers' side: programme view, review with the diff, accept (organisers
only), invitations, AV and arrival lists."""

import datetime as dt
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from delegates.privacy.models import PersonalDataAccess
from events.models import AgendaSession, Submission
from events.speaking import services
from events.speaking.models import SpeakerDeadline
from socex.mail.models import OutboxEmail
from socex.roles.definitions import ORGANISER, PROGRAMME, REVIEWER
from tests.factories.accounts import UserFactory

from .conftest import DETAILS

pytestmark = pytest.mark.django_db


def staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


def test_organiser_invites_from_the_item_and_the_link_is_not_shown(client, session):
    organiser = staff(ORGANISER)
    client.force_login(organiser)
    response = client.post(
        reverse("admin:events_submission_add"),
        {
            "edition": session.edition.pk,
            "kind": "plenary",
            "session": session.pk,
            "working_title": session.title,
            "speaker_links-TOTAL_FORMS": "0",
            "speaker_links-INITIAL_FORMS": "0",
        },
    )
    submission = Submission.objects.get()
    assert response["Location"] == reverse(
        "admin:events_submission_invite", args=[submission.pk]
    )

    response = client.post(
        response["Location"],
        {"name": "Jo Bloggs", "email": "jo@police.uk", "message": "Do come"},
    )
    assert response.status_code == 302
    invitation = submission.invitations.get()
    email = OutboxEmail.objects.get(to="jo@police.uk")
    page = client.get(
        reverse("admin:events_submissioninvitation_change", args=[invitation.pk])
    ).content.decode()
    page += client.get(
        reverse("admin:mail_outboxemail_change", args=[email.pk])
    ).content.decode()
    assert "/speak/invitations/" not in page
    assert invitation.token_hash not in page


def test_reviewer_requests_changes_but_cannot_accept(client, submitted, mailoutbox):
    submission, _user = submitted
    reviewer = staff(REVIEWER)
    client.force_login(reviewer)

    review = client.get(reverse("admin:events_submission_review", args=[submission.pk]))
    assert review.status_code == 200
    assert "Accept this version" not in review.content.decode()
    assert (
        client.post(
            reverse("admin:events_submission_accept", args=[submission.pk])
        ).status_code
        == 403
    )
    changelist = reverse("admin:events_submission_changelist")
    client.post(
        changelist,
        {"action": "accept", "index": "0", ACTION_CHECKBOX_NAME: [submission.pk]},
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED

    client.post(
        reverse("admin:events_submission_request_changes", args=[submission.pk]),
        {"comment": "Please add a case study."},
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.CHANGES_REQUESTED
    assert submission.review_comment == "Please add a case study."


def test_programme_staff_cannot_accept_either(client, submitted):
    submission, _user = submitted
    client.force_login(staff(PROGRAMME))
    url = reverse("admin:events_submission_accept", args=[submission.pk])
    assert client.post(url).status_code == 403


def test_organiser_sees_the_difference_and_accepts(client, submitted):
    submission, user = submitted
    services.submission_request_changes(
        submission=submission, actor=None, comment="Shorter"
    )
    services.submission_details_save(
        submission=submission,
        user=user,
        data={**DETAILS, "abstract": "The shorter abstract"},
    )
    services.submission_submit(submission=submission, user=user)
    client.force_login(staff(ORGANISER))

    page = client.get(
        reverse("admin:events_submission_review", args=[submission.pk])
    ).content.decode()
    assert "<del>A case study of a three-year operation.</del>" in page
    assert "<ins>The shorter abstract</ins>" in page

    client.post(reverse("admin:events_submission_accept", args=[submission.pk]))
    submission.refresh_from_db()
    assert submission.state == Submission.State.ACCEPTED
    assert AgendaSession.objects.get(pk=submission.session_id).title == DETAILS["title"]


def test_accepting_an_unsubmitted_item_says_why(client, make_item):
    submission, _user = make_item()
    client.force_login(staff(ORGANISER))
    response = client.post(
        reverse("admin:events_submission_accept", args=[submission.pk]), follow=True
    )
    assert "Only a submitted item can be accepted" in response.content.decode()


def test_av_lists_as_csv_and_pdf(client, submitted):
    submission, user = submitted
    Submission.objects.filter(pk=submission.pk).update(av_notes="Lapel microphone")
    services.submission_request_changes(submission=submission, actor=None, comment="x")
    submission.refresh_from_db()
    services.submission_details_save(
        submission=submission,
        user=user,
        data={**DETAILS, "av_notes": "Lapel microphone"},
        travel={"dietary_needs": "Halal", "arrival_date": None, "access_needs": ""},
    )
    services.submission_submit(submission=submission, user=user)
    services.submission_accept(submission=submission, actor=None)
    client.force_login(staff(ORGANISER))
    edition = submission.edition

    csv = client.get(
        reverse("admin:events_submission_av_csv", args=[edition.pk])
    ).content.decode()
    pdf = client.get(reverse("admin:events_submission_av_pdf", args=[edition.pk]))
    arrivals = client.get(
        reverse("admin:events_submission_arrivals_csv", args=[edition.pk])
    ).content.decode()

    assert "Lapel microphone" in csv and DETAILS["title"] in csv
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Lapel microphone" in text and "Following the money" in text
    assert "Halal" in arrivals


def test_speaker_exports_are_recorded_in_the_personal_data_audit(client, submitted):
    submission, _user = submitted
    services.submission_accept(submission=submission, actor=None)
    organiser = staff(ORGANISER)
    client.force_login(organiser)
    edition = submission.edition

    for name in ("av_csv", "av_pdf", "arrivals_csv"):
        url = reverse(f"admin:events_submission_{name}", args=[edition.pk])
        assert client.get(url).status_code == 200

    records = list(
        PersonalDataAccess.objects.order_by("pk").values_list(
            "kind", "actor", "edition", "rows"
        )
    )
    assert records == [
        (PersonalDataAccess.Kind.SPEAKER_AV_CSV, organiser.pk, edition.pk, 1),
        (PersonalDataAccess.Kind.SPEAKER_AV_PDF, organiser.pk, edition.pk, 1),
        (PersonalDataAccess.Kind.SPEAKER_ARRIVALS, organiser.pk, edition.pk, 1),
    ]


def test_av_lists_are_refused_to_reviewers(client, submitted):
    submission, _user = submitted
    client.force_login(staff(REVIEWER))
    for name in ("av_csv", "av_pdf", "arrivals_csv"):
        url = reverse(f"admin:events_submission_{name}", args=[submission.edition.pk])
        assert client.get(url).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_overdue_filter_lists_items_past_the_deadline(client, make_item):
    submission, _user = make_item()
    SpeakerDeadline.objects.create(
        edition=submission.edition,
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    client.force_login(staff(ORGANISER))

    page = client.get(
        reverse("admin:events_submission_changelist") + "?overdue=yes"
    ).content.decode()

    assert "OVERDUE" in page and submission.working_title in page


@pytest.mark.parametrize("count", [1, 12])
def test_programme_view_query_count_does_not_grow(
    client, make_items, count, django_assert_max_num_queries
):
    first = make_items(count)
    client.force_login(staff(ORGANISER))

    with django_assert_max_num_queries(14):
        response = client.get(
            reverse("admin:events_submission_changelist")
            + f"?edition__id__exact={first.edition.pk}"
        )

    assert response.status_code == 200
    assert response.context["cl"].result_count == count
