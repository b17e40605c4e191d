import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from delegates import services
from delegates.models import Registration
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import ProfileFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status
CHANGELIST = "admin:delegates_registration_changelist"


@pytest.fixture
def organiser_client(client):
    organiser = StaffFactory()
    client.force_login(organiser)
    client.organiser = organiser
    return client


def _register(edition, user):
    return services.registration_create(edition=edition, user=user, consent_terms=True)


def _action(client, action, registrations, **extra):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": action,
            "_selected_action": [r.pk for r in registrations],
            **extra,
        },
    )


def test_admin_approve_in_bulk_respects_capacity(
    organiser_client, edition, make_delegate
):
    pending = [_register(edition, make_delegate(f"p{n}@gmail.com")) for n in range(4)]

    response = _action(organiser_client, "approve", pending)

    assert response.status_code == 302
    statuses = [Registration.objects.get(pk=r.pk).status for r in pending]
    assert statuses == [Status.CONFIRMED] * 3 + [Status.WAITLISTED]
    change = pending[0].status_changes.last()
    assert change.actor == organiser_client.organiser


def test_admin_decline_asks_for_a_reason_first(
    organiser_client, edition, make_delegate, django_capture_on_commit_callbacks
):
    registration = _register(edition, make_delegate("d@gmail.com"))

    page = _action(organiser_client, "decline", [registration])
    assert page.status_code == 200
    assert "Decline and email" in page.content.decode()
    assert Registration.objects.get(pk=registration.pk).status == Status.PENDING

    empty = _action(organiser_client, "decline", [registration], apply="1", reason="")
    assert "Give the reason for declining." in empty.content.decode()
    assert Registration.objects.get(pk=registration.pk).status == Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        done = _action(
            organiser_client,
            "decline",
            [registration],
            apply="1",
            reason="Not in law enforcement.",
        )
    assert done.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.decline_reason) == (
        Status.DECLINED,
        "Not in law enforcement.",
    )
    declined = [m for m in mail.outbox if m.to == ["d@gmail.com"]]
    assert "Not in law enforcement." in declined[-1].body


def test_admin_move_to_waitlist_and_resend(
    organiser_client, edition, make_delegate, django_capture_on_commit_callbacks
):
    pending = _register(edition, make_delegate("w@gmail.com"))
    confirmed = _register(edition, make_delegate("c@police.uk"))
    mail.outbox.clear()

    _action(organiser_client, "move_to_waitlist", [pending])
    with django_capture_on_commit_callbacks(execute=True):
        _action(organiser_client, "resend_confirmation", [confirmed])

    assert Registration.objects.get(pk=pending.pk).status == Status.WAITLISTED
    assert [m.to for m in mail.outbox if m.subject.startswith("Confirmed")] == [
        ["c@police.uk"]
    ]


def test_admin_action_error_is_reported_and_changes_nothing(
    organiser_client, edition, make_delegate
):
    confirmed = _register(edition, make_delegate("c@police.uk"))

    response = _action(organiser_client, "approve", [confirmed])

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Only pending or declined" in m for m in messages)
    assert confirmed.status_changes.count() == 1


def test_admin_export_csv_and_xlsx(organiser_client, edition, make_delegate):
    user = make_delegate("x@police.uk", organisation="=HYPERLINK(evil)")
    registration = _register(edition, user)

    response = _action(organiser_client, "export_csv", [registration])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Reference"
    assert rows[1][0] == registration.reference
    assert rows[1][9] == "x@police.uk"
    assert rows[1][11] == "'=HYPERLINK(evil)"

    response = _action(organiser_client, "export_xlsx", [registration])
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == registration.reference
    # XLSX cells are typed as text: no apostrophe, and never a formula.
    assert values[1][11] == "=HYPERLINK(evil)"


def test_admin_changelist_filters_and_search(organiser_client, edition, make_delegate):
    _register(edition, make_delegate("a@police.uk", country="Ireland"))
    _register(edition, make_delegate("b@gmail.com", last_name="Okonkwo"))
    url = reverse(CHANGELIST)

    by_status = organiser_client.get(url, {"status": "pending"})
    by_country = organiser_client.get(url, {"country": "Ireland"})
    by_search = organiser_client.get(url, {"q": "Okonkwo"})

    assert by_status.context["cl"].result_count == 1
    assert by_country.context["cl"].result_count == 1
    assert by_search.context["cl"].result_count == 1


def test_admin_changelist_query_count(
    organiser_client, edition, make_delegate, django_assert_max_num_queries
):
    for n in range(3):
        _register(edition, make_delegate(f"q{n}@police.uk"))
    with django_assert_max_num_queries(20) as few:
        organiser_client.get(reverse(CHANGELIST))
    for n in range(12):
        _register(edition, make_delegate(f"r{n}@gmail.com"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        organiser_client.get(reverse(CHANGELIST))


def test_admin_registration_page_shows_history(
    organiser_client, edition, make_delegate
):
    registration = _register(edition, make_delegate("h@gmail.com"))
    services.registration_approve(
        registration=registration, actor=organiser_client.organiser
    )

    page = organiser_client.get(
        reverse("admin:delegates_registration_change", args=[registration.pk])
    ).content.decode()

    assert "Status history" in page
    assert organiser_client.organiser.email in page


def test_admin_add_speaker_goes_through_the_service(organiser_client, edition):
    user = UserFactory(email="speaker@example.com")
    ProfileFactory(user=user)

    response = organiser_client.post(
        reverse("admin:delegates_registration_add"),
        {
            "edition": edition.pk,
            "user": user.pk,
            "category": "speaker",
            "consent_terms": "on",
        },
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert (registration.status, registration.category) == (
        Status.CONFIRMED,
        "speaker",
    )
    assert registration.status_changes.get().actor == organiser_client.organiser


def test_admin_catering_summary(organiser_client, edition, make_delegate):
    _register(edition, make_delegate("v1@police.uk", dietary_requirements="vegan"))
    _register(edition, make_delegate("v2@police.uk", dietary_requirements="Vegan "))
    _register(
        edition,
        make_delegate(
            "a1@police.uk",
            dietary_requirements="N/A",
            accessibility_requirements="Step-free access",
        ),
    )
    _register(edition, make_delegate("p@gmail.com", dietary_requirements="Halal"))

    page = organiser_client.get(
        reverse("admin:delegates_registration_summary", args=[edition.pk])
    )

    summary = page.context["summary"]
    assert summary["total"] == 3
    assert summary["dietary"] == [("Vegan", 2)]
    assert summary["no_dietary_requirement"] == 1
    assert [row["needs"] for row in summary["accessibility"]] == ["Step-free access"]


def test_admin_pages_refuse_non_staff(client, edition, make_delegate):
    client.force_login(make_delegate("nosy@police.uk"))

    response = client.get(
        reverse("admin:delegates_registration_summary", args=[edition.pk])
    )

    assert response.status_code == 302
    assert "/admin/login/" in response.url
