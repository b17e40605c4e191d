import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from delegates.models import User
from socex.mail.models import OutboxEmail
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


def test_user_logs_in_with_email_and_has_no_username():
    user = User.objects.create_user(email="Jane.Doe@Police.UK", password=PASSWORD)
    assert user.email == "Jane.Doe@police.uk"
    assert not hasattr(user, "username") or user.username is None
    assert User.USERNAME_FIELD == "email"


def test_signup_sends_verification_through_outbox_and_link_logs_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.officer@met.police.uk",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    # Mandatory verification: not logged in yet.
    assert client.get(reverse("delegates:dashboard")).status_code == 302

    email = OutboxEmail.objects.get(to="new.officer@met.police.uk")
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(0)

    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert EmailAddress.objects.get(email="new.officer@met.police.uk").verified
    assert response.wsgi_request.user.email == "new.officer@met.police.uk"
    assert client.get(reverse("delegates:dashboard")).status_code == 200


def test_signup_with_bad_input_shows_errors_and_creates_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "password1": "short", "password2": "different"},
    )
    assert response.status_code == 200
    assert User.objects.count() == 0
    assert "is-invalid" in response.content.decode()


def test_unverified_user_cannot_log_in(client):
    UserFactory(email="pending@police.uk", verified=False)
    response = client.post(
        reverse("account_login"), {"login": "pending@police.uk", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("delegates:dashboard")).status_code == 302


def test_staff_use_the_same_account_for_the_admin(client):
    staff = StaffFactory()
    assert (
        client.post(
            reverse("account_login"), {"login": staff.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(reverse("admin:index")).status_code == 200


def test_password_reset_email_goes_through_outbox(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert OutboxEmail.objects.filter(to=user.email, status="sent").count() == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_allauth_pages_use_the_site_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        content = client.get(reverse(name)).content.decode()
        assert "vendor/bootstrap/bootstrap.min.css" in content, name
        assert "form-control" in content, name
