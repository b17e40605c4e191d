"""Delegates' reactions to the events app's signals (delegates/receivers.py)."""

import pytest

from delegates import services
from delegates.models import Registration, TrustedDomain
from events.models import Edition
from events.services import edition_duplicate

pytestmark = pytest.mark.django_db

Status = Registration.Status


def _register(edition, user):
    return services.registration_create(edition=edition, user=user, consent_terms=True)


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
