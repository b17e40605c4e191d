"""Tests for the defects found in review (issue 4): each failed before its fix."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from delegates import demo, demo_registrations, selectors, services
from delegates.models import Registration, TrustedDomain
from events.models import Edition
from events.services import edition_duplicate
from socex.mail.models import OutboxEmail
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import (
    ProfileFactory,
    RegistrationFactory,
    TrustedDomainFactory,
)
from tests.factories.events import (
    AgendaSessionFactory,
    EditionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status
Category = Registration.Category
CHANGELIST = "admin:delegates_registration_changelist"


def _register(edition, user):
    return services.registration_create(edition=edition, user=user, consent_terms=True)


@pytest.fixture
def organiser_client(client):
    organiser = StaffFactory()
    client.force_login(organiser)
    client.organiser = organiser
    return client


# 1. Demo waiting list -----------------------------------------------------------


def test_demo_waitlist_is_in_the_past_and_newcomers_join_behind_it(make_delegate):
    from events import demo as events_demo

    out = io.StringIO()
    demo.load(stdout=out)
    events_demo.load(stdout=out)
    demo_registrations.load(stdout=out)
    edition = Edition.objects.get(slug="economic-crime-2027")
    queue = list(selectors.waitlist_queue(edition=edition))
    assert len(queue) == 30
    assert all(r.waitlisted_at < timezone.now() for r in queue)
    assert [r.number for r in queue] == sorted(r.number for r in queue)

    TrustedDomainFactory(edition=edition, domain="police.uk")
    newcomer = _register(edition, make_delegate("late@police.uk"))

    assert newcomer.status == Status.WAITLISTED
    assert selectors.waitlist_position(registration=newcomer) == 31
    promoted = services.registration_cancel(
        registration=Registration.objects.filter(
            edition=edition, status=Status.CONFIRMED
        ).first(),
        actor=newcomer.user,
    )
    assert promoted.status == Status.CANCELLED
    assert Registration.objects.get(pk=newcomer.pk).status == Status.WAITLISTED
    assert Registration.objects.get(pk=queue[0].pk).status == Status.CONFIRMED


def test_demo_load_repairs_a_waiting_list_loaded_in_the_future():
    from events import demo as events_demo

    out = io.StringIO()
    demo.load(stdout=out)
    events_demo.load(stdout=out)
    demo_registrations.load(stdout=out)
    edition = Edition.objects.get(slug="economic-crime-2027")
    queue = list(selectors.waitlist_queue(edition=edition))
    for n, registration in enumerate(queue):  # as the old demo wrote them
        registration.waitlisted_at = timezone.now() + dt.timedelta(minutes=n + 1)
    Registration.objects.bulk_update(queue, ["waitlisted_at"])

    demo_registrations.load(stdout=out)

    repaired = list(selectors.waitlist_queue(edition=edition))
    assert [r.pk for r in repaired] == [r.pk for r in queue]
    assert all(r.waitlisted_at < timezone.now() for r in repaired)


# 2. allauth emails through the outbox keep the site's name ------------------------


def test_signup_verification_email_names_the_site(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.person@police.uk",
                "password1": "a-long-Passphrase-2027",
                "password2": "a-long-Passphrase-2027",
            },
        )

    assert response.status_code == 302
    email = OutboxEmail.objects.get(to="new.person@police.uk")
    # The verification link is a secret: the outbox keeps no body once sent, so the
    # site's name is checked in the message that went out.
    assert email.secret
    sent_body = mail.outbox[0].body
    for body in (sent_body, email.subject):
        assert "SOCEX" in body
    assert "Hello from !" not in sent_body
    assert " on ." not in sent_body
    assert len(mail.outbox) == 1
    assert "SOCEX" in mail.outbox[0].body


# 3. Speakers ------------------------------------------------------------------------


def _speaking_user(edition, title="Follow the money"):
    user = UserFactory(email="speaker@example.com")
    ProfileFactory(user=user)
    speaker = SpeakerFactory(user=user)
    session = AgendaSessionFactory(edition=edition, title=title)
    SessionSpeakerFactory(session=session, speaker=speaker)
    return user, session


def test_dashboard_lists_the_speakers_sessions(client, edition):
    user, session = _speaking_user(edition)
    draft = EditionFactory(status=Edition.Status.DRAFT)
    SessionSpeakerFactory(
        session=AgendaSessionFactory(edition=draft, title="Secret draft talk"),
        speaker=user.speaker,
    )
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "Your sessions as a speaker" in page
    assert "Follow the money" in page
    assert edition.title in page
    assert session.room.name in page
    assert timezone.localtime(session.starts_at).strftime("%H:%M") in page
    assert "Secret draft talk" not in page


def test_dashboard_without_speaker_has_no_speaker_section(client, make_delegate):
    client.force_login(make_delegate("plain@police.uk"))

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "Your sessions as a speaker" not in page


@pytest.mark.parametrize("count", [1, 5])
def test_dashboard_speaker_sessions_cost_one_query(
    client, edition, count, django_assert_max_num_queries
):
    user, _session = _speaking_user(edition)
    for n in range(count - 1):
        other = EditionFactory()
        SessionSpeakerFactory(
            session=AgendaSessionFactory(edition=other, title=f"Talk {n}"),
            speaker=user.speaker,
        )
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delegates:dashboard"))
    assert response.content.decode().count("Talk ") == count - 1


def test_speaker_registering_for_their_edition_is_a_confirmed_speaker(
    client, edition, make_delegate
):
    edition.capacity = 1
    edition.save()
    _register(edition, make_delegate("full@police.uk"))  # the one delegate place
    user, _session = _speaking_user(edition)  # gmail-like domain: not trusted
    client.force_login(user)
    page = client.get(reverse("delegates:register", args=[edition.slug]))
    assert "registered as a speaker" in page.content.decode()

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert (registration.category, registration.status) == (
        Category.SPEAKER,
        Status.CONFIRMED,
    )
    change = registration.status_changes.get()
    assert (change.from_status, change.to_status) == ("", Status.CONFIRMED)
    assert "Speaker" in change.reason
    assert edition.seats.confirmed == 1  # the speaker takes no delegate place
    assert OutboxEmail.objects.filter(
        to=user.email, template="registration_confirmed"
    ).exists()


def test_speaker_of_another_edition_registers_as_a_delegate(edition):
    user, _session = _speaking_user(EditionFactory())

    registration = _register(edition, user)

    assert (registration.category, registration.status) == (
        Category.DELEGATE,
        Status.PENDING,
    )


# 4. Admin cannot add to past or archived editions --------------------------------


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
    with pytest.raises(services.ValidationError, match=message):
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


# 5. Hostile ids in the admin -------------------------------------------------------


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


# 6. Registering again after cancelling ---------------------------------------------


def test_cancelled_delegate_registers_again_on_the_same_row(
    client, edition, make_delegate
):
    user = make_delegate("back@police.uk")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)
    client.force_login(user)

    page = client.get(reverse("delegates:register", args=[edition.slug]))
    assert "already registered" not in page.content.decode()
    assert 'name="consent_terms"' in page.content.decode()

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    assert response.status_code == 302
    again = Registration.objects.get(user=user, edition=edition)
    assert again.pk == registration.pk
    assert again.reference == registration.reference
    assert again.status == Status.CONFIRMED
    assert edition.seats.confirmed == 1
    history = list(again.status_changes.order_by("id").values_list("to_status"))
    assert history == [(Status.CONFIRMED,), (Status.CANCELLED,), (Status.CONFIRMED,)]
    assert (
        OutboxEmail.objects.filter(
            to=user.email, template="registration_confirmed"
        ).count()
        == 2
    )


def test_cancelled_delegate_registering_again_joins_the_back_of_the_list(
    edition, make_delegate
):
    first = make_delegate("first@police.uk")
    registration = _register(edition, first)
    for n in range(2):
        _register(edition, make_delegate(f"c{n}@police.uk"))
    waiting = _register(edition, make_delegate("w@police.uk"))
    assert waiting.status == Status.WAITLISTED
    services.registration_cancel(registration=registration, actor=first)
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    later = _register(edition, make_delegate("w2@police.uk"))

    again = _register(edition, first)

    assert again.pk == registration.pk
    assert again.status == Status.WAITLISTED
    assert selectors.waitlist_position(registration=again) == 2
    assert selectors.waitlist_position(registration=later) == 1
    assert OutboxEmail.objects.filter(
        to=first.email, template="registration_waitlisted"
    ).exists()


def test_untrusted_delegate_registering_again_is_pending(edition, make_delegate):
    user = make_delegate("back@gmail.com")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)

    again = _register(edition, user)

    assert (again.pk, again.status) == (registration.pk, Status.PENDING)


def test_declined_delegate_cannot_register_again(edition, make_delegate):
    user = make_delegate("no@gmail.com")
    registration = _register(edition, user)
    services.registration_decline(
        registration=registration, actor=StaffFactory(), reason="Not eligible."
    )

    with pytest.raises(services.ValidationError, match="already registered"):
        _register(edition, user)


def test_register_again_after_cancel_when_closed_is_refused(edition, make_delegate):
    user = make_delegate("back@police.uk")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)
    edition.registration_closes_at = timezone.now() - dt.timedelta(hours=1)
    edition.save()

    with pytest.raises(services.ValidationError, match="closed"):
        _register(edition, user)
    assert Registration.objects.get(pk=registration.pk).status == Status.CANCELLED


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


def test_cancel_page_of_a_cancelled_registration_offers_no_cancel(
    client, edition, make_delegate
):
    user = make_delegate("back@police.uk")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)
    client.force_login(user)

    page = client.get(reverse("delegates:cancel", args=[registration.reference]))
    dashboard = client.get(reverse("delegates:dashboard"))

    assert "Cancel my registration" not in page.content.decode()
    register_url = reverse("delegates:register", args=[edition.slug])
    assert register_url in page.content.decode()
    assert register_url in dashboard.content.decode()


# 7. Smaller defects ----------------------------------------------------------------


def test_register_consent_error_is_shown_once(client, edition, make_delegate):
    client.force_login(make_delegate("c@police.uk"))

    response = client.post(reverse("delegates:register", args=[edition.slug]), {})

    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Please accept the terms and the privacy notice") == 1
    assert reverse("terms") in page and reverse("privacy") in page


def test_register_post_without_profile_shows_no_empty_details(client, edition):
    user = UserFactory(verified=True)
    client.force_login(user)

    response = client.post(
        reverse("delegates:register", args=[edition.slug]), {"consent_terms": "on"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "complete your profile" in page.lower()
    assert "()" not in " ".join(page.split())
    assert "Name on badge: <strong></strong>" not in page
    assert reverse("delegates:profile") in page


def test_profile_inputs_have_autocomplete(client):
    client.force_login(UserFactory())

    page = client.get(reverse("delegates:profile")).content.decode()

    for name, token in [
        ("title_rank", "honorific-prefix"),
        ("first_name", "given-name"),
        ("last_name", "family-name"),
        ("job_title", "organization-title"),
        ("organisation", "organization"),
        ("country", "country-name"),
        ("phone", "tel"),
    ]:
        assert f'autocomplete="{token}"' in page, name


def test_dashboard_dates_use_the_site_format(client, make_delegate):
    edition = EditionFactory(
        start_date=dt.date(2027, 11, 17), end_date=dt.date(2027, 11, 18)
    )
    TrustedDomainFactory(edition=edition)
    user = make_delegate("d@police.uk")
    _register(edition, user)
    client.force_login(user)

    page = client.get(reverse("delegates:dashboard")).content.decode()

    assert "17–18 November 2027" in page
    assert "17 November 2027 – 18 November 2027" not in page


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


# 8. Trusted domains follow a duplicated edition --------------------------------------


def test_duplicated_edition_keeps_the_trusted_domains(edition, make_delegate):
    copy = edition_duplicate(edition=edition)

    domains = set(
        TrustedDomain.objects.filter(edition=copy).values_list("domain", flat=True)
    )
    assert domains == {"police.uk", "nca.gov.uk"}
    assert TrustedDomain.objects.filter(edition=edition).count() == 2
    copy.status = Edition.Status.PUBLISHED
    copy.registration_opens_at = None
    copy.save()
    assert _register(copy, make_delegate("a@police.uk")).status == Status.CONFIRMED


def test_register_button_offers_registering_again_after_cancelling(client):
    registration = RegistrationFactory(status=Registration.Status.CANCELLED)
    client.force_login(registration.user)
    content = client.get(registration.edition.get_absolute_url()).content.decode()
    assert "Registered: Cancelled" not in content
    assert f'href="/my/register/{registration.edition.slug}/"' in content


def test_personal_and_public_calendars_share_session_uids(client):
    from icalendar import Calendar

    registration = RegistrationFactory()
    session = AgendaSessionFactory(edition=registration.edition, title="Keynote")
    client.force_login(registration.user)

    def uids(url):
        calendar = Calendar.from_ical(client.get(url).content)
        return {str(event["uid"]) for event in calendar.walk("VEVENT")}

    personal = uids(
        reverse("delegates:agenda_ics", kwargs={"reference": registration.reference})
    )
    public = uids(reverse("events:edition_ics", kwargs={"slug": session.edition.slug}))
    assert personal == public == {f"socex-session-{session.pk}@127.0.0.1"}


def test_plain_text_event_details_put_a_multiline_address_on_one_line():
    from django.template.loader import render_to_string

    registration = RegistrationFactory()
    venue = registration.edition.venue
    venue.address = "University Park\nBeeston Lane"
    text = render_to_string(
        "emails/_event_details.txt",
        {"edition": registration.edition, "venue": venue, "registration": registration},
    )
    assert "{{" not in text and "}}" not in text
    assert (
        f"Venue:     {venue.name}, University Park, Beeston Lane, {venue.town} "
        f"{venue.postcode}" in text
    )
