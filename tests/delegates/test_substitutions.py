"""Substitution: a confirmed delegate passes the place to a colleague
(``delegates.services.substitutions``, its My SOCEX pages and the workshops
receiver). The place passes in one transaction: the same seat, no waiting-list move."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.models import (
    EditionSeats,
    Registration,
    RegistrationStatusChange,
    Substitution,
)
from delegates.privacy import services as privacy_services
from socex.mail.models import OutboxEmail
from socex.tokens import link_token_hash
from tests.factories.accounts import StaffFactory
from tests.factories.workshops import workshop_grid
from workshops import services as workshop_services
from workshops.models import WorkshopAuditEntry, WorkshopChoice, WorkshopRun

pytestmark = pytest.mark.django_db

Status = Registration.Status
LINK = re.compile(r"/my/substitution/([-A-Za-z0-9_]{43})/")


@pytest.fixture
def delegate(edition, make_delegate):
    user = make_delegate("jo.bloggs@police.uk")
    return services.registration_create(edition=edition, user=user, consent_terms=True)


def _nominate(registration, email, *, pass_workshops=True, actor=None, capture):
    with capture(execute=True):
        substitution = services.substitution_nominate(
            registration=registration,
            email=email,
            pass_workshops=pass_workshops,
            actor=actor or registration.user,
        )
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return substitution, LINK.search(message.body).group(1)


def _seats(edition) -> tuple[int, int]:
    seats = EditionSeats.objects.get(edition=edition)
    return seats.confirmed, seats.capacity


def test_nomination_emails_a_hashed_single_use_link(
    delegate, django_capture_on_commit_callbacks
):
    substitution, token = _nominate(
        delegate, "sam.patel@police.uk", capture=django_capture_on_commit_callbacks
    )
    assert substitution.status == Substitution.Status.NOMINATED
    assert substitution.token_hash == link_token_hash(token)
    assert token not in substitution.token_hash
    row = OutboxEmail.objects.get(template="substitution_invitation")
    assert row.secret is True
    assert token not in row.subject
    assert token not in (row.body_text + row.body_html)  # encrypted, then removed
    assert substitution.expires_at <= timezone.now() + dt.timedelta(days=7)


def test_trusted_colleague_takes_the_same_seat(
    edition, delegate, make_delegate, client, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam.patel@police.uk")
    _waiting = [
        services.registration_create(
            edition=edition, user=make_delegate(), consent_terms=True
        )
        for _ in range(3)
    ]  # fills the edition (capacity 3) and starts a waiting list
    before = _seats(edition)
    queue = list(
        Registration.objects.filter(status=Status.WAITLISTED).values_list(
            "pk", "waitlisted_at"
        )
    )
    substitution, token = _nominate(
        delegate, "Sam.Patel@police.uk", capture=django_capture_on_commit_callbacks
    )
    client.force_login(colleague)
    url = reverse("delegates:substitution", args=[token])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"consent_terms": "on"})
    assert response.status_code == 302
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.COMPLETED
    delegate.refresh_from_db()
    assert delegate.status == Status.SUBSTITUTED
    new = substitution.new_registration
    assert (new.user, new.status) == (colleague, Status.CONFIRMED)
    assert _seats(edition) == before
    assert (
        list(
            Registration.objects.filter(status=Status.WAITLISTED).values_list(
                "pk", "waitlisted_at"
            )
        )
        == queue
    )
    history = RegistrationStatusChange.objects.filter(registration=delegate).last()
    assert (history.from_status, history.to_status) == ("confirmed", "substituted")
    assert "sam.patel@police.uk" in history.reason
    assert RegistrationStatusChange.objects.get(registration=new).reason == (
        f"Took the place of {delegate.reference}."
    )
    templates = set(
        OutboxEmail.objects.filter(
            to__in=[delegate.user.email, colleague.email]
        ).values_list("to", "template")
    )
    assert (delegate.user.email, "registration_substituted") in templates
    assert (colleague.email, "registration_confirmed") in templates
    # The link is used.
    assert client.get(url).status_code == 410


def test_untrusted_colleague_waits_for_an_organiser(
    edition, delegate, make_delegate, client, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam@consultancy.example")
    substitution, token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("delegates:substitution", args=[token]), {"consent_terms": "on"}
        )
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.AWAITING_APPROVAL
    delegate.refresh_from_db()
    assert delegate.status == Status.CONFIRMED
    assert OutboxEmail.objects.filter(
        to=colleague.email, template="substitution_awaiting"
    ).exists()
    services.substitution_approve(substitution=substitution, actor=StaffFactory())
    delegate.refresh_from_db()
    assert delegate.status == Status.SUBSTITUTED
    assert Registration.objects.get(user=colleague).status == Status.CONFIRMED


def test_organiser_declines_the_colleague_and_the_delegate_keeps_the_place(
    edition, delegate, make_delegate, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam@consultancy.example")
    substitution, _token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    services.substitution_accept(
        substitution=substitution, user=colleague, consent_terms=True
    )
    with pytest.raises(ValidationError, match="reason"):
        services.substitution_decline(
            substitution=substitution, actor=StaffFactory(), reason=" "
        )
    services.substitution_decline(
        substitution=substitution, actor=StaffFactory(), reason="Not eligible."
    )
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.DECLINED
    delegate.refresh_from_db()
    assert delegate.status == Status.CONFIRMED
    assert sorted(
        OutboxEmail.objects.filter(template="substitution_declined").values_list(
            "to", flat=True
        )
    ) == sorted([colleague.email, delegate.user.email])


@pytest.mark.parametrize("pass_workshops", [True, False])
def test_workshop_places_pass_on_or_are_released(
    edition, delegate, make_delegate, pass_workshops, django_capture_on_commit_callbacks
):
    grid = workshop_grid(edition)
    run_ids = [block[0].pk for block in grid]
    workshop_services.workshop_choices_set(registration=delegate, run_ids=run_ids)
    colleague = make_delegate("sam.patel@police.uk")
    substitution, _token = _nominate(
        delegate,
        colleague.email,
        pass_workshops=pass_workshops,
        capture=django_capture_on_commit_callbacks,
    )
    services.substitution_accept(
        substitution=substitution, user=colleague, consent_terms=True
    )
    substitution.refresh_from_db()
    new = substitution.new_registration
    taken = list(
        WorkshopRun.objects.filter(pk__in=run_ids)
        .order_by("pk")
        .values_list("seats_taken", flat=True)
    )
    assert not WorkshopChoice.objects.filter(registration=delegate).exists()
    if pass_workshops:
        assert sorted(
            WorkshopChoice.objects.filter(registration=new).values_list(
                "run_id", flat=True
            )
        ) == sorted(run_ids)
        assert taken == [1, 1, 1, 1]
        assert WorkshopAuditEntry.objects.filter(
            action=WorkshopAuditEntry.Action.SEATS_PASSED, registration=new
        ).exists()
    else:
        assert not WorkshopChoice.objects.filter(registration=new).exists()
        assert taken == [0, 0, 0, 0]


def test_colleague_already_registered_refused_and_nothing_changes(
    edition, delegate, make_delegate
):
    other = make_delegate("sam.patel@police.uk")
    services.registration_create(edition=edition, user=other, consent_terms=True)
    with pytest.raises(ValidationError) as refused:
        services.substitution_nominate(
            registration=delegate,
            email="SAM.PATEL@police.uk",
            pass_workshops=True,
            actor=delegate.user,
        )
    assert (
        "is already registered for Economic Crime 2027 (confirmed)"
        in (refused.value.message_dict["email"][0])
    )
    assert Substitution.objects.count() == 0


def test_after_the_event_started_refused(edition, delegate):
    type(edition).objects.filter(pk=edition.pk).update(
        start_date=timezone.localdate(), end_date=timezone.localdate()
    )
    delegate.refresh_from_db()
    with pytest.raises(ValidationError, match="has started"):
        services.substitution_nominate(
            registration=delegate,
            email="sam@police.uk",
            pass_workshops=True,
            actor=delegate.user,
        )
    assert Substitution.objects.count() == 0


def test_accepting_after_the_event_started_refused(
    edition, delegate, make_delegate, client, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam.patel@police.uk")
    substitution, token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    type(edition).objects.filter(pk=edition.pk).update(
        start_date=timezone.localdate(), end_date=timezone.localdate()
    )
    client.force_login(colleague)
    response = client.post(
        reverse("delegates:substitution", args=[token]), {"consent_terms": "on"}
    )
    assert response.status_code == 410
    assert "has started" in response.content.decode()
    delegate.refresh_from_db()
    assert delegate.status == Status.CONFIRMED
    assert Substitution.objects.get().status == Substitution.Status.NOMINATED


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("jo.bloggs@POLICE.UK", "not the delegate's own"),
        ("not-an-address", "Enter an email address"),
    ],
)
def test_own_or_malformed_address_refused(delegate, email, message):
    with pytest.raises(ValidationError, match=message):
        services.substitution_nominate(
            registration=delegate, email=email, pass_workshops=True, actor=delegate.user
        )
    assert Substitution.objects.count() == 0


def test_second_pending_nomination_refused(
    delegate, django_capture_on_commit_callbacks
):
    _nominate(delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="already nominated"):
        services.substitution_nominate(
            registration=delegate,
            email="alex@police.uk",
            pass_workshops=True,
            actor=delegate.user,
        )
    assert Substitution.objects.count() == 1


@pytest.mark.parametrize("status", [Status.PENDING, Status.WAITLISTED])
def test_unconfirmed_registration_refused(edition, make_delegate, status):
    registration = services.registration_create(
        edition=edition, user=make_delegate("x@consultancy.example"), consent_terms=True
    )
    Registration.objects.filter(pk=registration.pk).update(status=status)
    registration.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a confirmed place"):
        services.substitution_nominate(
            registration=registration,
            email="sam@police.uk",
            pass_workshops=True,
            actor=registration.user,
        )


def test_expired_link_says_so(
    delegate, make_delegate, client, django_capture_on_commit_callbacks
):
    substitution, token = _nominate(
        delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks
    )
    Substitution.objects.filter(pk=substitution.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(reverse("delegates:substitution", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_withdrawn_link_says_so_and_the_delegate_can_nominate_again(
    delegate, client, django_capture_on_commit_callbacks
):
    substitution, token = _nominate(
        delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks
    )
    client.force_login(delegate.user)
    response = client.post(
        reverse(
            "delegates:substitute_withdraw", args=[delegate.reference, substitution.pk]
        )
    )
    assert response.status_code == 302
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.CANCELLED
    client.logout()
    response = client.get(reverse("delegates:substitution", args=[token]))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    _nominate(delegate, "alex@police.uk", capture=django_capture_on_commit_callbacks)


def test_unknown_or_malformed_token_is_not_found(client):
    assert client.get("/my/substitution/abc/").status_code == 404
    assert (
        client.get(reverse("delegates:substitution", args=["A" * 43])).status_code
        == 404
    )


def test_link_for_another_address_refused(
    delegate, make_delegate, client, django_capture_on_commit_callbacks
):
    _substitution, token = _nominate(
        delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks
    )
    intruder = make_delegate("someone.else@police.uk")
    client.force_login(intruder)
    url = reverse("delegates:substitution", args=[token])
    assert "you are signed in as someone.else@police.uk" in (
        client.get(url).content.decode()
    )
    response = client.post(url, {"consent_terms": "on"})
    assert response.status_code == 400
    delegate.refresh_from_db()
    assert delegate.status == Status.CONFIRMED
    assert not Registration.objects.filter(user=intruder).exists()


def test_anonymous_visitor_is_asked_to_sign_in(
    delegate, client, django_capture_on_commit_callbacks
):
    _substitution, token = _nominate(
        delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks
    )
    url = reverse("delegates:substitution", args=[token])
    page = client.get(url).content.decode()
    assert reverse("account_signup") in page
    response = client.post(url, {"consent_terms": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_cancelling_the_place_withdraws_the_nomination(
    delegate, django_capture_on_commit_callbacks
):
    substitution, _token = _nominate(
        delegate, "sam@police.uk", capture=django_capture_on_commit_callbacks
    )
    services.registration_cancel(registration=delegate, actor=delegate.user)
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.CANCELLED


def test_nominate_page_from_my_socex(delegate, client):
    client.force_login(delegate.user)
    dashboard = client.get(reverse("delegates:dashboard")).content.decode()
    url = reverse("delegates:substitute", args=[delegate.reference])
    assert url in dashboard
    response = client.post(url, {"email": "jo.bloggs@police.uk", "workshops": "pass"})
    assert response.status_code == 400
    assert "not the delegate&#x27;s own" in response.content.decode()
    response = client.post(url, {"email": "sam@police.uk", "workshops": "release"})
    assert response.status_code == 302
    substitution = Substitution.objects.get()
    assert (substitution.email, substitution.pass_workshops) == (
        "sam@police.uk",
        False,
    )


def test_another_delegates_registration_is_not_found(delegate, make_delegate, client):
    client.force_login(make_delegate())
    url = reverse("delegates:substitute", args=[delegate.reference])
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "sam@police.uk"}).status_code == 404
    assert Substitution.objects.count() == 0


def test_the_colleagues_badge_renders_through_the_usual_path(
    delegate, make_delegate, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam.patel@police.uk", badge_name="Sam Patel")
    substitution, _token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.substitution_accept(
            substitution=substitution, user=colleague, consent_terms=True
        )
    substitution.refresh_from_db()
    badge = substitution.new_registration.badge
    assert badge.status == badge.Status.READY
    with badge.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_erasing_the_colleague_removes_their_address_and_name(
    delegate, make_delegate, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam.patel@police.uk", first_name="Samira")
    substitution, _token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    services.substitution_accept(
        substitution=substitution, user=colleague, consent_terms=True
    )
    privacy_services.person_anonymise(user=colleague)
    substitution.refresh_from_db()
    assert "sam.patel" not in substitution.email
    history = RegistrationStatusChange.objects.filter(
        registration=delegate, to_status=Status.SUBSTITUTED
    ).get()
    assert history.reason == ""


def test_the_emails_drafted_before_the_lock_fit_the_place_passing(
    delegate, make_delegate, caplog, django_capture_on_commit_callbacks
):
    colleague = make_delegate("sam.patel@police.uk")
    substitution, _token = _nominate(
        delegate, colleague.email, capture=django_capture_on_commit_callbacks
    )
    with caplog.at_level("INFO", logger="delegates.services.emails"):
        services.substitution_accept(
            substitution=substitution, user=colleague, consent_terms=True
        )
    assert "rendered under the edition lock" not in caplog.text
    substitution.refresh_from_db()
    confirmed = OutboxEmail.objects.get(
        to=colleague.email, template="registration_confirmed"
    )
    assert substitution.new_registration.reference in confirmed.subject + (
        confirmed.body_text
    )
