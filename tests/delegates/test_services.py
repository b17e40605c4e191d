import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from delegates import selectors, services, tasks
from delegates.models import (
    EditionSeats,
    Profile,
    Registration,
    RegistrationStatusChange,
    TrustedDomain,
)
from delegates.signals import registration_status_changed
from events.models import Edition
from events.signals import edition_capacity_changed
from socex.mail.models import OutboxEmail
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.delegates import TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status
Category = Registration.Category


def _register(edition, user, **kwargs):
    return services.registration_create(
        edition=edition, user=user, consent_terms=True, **kwargs
    )


def _fill(edition, make_delegate, count):
    return [
        _register(edition, make_delegate(f"fill{n}-{edition.pk}@police.uk"))
        for n in range(count)
    ]


def test_registration_trusted_verified_delegate_is_confirmed(edition, make_delegate):
    registration = _register(
        edition, make_delegate("sam.patel@west-midlands.police.uk")
    )

    assert registration.status == Status.CONFIRMED
    assert registration.confirmed_at is not None
    assert (
        registration.reference == f"{edition.series.code}{edition.year % 100:02d}-0001"
    )
    assert EditionSeats.objects.get(edition=edition).confirmed == 1


def test_registration_domain_match_is_not_fooled_by_lookalikes(edition, make_delegate):
    registration = _register(edition, make_delegate("crook@notpolice.uk"))

    assert registration.status == Status.PENDING


def test_registration_unverified_trusted_address_waits_for_approval(
    edition, make_delegate
):
    registration = _register(edition, make_delegate("new@police.uk", verified=False))

    assert registration.status == Status.PENDING
    assert EditionSeats.objects.get(edition=edition).confirmed == 0


