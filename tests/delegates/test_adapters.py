"""The account adapter sends allauth's emails through the outbox (adapters.py)."""

import pytest
from django.core import mail
from django.urls import reverse

from socex.mail.models import OutboxEmail

pytestmark = pytest.mark.django_db


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
