"""Download my data: a JSON file of everything held about the signed-in person."""

import json

import pytest
from django.urls import reverse

from delegates.privacy.models import PersonalDataAccess
from delegates.services import registration_cancel
from socex.mail.services import email_queue_message
from tests.factories.delegates import ProfileFactory, RegistrationFactory
from tests.factories.workshops import WorkshopRunFactory

pytestmark = pytest.mark.django_db

URL = "delegates:data_download"


def download(client) -> dict:
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_download_anonymous_is_sent_to_login(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_download_without_reauthentication_asks_for_the_password(client, person):
    client.force_login(person)
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert PersonalDataAccess.objects.count() == 0


def test_download_holds_account_profile_registrations_and_history(
    client, person, reauthenticate
):
    registration = person.registrations.get()
    registration_cancel(registration=registration, actor=person)
    client.force_login(person)
    reauthenticate(client)
    data = download(client)
    assert data["account"]["email"] == person.email
    assert data["account"]["email_addresses"] == [
        {"email": person.email, "verified": True, "primary": True}
    ]
    profile = data["profile"]
    assert (profile["first_name"], profile["last_name"]) == ("Priya", "Chandra")
    assert profile["badge_name"] == "Pri Chandra"
    assert profile["phone"] == "+44 20 7946 0001"
    assert profile["dietary_requirements"] == "Vegan"
    assert profile["accessibility_requirements"] == "Step-free access"
    [row] = data["registrations"]
    assert row["reference"] == registration.reference
    assert row["status"] == "cancelled"
    assert row["edition"]["title"] == registration.edition.title
    assert [(c["from"], c["to"], c["by"]) for c in row["status_history"]] == [
        ("confirmed", "cancelled", "you")
    ]


def test_download_lists_emails_without_bodies(client, person, reauthenticate):
    email_queue_message(
        to=person.email.upper(),
        subject="[SOCEX] Password reset",
        body_text="Reset: https://socex.example/reset/SECRET-TOKEN/",
        template="password_reset_key",
    )
    client.force_login(person)
    reauthenticate(client)
    data = download(client)
    subjects = [email["subject"] for email in data["emails"]]
    assert "[SOCEX] Password reset" in subjects
    assert "SECRET-TOKEN" not in json.dumps(data)
    assert set(data["emails"][0]) == {
        "to",
        "subject",
        "created_at",
        "sent_at",
        "status",
    }


def test_download_holds_workshop_choices_through_the_hook(
    client, person, reauthenticate
):
    registration = person.registrations.get()
    run = WorkshopRunFactory(
        workshop__edition=registration.edition, workshop__title="Cash couriers"
    )
    registration.workshop_choices.create(
        run=run, block=run.block, workshop=run.workshop
    )
    registration.workshop_preferences.create(workshop=run.workshop, rank=1)
    client.force_login(person)
    reauthenticate(client)
    [section] = download(client)["workshops"]
    assert section["registration"] == registration.reference
    assert [choice["workshop"] for choice in section["choices"]] == ["Cash couriers"]
    assert section["preferences"] == [{"rank": 1, "workshop": "Cash couriers"}]


def test_download_never_holds_another_persons_data(client, person, reauthenticate):
    other = ProfileFactory(
        first_name="Oliver", last_name="Otherperson", phone="+44 20 7946 0999"
    ).user
    other_registration = RegistrationFactory(user=other)
    email_queue_message(to=other.email, subject="Other's email", body_text="x")
    client.force_login(person)
    reauthenticate(client)
    text = json.dumps(download(client))
    for secret in (
        other.email,
        "Otherperson",
        "+44 20 7946 0999",
        other_registration.reference,
        "Other's email",
    ):
        assert secret not in text


def test_download_is_recorded(client, person, reauthenticate):
    client.force_login(person)
    reauthenticate(client)
    download(client)
    record = PersonalDataAccess.objects.get()
    assert record.kind == PersonalDataAccess.Kind.DATA_DOWNLOAD
    assert (record.actor, record.subject, record.rows) == (person, person, 1)
    assert record.ip_address == "127.0.0.1"


def test_my_data_page_links_download_and_delete(client, person):
    assert client.get(reverse("delegates:my_data")).status_code == 302
    client.force_login(person)
    page = client.get(reverse("delegates:my_data")).content.decode()
    assert reverse(URL) in page
    assert reverse("delegates:account_delete") in page
