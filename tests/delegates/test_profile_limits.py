"""Free-text profile fields have limits: an overlong note is refused with a message,
by the profile page and by the service alike."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from delegates import services
from delegates.models import Profile
from tests.delegates.test_views import PROFILE_POST
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _post_note(client, note: str):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("delegates:profile"),
        {**PROFILE_POST, "accessibility_requirements": note},
    )
    return user, response


def test_profile_accessibility_note_of_20000_characters_is_refused(client):
    user, response = _post_note(client, "a" * 20000)

    assert response.status_code == 400
    assert (
        "Keep this to 1000 characters or fewer (it has 20000): give the main needs, "
        "and the organisers will contact you about the details."
    ) in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()


def test_profile_accessibility_note_of_1000_characters_is_kept(client):
    user, response = _post_note(client, "x" * 1000)

    assert response.status_code == 302
    assert len(Profile.objects.get(user=user).accessibility_requirements) == 1000


def test_profile_save_refuses_an_overlong_accessibility_note():
    fields = {
        k: v for k, v in PROFILE_POST.items() if k != "accessibility_requirements"
    }
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(
            user=UserFactory(), **fields, accessibility_requirements="x" * 1001
        )
    assert "accessibility_requirements" in excinfo.value.message_dict
