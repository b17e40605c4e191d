"""A speaker's side of the person's data: "Download my data" holds their speaker
profile, items and versions (and their substitutions); erasure takes them off the
public programme."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from delegates.privacy.models import PersonalDataAccess
from delegates.privacy.services import account_erase
from delegates.services.substitutions import substitution_nominate
from events.models import AgendaSession, Speaker, Submission, SubmissionInvitation
from events.speaking import services as speaking
from events.storage import speaker_photo_storage
from tests.events.speaking.conftest import DETAILS, token_sent_to
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.events import AgendaSessionFactory
from tests.socex.test_uploads import _gps_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def speaker_item(person):
    """``person`` speaks at a plenary of their edition, with a profile and photo,
    travel needs and one submitted version: (submission, speaker)."""
    edition = person.registrations.get().edition
    session = AgendaSessionFactory(edition=edition, title="Plenary to be titled")
    submission = speaking.submission_create(
        edition=edition,
        kind=Submission.Kind.PLENARY,
        session=session,
        working_title=session.title,
    )
    speaking.invitation_create(
        submission=submission, name="Priya Chandra", email=person.email
    )
    submission = speaking.invitation_claim(
        token=token_sent_to(person.email), user=person
    )
    speaker = Speaker.objects.get(user=person)
    speaking.speaker_profile_save(
        speaker=speaker,
        data={
            "display_name": "Priya Chandra",
            "post_nominals": "QPM",
            "role": "Detective Superintendent",
            "organisation": "Kent Police",
            "bio": "Leads the county's economic crime unit.",
            "may_be_named": True,
            "photo": SimpleUploadedFile("me.jpg", _gps_jpeg(), "image/jpeg"),
        },
    )
    speaking.submission_details_save(
        submission=submission,
        user=person,
        data=DETAILS,
        travel={
            "arrival_date": edition.start_date - dt.timedelta(days=1),
            "dietary_needs": "Vegan",
            "access_needs": "Step-free route",
        },
    )
    speaking.submission_submit(submission=submission, user=person)
    speaker.refresh_from_db()
    return submission, speaker


def test_download_holds_speaker_profile_items_versions_and_substitutions(
    client, person, reauthenticate, speaker_item
):
    submission, _speaker = speaker_item
    substitution_nominate(
        registration=person.registrations.get(),
        email="colleague@police.uk",
        pass_workshops=False,
        actor=person,
    )
    client.force_login(person)
    reauthenticate(client)

    data = json.loads(client.get(reverse("delegates:data_download")).content)

    profile = data["speaker"]
    assert profile["display_name"] == "Priya Chandra"
    assert profile["bio"] == "Leads the county's economic crime unit."
    assert profile["has_photo"] is True
    assert profile["public_name"] == "Priya Chandra QPM"
    [item] = data["speaker_items"]
    assert item["item"] == "Plenary to be titled"
    assert item["state"] == Submission.State.SUBMITTED
    assert item["details"]["title"] == DETAILS["title"]
    assert item["dietary_needs"] == "Vegan"
    assert item["access_needs"] == "Step-free route"
    [version] = item["versions"]
    assert (version["number"], version["abstract"]) == (1, DETAILS["abstract"])
    [passed_on] = data["substitutions"]["passed_on"]
    assert passed_on["colleague_email"] == "colleague@police.uk"
    assert passed_on["pass_workshops"] is False
    assert data["substitutions"]["received"] == []
    text = json.dumps(data)
    assert "token" not in text and submission.invitations.get().token_hash not in text


def test_download_of_a_person_who_is_not_a_speaker(client, person, reauthenticate):
    client.force_login(person)
    reauthenticate(client)

    data = json.loads(client.get(reverse("delegates:data_download")).content)

    assert (data["speaker"], data["speaker_items"]) == (None, [])
    assert data["substitutions"] == {"passed_on": [], "received": []}


def test_download_of_the_colleague_lists_the_place_received(
    client, person, reauthenticate
):
    colleague = UserFactory(email="sam.patel@police.uk")
    substitution_nominate(
        registration=person.registrations.get(),
        email="SAM.PATEL@police.uk",
        pass_workshops=True,
        actor=person,
    )
    client.force_login(colleague)
    reauthenticate(client)

    data = json.loads(client.get(reverse("delegates:data_download")).content)

    [received] = data["substitutions"]["received"]
    assert received["status"] == "nominated"
    assert "colleague_email" not in received
    assert person.email not in json.dumps(data)


def test_erasure_takes_the_speaker_off_the_public_programme(
    client, person, speaker_item, django_capture_on_commit_callbacks
):
    submission, speaker = speaker_item
    speaking.submission_accept(submission=submission, actor=None)
    photo = speaker.photo.name
    assert speaker_photo_storage().exists(photo)
    old_url = speaker.get_absolute_url()

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=person, actor=person)

    speaker.refresh_from_db()
    assert speaker.user is None
    assert (speaker.display_name, speaker.bio, speaker.organisation) == (
        "Erased speaker",
        "",
        "",
    )
    assert not speaker.photo and not speaker_photo_storage().exists(photo)
    assert speaker.may_be_named is False
    assert speaker.public_name == "Speaker to be confirmed"
    link = submission.speaker_links.get()
    assert (link.dietary_needs, link.access_needs, link.arrival_date) == ("", "", None)
    invitation = SubmissionInvitation.objects.get(submission=submission)
    assert (invitation.name, invitation.message) == ("", "")
    assert invitation.email.endswith("@erased.invalid")
    # The accepted programme stays, under no name.
    session = AgendaSession.objects.get(pk=submission.session_id)
    assert session.title == DETAILS["title"]
    assert client.get(old_url).status_code == 404
    agenda = client.get(submission.edition.get_absolute_url() + "agenda/")
    page = agenda.content.decode()
    assert DETAILS["title"] in page and "Priya" not in page
    record = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.ERASE)
    assert "speaker profile blanked" in record.detail


def test_erasure_by_an_organiser_also_blanks_the_speaker(person, speaker_item):
    _submission, speaker = speaker_item

    account_erase(user=person, actor=StaffFactory())

    speaker.refresh_from_db()
    assert (speaker.display_name, speaker.user) == ("Erased speaker", None)
