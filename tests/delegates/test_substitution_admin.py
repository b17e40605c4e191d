"""Substitutions from the admin: an organiser nominates a colleague for a delegate,
approves or declines the colleague, withdraws a nomination
(``delegates.admin.substitutions``)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from delegates import services
from delegates.models import Registration, Substitution
from socex.mail.models import OutboxEmail
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def delegate(edition, make_delegate):
    return services.registration_create(
        edition=edition, user=make_delegate("jo@police.uk"), consent_terms=True
    )


def _staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


def _substitute(client, registration, **data):
    return client.post(
        reverse("admin:delegates_registration_changelist"),
        {"action": "substitute", ACTION_CHECKBOX_NAME: [registration.pk], **data},
    )


def test_organiser_nominates_a_colleague_for_a_delegate(client, delegate):
    client.force_login(_staff("Organiser"))
    page = _substitute(client, delegate)
    assert page.status_code == 200
    assert "Pass a place to a colleague" in page.content.decode()
    response = _substitute(
        client, delegate, apply="1", email="sam@police.uk", workshops="release"
    )
    assert response.status_code == 302
    substitution = Substitution.objects.get()
    assert (substitution.email, substitution.pass_workshops) == (
        "sam@police.uk",
        False,
    )
    assert OutboxEmail.objects.filter(
        to="sam@police.uk", template="substitution_invitation", secret=True
    ).exists()


def test_organiser_nomination_refused_in_the_services_words(
    client, edition, delegate, make_delegate
):
    services.registration_create(
        edition=edition, user=make_delegate("sam@police.uk"), consent_terms=True
    )
    client.force_login(_staff("Organiser"))
    response = _substitute(
        client, delegate, apply="1", email="sam@police.uk", workshops="pass"
    )
    assert response.status_code == 200
    assert "sam@police.uk is already registered for Economic Crime 2027" in (
        response.content.decode()
    )
    assert Substitution.objects.count() == 0


def test_vetting_approves_an_accepted_colleague(client, delegate, make_delegate):
    colleague = make_delegate("sam@consultancy.example")
    substitution = services.substitution_nominate(
        registration=delegate,
        email=colleague.email,
        pass_workshops=True,
        actor=delegate.user,
    )
    services.substitution_accept(
        substitution=substitution, user=colleague, consent_terms=True
    )
    vetting = _staff("Vetting")
    client.force_login(vetting)
    changelist = reverse("admin:delegates_substitution_changelist")
    page = client.get(changelist).content.decode()
    assert "sam@consultancy.example" in page
    assert substitution.token_hash not in page
    detail = client.get(
        reverse("admin:delegates_substitution_change", args=[substitution.pk])
    ).content.decode()
    assert substitution.token_hash not in detail
    response = client.post(
        changelist, {"action": "approve", ACTION_CHECKBOX_NAME: [substitution.pk]}
    )
    assert response.status_code == 302
    delegate.refresh_from_db()
    assert delegate.status == Status.SUBSTITUTED
    substitution.refresh_from_db()
    assert substitution.decided_by == vetting


def test_decline_needs_a_reason(client, delegate, make_delegate):
    colleague = make_delegate("sam@consultancy.example")
    substitution = services.substitution_nominate(
        registration=delegate,
        email=colleague.email,
        pass_workshops=True,
        actor=delegate.user,
    )
    services.substitution_accept(
        substitution=substitution, user=colleague, consent_terms=True
    )
    client.force_login(StaffFactory())
    changelist = reverse("admin:delegates_substitution_changelist")
    data = {"action": "decline", ACTION_CHECKBOX_NAME: [substitution.pk]}
    response = client.post(changelist, {**data, "apply": "1", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for declining." in response.content.decode()
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.AWAITING_APPROVAL
    client.post(changelist, {**data, "apply": "1", "reason": "Not eligible."})
    substitution.refresh_from_db()
    assert substitution.status == Substitution.Status.DECLINED


def test_vetting_cannot_nominate_for_a_delegate(client, delegate):
    client.force_login(_staff("Vetting"))
    response = _substitute(
        client, delegate, apply="1", email="sam@police.uk", workshops="pass"
    )
    assert response.status_code in (200, 302)
    assert Substitution.objects.count() == 0


@pytest.mark.parametrize("places", [1, 8])
def test_substitutions_list_query_count_is_fixed(
    client, edition, make_delegate, places, django_assert_max_num_queries
):
    edition.capacity = 10
    edition.save()
    for n in range(places):
        registration = services.registration_create(
            edition=edition, user=make_delegate(f"d{n}@police.uk"), consent_terms=True
        )
        services.substitution_nominate(
            registration=registration,
            email=f"colleague{n}@police.uk",
            pass_workshops=False,
            actor=registration.user,
        )
    client.force_login(_staff("Vetting"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:delegates_substitution_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("@police.uk") >= places
