"""The account adapter sends allauth's emails through the outbox (adapters.py)."""

import pytest
from django.core import mail
from django.urls import reverse

from socex.mail.models import OutboxEmail
from tests.factories.accounts import UserFactory

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


def test_account_emails_are_branded_in_text_and_html(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "branded@police.uk",
                "password1": "a-long-Passphrase-2027",
                "password2": "a-long-Passphrase-2027",
            },
        )

    [message] = mail.outbox
    assert message.subject == "SOCEX: Confirm your email address"
    assert message.body.startswith("SOCEX: Serious and Organised Crime Exchange")
    assert "/my/account/" in message.body  # the footer
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Serious and Organised Crime Exchange" in html
    assert '<a href="http' in html and "/accounts/confirm-email/" in html
    assert "===" not in html  # the text layout's header is not repeated
    assert "/my/account/" in html


def test_password_reset_email_is_branded_and_sentence_case(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="forgot@police.uk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "forgot@police.uk"})

    [message] = mail.outbox
    assert message.subject == "SOCEX: Reset your password"
    assert "The SOCEX team" in message.body
    assert message.alternatives[0][1] == "text/html"
