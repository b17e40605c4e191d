"""The register button's state (delegates/templatetags/delegates_tags.py)."""

import pytest

from delegates.models import Registration
from tests.factories.delegates import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_register_button_offers_registering_again_after_cancelling(client):
    registration = RegistrationFactory(status=Registration.Status.CANCELLED)
    client.force_login(registration.user)
    content = client.get(registration.edition.get_absolute_url()).content.decode()
    assert "Registered: Cancelled" not in content
    assert f'href="/my/register/{registration.edition.slug}/"' in content
