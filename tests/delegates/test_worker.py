"""A registration's confirmation delivered by a real Celery worker through Redis."""

import time

import pytest
from django.core import mail

from delegates import services
from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory
from tests.factories.delegates import ProfileFactory, TrustedDomainFactory
from tests.factories.events import EditionFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_confirmation_is_delivered_by_a_real_worker(celery_redis_worker):
    edition = EditionFactory()
    TrustedDomainFactory(edition=edition)
    user = UserFactory(email="worker@police.uk")
    ProfileFactory(user=user)

    registration = services.registration_create(
        edition=edition, user=user, consent_terms=True
    )

    email = OutboxEmail.objects.get(to=user.email, template="registration_confirmed")
    deadline = time.monotonic() + 30
    while email.status != OutboxEmail.Status.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
        email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    sent = [m for m in mail.outbox if m.subject.startswith("Confirmed:")]
    assert [m.to for m in sent] == [["worker@police.uk"]]
    assert registration.reference in sent[0].subject
