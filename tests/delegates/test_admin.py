import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from delegates import services
from delegates.models import Registration
from events.models import Edition
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import ProfileFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db


Category = Registration.Category

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


def _add(client, edition, user, category="speaker"):
    return client.post(
        reverse("admin:delegates_registration_add"),
        {
            "edition": edition.pk,
            "user": user.pk,
            "category": category,
            "consent_terms": "on",
        },
    )


@pytest.mark.parametrize(
    "kind, message", [("past", "already ended"), ("archived", "archived")]
)
def test_admin_add_to_ended_or_archived_edition_is_refused(
    organiser_client, make_delegate, kind, message
):
    if kind == "past":
        start = timezone.localdate() - dt.timedelta(days=30)
        edition = EditionFactory(
            start_date=start, end_date=start + dt.timedelta(days=1)
        )
    else:
        edition = EditionFactory(status=Edition.Status.ARCHIVED)
    user = make_delegate("late@police.uk")

    response = _add(organiser_client, edition, user)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Registration.objects.exists()
    with pytest.raises(ValidationError, match=message):
        services.registration_create(
            edition=edition,
            user=user,
            consent_terms=True,
            category="speaker",
            actor=organiser_client.organiser,
        )


def test_admin_add_to_draft_edition_still_works(organiser_client, make_delegate):
    edition = EditionFactory(status=Edition.Status.DRAFT)
    user = make_delegate("early@police.uk")

    response = _add(organiser_client, edition, user)

    assert response.status_code == 302
    assert Registration.objects.get(user=user).status == Status.CONFIRMED


@pytest.mark.parametrize(
    "selected", ["999999999999999999999", "abc", "-1", "1e3", "9223372036854775808"]
)
@pytest.mark.parametrize("action", ["approve", "export_xlsx", "decline"])
def test_admin_action_with_bad_ids_gives_a_message_not_500(
    organiser_client, edition, make_delegate, selected, action
):
    pending = _register(edition, make_delegate("p@gmail.com"))

    response = organiser_client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(pending.pk), selected]},
        follow=True,
    )

    assert response.status_code == 200
    assert "selection" in response.content.decode()
    assert Registration.objects.get(pk=pending.pk).status == Status.PENDING


@pytest.mark.parametrize("user", ["99999999999999999999", "abc", "-5"])
def test_admin_add_with_bad_user_id_is_a_form_error(organiser_client, edition, user):
    response = organiser_client.post(
        reverse("admin:delegates_registration_add"),
        {
            "edition": edition.pk,
            "user": user,
            "category": "speaker",
            "consent_terms": "on",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Registration.objects.exists()


def test_admin_add_with_bad_edition_id_is_a_form_error(organiser_client, make_delegate):
    user = make_delegate("x@police.uk")
    response = organiser_client.post(
        reverse("admin:delegates_registration_add"),
        {
            "edition": "99999999999999999999",
            "user": user.pk,
            "category": "speaker",
            "consent_terms": "on",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_admin_adds_back_a_cancelled_person_on_the_same_row(
    organiser_client, edition, make_delegate
):
    user = make_delegate("back@gmail.com")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)

    response = _add(organiser_client, edition, user, category="partner")

    assert response.status_code == 302
    again = Registration.objects.get(user=user)
    assert (again.pk, again.category, again.status) == (
        registration.pk,
        Category.PARTNER,
        Status.CONFIRMED,
    )
    assert again.status_changes.order_by("id").last().actor == (
        organiser_client.organiser
    )


def test_admin_add_of_a_registered_person_is_a_form_error(
    organiser_client, edition, make_delegate
):
    user = make_delegate("here@police.uk")
    registration = _register(edition, user)

    response = _add(organiser_client, edition, user)

    assert response.status_code == 200
    assert "is already registered for" in response.content.decode()
    assert Registration.objects.get().category == registration.category


def test_admin_approve_message_says_what_happened(
    organiser_client, edition, make_delegate
):
    pending = [_register(edition, make_delegate(f"p{n}@gmail.com")) for n in range(4)]

    response = organiser_client.post(
        reverse(CHANGELIST),
        {"action": "approve", "_selected_action": [r.pk for r in pending]},
        follow=True,
    )

    page = response.content.decode()
    assert "3 registration(s) confirmed" in page
    assert "1 registration(s) put on the waiting list" in page
    assert "approved." not in page


def test_admin_xlsx_export_writes_text_not_formulas(
    organiser_client, edition, make_delegate
):
    user = make_delegate("x@police.uk", organisation="=HYPERLINK(evil)")
    registration = _register(edition, user)

    response = organiser_client.post(
        reverse(CHANGELIST),
        {"action": "export_xlsx", "_selected_action": [registration.pk]},
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    row = list(sheet.iter_rows())[1]
    assert row[11].value == "=HYPERLINK(evil)"
    assert row[11].data_type == "s"
    assert row[0].value == registration.reference


# One rule, one wording: the admin refuses in the service's words ---------------------


def _service_refusal(**kwargs) -> list[str]:
    with pytest.raises(ValidationError) as error:
        services.registration_create(**kwargs)
    return error.value.messages


def _past_edition():
    start = timezone.localdate() - dt.timedelta(days=30)
    return EditionFactory(start_date=start, end_date=start + dt.timedelta(days=1))


@pytest.mark.parametrize(
    "rule", ["ended", "archived", "registered", "no_profile", "no_consent", "self"]
)
def test_admin_add_refuses_in_the_words_of_the_service(
    organiser_client, edition, make_delegate, rule
):
    organiser = organiser_client.organiser
    user = make_delegate("rule@police.uk")
    consent, category = True, "speaker"
    if rule == "ended":
        edition = _past_edition()
    elif rule == "archived":
        edition = EditionFactory(status=Edition.Status.ARCHIVED)
    elif rule == "registered":
        _register(edition, user)
    elif rule == "no_profile":
        user = UserFactory(email="bare@police.uk")
    elif rule == "no_consent":
        consent = False
    else:  # an organiser adding themselves is not "an organiser adding a person"
        ProfileFactory(user=organiser)
        user = organiser
    before = Registration.objects.count()
    words = _service_refusal(
        edition=edition,
        user=user,
        consent_terms=consent,
        category=category,
        actor=organiser,
    )

    data = {"edition": edition.pk, "user": user.pk, "category": category}
    if consent:
        data["consent_terms"] = "on"
    response = organiser_client.post(reverse("admin:delegates_registration_add"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert words and all(escape(message) in page for message in words)
    assert Registration.objects.count() == before


def test_admin_decline_refuses_an_empty_reason_in_the_words_of_the_service(
    organiser_client, edition, make_delegate
):
    registration = _register(edition, make_delegate("why@gmail.com"))
    with pytest.raises(ValidationError) as error:
        services.registration_decline(
            registration=registration, actor=organiser_client.organiser, reason="  "
        )
    words = error.value.messages

    page = _action(organiser_client, "decline", [registration], apply="1", reason="  ")

    assert words == ["Give the reason for declining."]
    assert all(escape(message) in page.content.decode() for message in words)
    assert Registration.objects.get(pk=registration.pk).status == Status.PENDING