def test_registration_untrusted_domain_is_pending_and_emailed(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(edition, make_delegate("sam@gmail.com"))

    assert registration.status == Status.PENDING
    assert [m.to for m in mail.outbox] == [["sam@gmail.com"]]
    assert "received your registration" in mail.outbox[0].subject
    assert registration.reference in mail.outbox[0].body


def test_registration_when_full_trusted_delegate_is_waitlisted(edition, make_delegate):
    _fill(edition, make_delegate, 3)

    registration = _register(edition, make_delegate("late@police.uk"))

    assert registration.status == Status.WAITLISTED
    assert selectors.waitlist_position(registration=registration) == 1
    assert EditionSeats.objects.get(edition=edition).confirmed == 3


def test_registration_confirmed_email_has_dates_venue_and_ics(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(edition, make_delegate("di.jones@police.uk"))

    message = next(m for m in mail.outbox if m.subject.startswith("Confirmed:"))
    assert edition.venue.name in message.body
    assert edition.start_date.strftime("%-d %B %Y") in message.body
    html = message.alternatives[0][0]
    assert registration.reference in html
    filename, content, mimetype = message.attachments[0]
    assert (filename, mimetype) == (f"{edition.slug}.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == edition.start_date


def test_registration_status_change_is_recorded_and_signalled(edition, make_delegate):
    seen = []

    def receiver(sender, registration, from_status, to_status, **kwargs):
        seen.append((registration.pk, from_status, to_status))

    registration_status_changed.connect(receiver)
    try:
        user = make_delegate("a@police.uk")
        registration = _register(edition, user)
        services.registration_cancel(registration=registration, actor=user)
    finally:
        registration_status_changed.disconnect(receiver)

    assert seen == [
        (registration.pk, "", Status.CONFIRMED),
        (registration.pk, Status.CONFIRMED, Status.CANCELLED),
    ]
    history = list(
        RegistrationStatusChange.objects.filter(registration=registration).values_list(
            "from_status", "to_status", "actor"
        )
    )
    assert history == [
        ("", Status.CONFIRMED, user.pk),
        (Status.CONFIRMED, Status.CANCELLED, user.pk),
    ]


def test_registration_second_time_is_refused(edition, make_delegate):
    user = make_delegate("twice@police.uk")
    _register(edition, user)

    with pytest.raises(ValidationError, match="already registered"):
        _register(edition, user)
    assert Registration.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": Edition.Status.DRAFT}, "not open"),
        ({"status": Edition.Status.ARCHIVED}, "not open"),
        (
            {"registration_closes_at": timezone.now() - dt.timedelta(hours=1)},
            "closed on",
        ),
        ({"registration_opens_at": timezone.now() + dt.timedelta(days=3)}, "opens on"),
        (
            {
                "start_date": timezone.localdate() - dt.timedelta(days=30),
                "end_date": timezone.localdate() - dt.timedelta(days=29),
            },
            "already taken place",
        ),
    ],
)
def test_registration_when_edition_not_open_changes_nothing(
    make_delegate, changes, message
):
    edition = EditionFactory(**changes)
    TrustedDomainFactory(edition=edition)

    with pytest.raises(ValidationError, match=message):
        _register(edition, make_delegate("x@police.uk"))
    assert Registration.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_registration_without_consent_is_refused(edition, make_delegate):
    with pytest.raises(ValidationError) as error:
        services.registration_create(
            edition=edition, user=make_delegate(), consent_terms=False
        )
    assert "consent_terms" in error.value.error_dict
    assert Registration.objects.count() == 0


def test_registration_without_profile_is_refused(edition):
    with pytest.raises(ValidationError, match="complete your profile"):
        _register(edition, UserFactory())


def test_registration_speaker_needs_an_organiser_and_takes_no_place(
    edition, make_delegate
):
    user = make_delegate("speaker@example.com")
    with pytest.raises(ValidationError, match="Only organisers"):
        _register(edition, user, category=Registration.Category.SPEAKER)

    registration = _register(
        edition, user, category=Registration.Category.SPEAKER, actor=StaffFactory()
    )

    assert registration.status == Status.CONFIRMED
    assert EditionSeats.objects.get(edition=edition).confirmed == 0


def test_approve_respects_capacity_then_waitlists(edition, make_delegate):
    pending = [_register(edition, make_delegate(f"p{n}@gmail.com")) for n in range(4)]
    organiser = StaffFactory()

    statuses = [
        services.registration_approve(registration=r, actor=organiser).status
        for r in pending
    ]

    assert statuses == [Status.CONFIRMED] * 3 + [Status.WAITLISTED]


def test_approve_a_confirmed_registration_is_refused(edition, make_delegate):
    registration = _register(edition, make_delegate("c@police.uk"))

    with pytest.raises(ValidationError, match="Only pending"):
        services.registration_approve(registration=registration, actor=StaffFactory())


def test_decline_needs_a_reason_and_emails_it(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    registration = _register(edition, make_delegate("d@gmail.com"))
    organiser = StaffFactory()
    with pytest.raises(ValidationError, match="reason"):
        services.registration_decline(
            registration=registration, actor=organiser, reason="  "
        )

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decline(
            registration=registration,
            actor=organiser,
            reason="Places are for law enforcement staff.",
        )

    registration.refresh_from_db()
    assert registration.status == Status.DECLINED
    assert registration.decline_reason == "Places are for law enforcement staff."
    declined = next(m for m in mail.outbox if m.subject.startswith("Your registration"))
    assert "Places are for law enforcement staff." in declined.body
    change = registration.status_changes.last()
    assert (change.actor, change.reason) == (
        organiser,
        "Places are for law enforcement staff.",
    )


def test_cancel_promotes_the_first_in_line_and_tells_them(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    confirmed = _fill(edition, make_delegate, 3)
    first = _register(edition, make_delegate("first@police.uk"))
    second = _register(edition, make_delegate("second@police.uk"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=confirmed[1], actor=confirmed[1].user)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.CONFIRMED, Status.WAITLISTED)
    assert selectors.waitlist_position(registration=second) == 1
    sent = {(m.to[0], m.subject.split(":")[0]) for m in mail.outbox}
    assert (confirmed[1].user.email, "Cancelled") in sent
    assert ("first@police.uk", "A place is yours") in sent
    assert not [m for m in mail.outbox if m.to == ["second@police.uk"]]
    promoted = next(m for m in mail.outbox if m.subject.startswith("A place is yours"))
    assert promoted.attachments[0][2] == "text/calendar"
    assert EditionSeats.objects.get(edition=edition).confirmed == 3


def test_cancel_after_the_event_started_is_refused(make_delegate):
    edition = EditionFactory()
    TrustedDomainFactory(edition=edition)
    user = make_delegate("e@police.uk")
    registration = _register(edition, user)
    Edition.objects.filter(pk=edition.pk).update(
        start_date=timezone.localdate(), end_date=timezone.localdate()
    )

    with pytest.raises(ValidationError, match="has started"):
        services.registration_cancel(registration=registration, actor=user)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_move_confirmed_to_waitlist_promotes_the_next(edition, make_delegate):
    confirmed = _fill(edition, make_delegate, 3)
    waiting = _register(edition, make_delegate("w@police.uk"))

    services.registration_waitlist(registration=confirmed[0], actor=StaffFactory())

    waiting.refresh_from_db()
    confirmed[0].refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert confirmed[0].status == Status.WAITLISTED
    assert selectors.waitlist_position(registration=confirmed[0]) == 1


def test_capacity_rise_promotes_waitlist_in_order(edition, make_delegate):
    _fill(edition, make_delegate, 3)
    waiting = [_register(edition, make_delegate(f"w{n}@police.uk")) for n in range(3)]

    with transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(capacity=5)
        edition.refresh_from_db()
        edition_capacity_changed.send(
            sender=Edition, edition=edition, old_capacity=3, new_capacity=5
        )

    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]
    assert EditionSeats.objects.get(edition=edition).capacity == 5


def test_capacity_below_confirmed_is_refused(edition, make_delegate):
    _fill(edition, make_delegate, 3)

    with (
        pytest.raises(ValidationError, match="3 confirmed delegates"),
        transaction.atomic(),
    ):
        Edition.objects.filter(pk=edition.pk).update(capacity=2)
        edition.refresh_from_db()
        edition_capacity_changed.send(
            sender=Edition, edition=edition, old_capacity=3, new_capacity=2
        )

    assert Edition.objects.get(pk=edition.pk).capacity == 3


def test_seats_constraint_refuses_overbooking(edition, make_delegate):
    _fill(edition, make_delegate, 3)

    with pytest.raises(IntegrityError), transaction.atomic():
        EditionSeats.objects.filter(edition=edition).update(confirmed=4)


def test_resend_confirmation_only_for_confirmed(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    confirmed = _register(edition, make_delegate("r@police.uk"))
    pending = _register(edition, make_delegate("r@gmail.com"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_confirmation_resend(registration=confirmed)
    with pytest.raises(ValidationError, match="not confirmed"):
        services.registration_confirmation_resend(registration=pending)

    assert [m.to for m in mail.outbox] == [["r@police.uk"]]


def test_joining_instructions_sent_once_a_week_before(
    make_delegate, django_capture_on_commit_callbacks
):
    soon = EditionFactory(
        start_date=timezone.localdate() + dt.timedelta(days=6),
        registration_closes_at=None,
    )
    later = EditionFactory(start_date=timezone.localdate() + dt.timedelta(days=40))
    for edition in (soon, later):
        TrustedDomainFactory(edition=edition)
    _register(soon, make_delegate("soon@police.uk"))
    _register(soon, make_delegate("soon@gmail.com"))  # pending: nothing to join
    _register(later, make_delegate("later@police.uk"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.joining_instructions_queue()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.joining_instructions_queue()

    assert (first, again) == (1, 0)
    assert [m.to for m in mail.outbox] == [["soon@police.uk"]]
    assert mail.outbox[0].subject.startswith("Joining instructions")


def test_profile_save_rejects_bad_phone_and_numeric_names(make_delegate):
    user = UserFactory()

    with pytest.raises(ValidationError) as error:
        services.profile_save(
            user=user,
            first_name="123",
            last_name="Patel",
            job_title="DI",
            organisation="NCA",
            organisation_type="nca",
            country="United Kingdom",
            phone="call me",
        )
    assert set(error.value.error_dict) == {"first_name", "phone"}
    assert not selectors.profile_complete(selectors.profile_for(user=user))


@pytest.mark.parametrize(
    ("domain", "trusted"),
    [
        ("police.uk", True),
        ("west-midlands.police.uk", True),
        ("pnn.police.uk", True),
        ("POLICE.UK", True),
        ("notpolice.uk", False),
        ("police.uk.evil.com", False),
        ("gmail.com", False),
    ],
)
def test_domain_is_trusted_includes_subdomains_only(domain, trusted):
    assert selectors.domain_is_trusted(domain=domain, trusted=["police.uk"]) is trusted


def test_trusted_domain_is_normalised_and_validated(edition):
    domain = TrustedDomain(edition=edition, domain=" @HMRC.gov.uk ")
    domain.full_clean()
    assert domain.domain == "hmrc.gov.uk"

    with pytest.raises(ValidationError, match="no @, no spaces"):
        TrustedDomain(edition=edition, domain="police uk").full_clean()


def test_joining_instructions_task_queues_through_the_service(make_delegate):
    edition = EditionFactory(start_date=timezone.localdate() + dt.timedelta(days=3))
    TrustedDomainFactory(edition=edition)
    Edition.objects.filter(pk=edition.pk).update(registration_closes_at=None)
    edition.refresh_from_db()
    services.registration_create(
        edition=edition, user=make_delegate("t@police.uk"), consent_terms=True
    )

    assert tasks.joining_instructions_send.delay().get() == 1
    assert OutboxEmail.objects.filter(template="registration_joining").count() == 1


def test_text_email_is_not_html_escaped(
    edition, make_delegate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _register(edition, make_delegate("obrien@gmail.com", first_name="D'Arcy"))

    message = next(m for m in mail.outbox if m.to == ["obrien@gmail.com"])
    assert "Dear D'Arcy," in message.body
    assert "Dear D&#x27;Arcy," in message.alternatives[0][0]


def test_capacity_change_through_the_events_service(edition, make_delegate):
    from events.services import edition_capacity_set

    _fill(edition, make_delegate, 3)
    waiting = _register(edition, make_delegate("next@police.uk"))

    with pytest.raises(ValidationError, match="at least 3"):
        edition_capacity_set(edition=Edition.objects.get(pk=edition.pk), capacity=1)
    assert Edition.objects.get(pk=edition.pk).capacity == 3

    edition_capacity_set(edition=Edition.objects.get(pk=edition.pk), capacity=4)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_speaker_of_another_edition_registers_as_a_delegate(speaking_user, edition):
    user, _session = speaking_user(EditionFactory())

    registration = _register(edition, user)

    assert (registration.category, registration.status) == (
        Category.DELEGATE,
        Status.PENDING,
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

    with pytest.raises(ValidationError, match="already registered"):
        _register(edition, user)


def test_register_again_after_cancel_when_closed_is_refused(edition, make_delegate):
    user = make_delegate("back@police.uk")
    registration = _register(edition, user)
    services.registration_cancel(registration=registration, actor=user)
    edition.registration_closes_at = timezone.now() - dt.timedelta(hours=1)
    edition.save()

    with pytest.raises(ValidationError, match="closed"):
        _register(edition, user)
    assert Registration.objects.get(pk=registration.pk).status == Status.CANCELLED


def _facts_by_each_selector(edition, user) -> selectors.RegistrationFacts:
    seats = EditionSeats.objects.filter(edition=edition).first()
    registration = Registration.objects.filter(edition=edition, user=user).first()
    return selectors.RegistrationFacts(
        profile=selectors.profile_for(user=user),
        speaks=selectors.user_speaks_at(edition=edition, user=user),
        trusted=selectors.user_is_trusted(edition=edition, user=user),
        registration_id=registration and registration.pk,
        seats=seats and (seats.confirmed, seats.capacity),
    )


@pytest.mark.parametrize(
    ("email", "verified", "trusted"),
    [
        ("officer@police.uk", True, True),
        ("Officer@West-Midlands.POLICE.uk", True, True),
        ("officer@police.uk", False, False),
        ("officer@notpolice.uk", True, False),
        ("officer@police.uk.evil.com", True, False),
    ],
)
def test_registration_facts_are_each_selectors_in_one_query(
    edition, make_delegate, django_assert_num_queries, email, verified, trusted
):
    user = make_delegate(email, verified=verified)

    with django_assert_num_queries(1):
        facts = selectors.registration_facts(edition=edition, user=user)

    assert facts.trusted is trusted
    expected = _facts_by_each_selector(edition, user)
    assert facts._replace(profile=None) == expected._replace(profile=None)
    assert facts.profile.pk == expected.profile.pk
    names = [field.attname for field in Profile._meta.concrete_fields]
    assert [getattr(facts.profile, name) for name in names] == [
        getattr(expected.profile, name) for name in names
    ]


def test_registration_facts_of_a_registered_speaker(edition, speaking_user):
    user, _session = speaking_user(edition)
    registration = services.registration_create(
        edition=edition, user=user, consent_terms=True
    )

    facts = selectors.registration_facts(edition=edition, user=user)

    assert facts.speaks
    assert facts.registration_id == registration.pk
    assert facts._replace(profile=None) == _facts_by_each_selector(
        edition, user
    )._replace(profile=None)


def test_registration_facts_without_a_profile_or_seats_row(edition):
    user = UserFactory()
    EditionSeats.objects.filter(edition=edition).delete()

    facts = selectors.registration_facts(edition=edition, user=user)

    assert facts.profile is None
    assert facts.seats is None
    assert facts == _facts_by_each_selector(edition, user)


def test_a_trusted_domain_is_kept_as_it_is_matched(edition, make_delegate):
    # Written without the form's cleaning: saved in the form trust is matched in.
    entry = TrustedDomain.objects.create(edition=edition, domain=" @.HMRC.Gov.UK. ")
    assert entry.domain == "hmrc.gov.uk"
    user = make_delegate("officer@hmrc.gov.uk")
    assert selectors.user_is_trusted(edition=edition, user=user)
    assert selectors.registration_facts(edition=edition, user=user).trusted
