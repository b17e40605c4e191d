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


# One door in ------------------------------------------------------------------------


@pytest.fixture
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_admin_login_sends_people_to_the_site_login_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/delegates/registration/")
    assert response.status_code == 302
    assert response.url == (
        reverse("account_login") + "?next=%2Fadmin%2Fdelegates%2Fregistration%2F"
    )
    # Django's own redirect for an anonymous visitor lands there too.
    assert client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0] == (
        reverse("account_login") + "?next=%2Fadmin%2F"
    )


def test_posting_to_the_admin_login_logs_nobody_in(client):
    staff = StaffFactory()
    response = client.post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.real_mfa
def test_unverified_staff_account_cannot_reach_the_admin(client):
    staff = StaffFactory(verified=False)
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}
    )
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get("/checkin/").status_code == 302


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, _fresh_cache):
    staff = StaffFactory()
    for _ in range(30):
        client.post(
            reverse("account_login"), {"login": staff.email, "password": "wrong-guess"}
        )
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_logout_goes_through_allauth(admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == 200
    response = admin_client.post(reverse("admin:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in admin_client.session
    assert admin_client.get(reverse("admin:index")).status_code == 302


def test_admin_password_change_is_allauths(admin_client):
    response = admin_client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response.url == reverse("account_change_password")


# Second factor ----------------------------------------------------------------------


def _code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _enrolled_staff():
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = StaffFactory()
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    codes = RecoveryCodes.activate(staff).get_unused_codes()
    return staff, secret, codes


def _password_step(client, staff):
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


@pytest.mark.real_mfa
@pytest.mark.parametrize("path", ["/admin/", "/checkin/"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, path):
    client.force_login(StaffFactory())
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))


@pytest.mark.real_mfa
def test_staff_enrol_totp_then_reach_the_admin(client, _fresh_cache):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    staff = StaffFactory()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response.url.startswith(reverse("mfa_activate_totp"))
    # Enrolling asks for the password again (allauth's reauthentication).
    response = client.get(response.url)
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    # The QR code is a data: image: allowed on this page, and only here.
    assert "img-src 'self' data:" in page["Content-Security-Policy"]
    assert "data:" not in client.get(reverse("mfa_index"))["Content-Security-Policy"]
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=staff).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.TOTP
    ).exists()
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.real_mfa
def test_staff_log_in_with_a_code(client, _fresh_cache):
    staff, secret, _ = _enrolled_staff()
    _password_step(client, staff)
    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.real_mfa
def test_wrong_code_is_refused(client, _fresh_cache):
    staff, secret, _ = _enrolled_staff()
    _password_step(client, staff)
    wrong = f"{(int(_code(secret)) + 1) % 1000000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.real_mfa
def test_recovery_code_works_once_only(client, _fresh_cache):
    staff, _, codes = _enrolled_staff()
    _password_step(client, staff)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("account_logout"))

    _password_step(client, staff)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.real_mfa
def test_staff_session_without_the_second_factor_is_asked_for_a_code(client):
    staff, secret, _ = _enrolled_staff()
    client.force_login(staff)  # signed in without a code (e.g. an old session)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_reauthenticate"))
    response = client.post(response.url, {"code": _code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.real_mfa
def test_second_factor_is_optional_for_delegates(client):
    client.post(
        reverse("account_login"), {"login": UserFactory().email, "password": PASSWORD}
    )
    assert client.get(reverse("delegates:dashboard")).status_code == 200


@pytest.mark.real_mfa
def test_staff_cannot_switch_their_second_factor_off(client):
    from allauth.mfa.models import Authenticator

    staff, secret, _ = _enrolled_staff()
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "cannot deactivate" in response.content.decode()
    assert Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.TOTP
    ).exists()
