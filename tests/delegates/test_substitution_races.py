"""A substitution and a cancellation of the same place at once, on PostgreSQL: the
edition lock serialises them, so the seat is freed at most once and the counter
stays true whichever wins."""

import pytest

from delegates import services
from delegates.models import EditionSeats, Registration, Substitution
from tests.delegates.test_races import _confirmed_delegates, _run_concurrently
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = Registration.Status


def _delegate(email: str):
    user = UserFactory(email=email)
    ProfileFactory(user=user)
    return user


@pytest.mark.parametrize("rounds", [6])
def test_substitution_racing_a_cancellation_frees_the_seat_once(rounds):
    edition = EditionFactory(capacity=rounds)
    TrustedDomainFactory(edition=edition, domain="police.uk")
    # One waiting delegate per round: a cancellation promotes one, a substitution
    # none; a double free would promote two.
    pairs = []
    for n in range(rounds):
        registration = services.registration_create(
            edition=edition, user=_delegate(f"holder{n}@police.uk"), consent_terms=True
        )
        colleague = _delegate(f"colleague{n}@police.uk")
        substitution = services.substitution_nominate(
            registration=registration,
            email=colleague.email,
            pass_workshops=False,
            actor=registration.user,
        )
        Substitution.objects.filter(pk=substitution.pk).update(
            status=Substitution.Status.AWAITING_APPROVAL, nominee=colleague
        )
        pairs.append((registration, substitution))
    for n in range(rounds):
        services.registration_create(
            edition=edition, user=_delegate(f"waiting{n}@police.uk"), consent_terms=True
        )
    organiser = UserFactory(email="organiser@socex.example", is_staff=True)

    functions = []
    for registration, substitution in pairs:
        functions.append(
            lambda s=substitution: services.substitution_approve(
                substitution=s, actor=organiser
            )
        )
        functions.append(
            lambda r=registration: services.registration_cancel(
                registration=r, actor=r.user
            )
        )
    results = _run_concurrently(functions)

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == rounds  # one of each pair lost, with a message
    assert all(type(e).__name__ == "ValidationError" for e in errors), errors
    holders = Registration.objects.filter(pk__in=[r.pk for r, _s in pairs])
    substituted = holders.filter(status=Status.SUBSTITUTED).count()
    cancelled = holders.filter(status=Status.CANCELLED).count()
    assert substituted + cancelled == rounds
    promoted = Registration.objects.filter(
        edition=edition, user__email__startswith="waiting", status=Status.CONFIRMED
    ).count()
    assert promoted == cancelled
    seats = EditionSeats.objects.get(edition=edition)
    assert seats.confirmed == _confirmed_delegates(edition) == rounds
