"""The account page on My SOCEX and the allauth pages it leads to: email addresses,
password, second factor, the sessions signed in, and the emails each change sends."""

import json
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from socex.mail.models import OutboxEmail
from socex.usersessions import TRACKED_SESSION_KEY
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "/my/account/"
CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """These tests log in and reauthenticate often from one address: allauth's rate
    limits (in the cache) must not carry over into them or out of them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _log_in(client: Client, user) -> None:
    """Through allauth's form, as a person does (it records the session signed in)."""
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def _reauthenticate(client: Client) -> None:
    """allauth asks for the password again before a change, even just after login."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _queued(user_email: str) -> list[str]:
    return list(
        OutboxEmail.objects.filter(to=user_email)
        .order_by("pk")
        .values_list("template", flat=True)
    )


# The page -------------------------------------------------------------------------


def test_account_page_url_is_under_my_socex():
    assert reverse("delegates:account") == ACCOUNT


def test_account_page_requires_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={ACCOUNT}"


def test_account_page_shows_addresses_and_links_to_each_change(client):
    user = UserFactory(email="jo.bloggs@police.uk")
    EmailAddress.objects.create(user=user, email="jo@nca.gov.uk", verified=False)
    client.force_login(user)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    content = response.content.decode()
    assert "jo.bloggs@police.uk" in content
    assert "jo@nca.gov.uk" in content
    assert "Not verified yet" in content
    for name in (
        "account_email",
        "account_change_password",
        "mfa_activate_totp",
        "usersessions_list",
        "delegates:data_download",
        "delegates:account_delete",
    ):
        assert f'href="{reverse(name)}"' in content, name


@pytest.mark.parametrize(
    "name", ["delegates:data_download", "delegates:account_delete"]
)
def test_data_download_and_account_deletion_ask_for_the_password_first(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_account_page_lists_only_the_persons_own_addresses(client):
    UserFactory(email="someone.else@police.uk")
    client.force_login(UserFactory())
    assert "someone.else@police.uk" not in client.get(ACCOUNT).content.decode()


def _header(content: str) -> str:
    return content[content.index("<header>") : content.index("</header>")]


def _main(content: str) -> str:
    return content[content.index("<main") : content.index("</main>")]


@pytest.mark.parametrize("path", ["/", "/my/", ACCOUNT])
def test_navigation_links_to_the_account_page(client, path):
    client.force_login(UserFactory())
    content = client.get(path).content.decode()
    assert f'href="{ACCOUNT}"' in _header(content)


def test_navigation_offers_no_account_link_when_logged_out(client):
    assert f'href="{ACCOUNT}"' not in client.get("/").content.decode()


def test_my_socex_links_to_the_account_page(client):
    client.force_login(UserFactory())
    content = client.get(reverse("delegates:dashboard")).content.decode()
    assert f'href="{ACCOUNT}"' in _main(content)


# Second factor --------------------------------------------------------------------


def test_delegate_with_totp_is_offered_its_removal(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert f'href="{reverse("mfa_index")}"' in client.get(ACCOUNT).content.decode()
    index = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{reverse("mfa_deactivate_totp")}"' in index


def test_staff_are_not_offered_to_remove_their_second_factor(client):
    client.force_login(StaffFactory())  # the conftest fixture enrols TOTP
    account = client.get(ACCOUNT).content.decode()
    assert "cannot be removed" in account
    assert f'href="{reverse("mfa_activate_totp")}"' not in account
    index = client.get(reverse("mfa_index")).content.decode()
    assert "cannot be removed" in index
    assert reverse("mfa_deactivate_totp") not in index


def test_totp_added_then_removed_each_email_the_person(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    _log_in(client, user)
    _reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
    assert "totp_activated" in _queued(user.email)
    activated = OutboxEmail.objects.get(to=user.email, template="totp_activated")
    assert not activated.secret

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
    assert "totp_deactivated" in _queued(user.email)
    subjects = [message.subject.lower() for message in mail.outbox]
    assert any("authenticator" in subject for subject in subjects), subjects


def test_adding_totp_asks_for_the_password_first(client):
    user = UserFactory()
    client.force_login(user)  # no recent authentication in this session
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert _queued(user.email) == []


# Password and email ---------------------------------------------------------------


def test_password_change_queues_an_email_to_the_person(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    _log_in(client, user)
    new = "a-brand-new-passphrase-42"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    assert response.status_code == 302
    assert _queued(user.email) == ["password_changed"]
    assert OutboxEmail.objects.get(to=user.email).status == OutboxEmail.Status.SENT
    # The change keeps this session (and its row in the sessions list).
    assert client.get(ACCOUNT).status_code == 200


def test_changing_the_primary_address_verifies_it_and_tells_the_old_one(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="old.address@police.uk")
    _log_in(client, user)
    _reauthenticate(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"),
            {"action_add": "", "email": "new.address@police.uk"},
        )
    assert response.status_code == 302
    new = EmailAddress.objects.get(email="new.address@police.uk")
    assert not new.verified
    # An unverified address cannot become the one we write to.
    client.post(
        reverse("account_email"),
        {"action_primary": "", "email": "new.address@police.uk"},
    )
    user.refresh_from_db()
    assert user.email == "old.address@police.uk"

    link = CONFIRM_LINK.search(mail.outbox[-1].body).group(0)
    assert mail.outbox[-1].to == ["new.address@police.uk"]
    client.post(link)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"),
            {"action_primary": "", "email": "new.address@police.uk"},
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new.address@police.uk"
    assert "email_changed" in _queued("old.address@police.uk")


# Sessions signed in ---------------------------------------------------------------


def test_sessions_list_shows_this_session_and_the_others(client):
    user = UserFactory()
    laptop = Client(HTTP_USER_AGENT="Laptop browser/1.0")
    phone = Client(HTTP_USER_AGENT="Phone browser/2.0")
    _log_in(laptop, user)
    _log_in(phone, user)
    response = laptop.get(reverse("usersessions_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Laptop browser/1.0" in content
    assert "Phone browser/2.0" in content
    assert "127.0.0.1" in content
    assert "Last seen" in content
    assert content.count(">This session</span></td>") == 1


def test_logging_out_other_sessions_keeps_only_this_one(client):
    user = UserFactory()
    laptop = Client(HTTP_USER_AGENT="Laptop browser/1.0")
    phone = Client(HTTP_USER_AGENT="Phone browser/2.0")
    _log_in(laptop, user)
    _log_in(phone, user)
    assert phone.get(ACCOUNT).status_code == 200

    response = laptop.post(reverse("usersessions_list"), follow=True)
    assert response.status_code == 200
    assert "Logged out of every other session." in response.content.decode()
    assert list(UserSession.objects.values_list("user_agent", flat=True)) == [
        "Laptop browser/1.0"
    ]
    assert laptop.get(ACCOUNT).status_code == 200
    response = phone.get(ACCOUNT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_another_persons_sessions_are_not_listed_or_ended(client):
    other = UserFactory()
    theirs = Client(HTTP_USER_AGENT="Their browser/1.0")
    _log_in(theirs, other)
    mine = Client(HTTP_USER_AGENT="My browser/1.0")
    _log_in(mine, UserFactory())
    listed = mine.get(reverse("usersessions_list")).content.decode()
    assert "Their browser/1.0" not in listed
    mine.post(reverse("usersessions_list"))
    assert theirs.get(ACCOUNT).status_code == 200


def test_last_seen_is_recorded_at_most_once_per_interval(settings):
    settings.USERSESSIONS_TRACK_EVERY_SECONDS = 60
    user = UserFactory()
    client = Client(HTTP_USER_AGENT="Laptop browser/1.0")
    _log_in(client, user)
    first = UserSession.objects.get(user=user)

    client.get(ACCOUNT, REMOTE_ADDR="203.0.113.9")
    assert UserSession.objects.get(user=user).last_seen_at == first.last_seen_at

    session = client.session
    session[TRACKED_SESSION_KEY] = int(time.time()) - 61
    session.save()
    client.get(ACCOUNT, REMOTE_ADDR="203.0.113.9")
    seen = UserSession.objects.get(user=user)
    assert seen.last_seen_at > first.last_seen_at
    assert seen.ip == "203.0.113.9"


# Look, words and headers ----------------------------------------------------------


PAGES = [
    ACCOUNT,
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/sessions/",
    "/accounts/logout/",
]
INLINE = re.compile(
    r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE
)


@pytest.mark.parametrize("path", PAGES)
def test_account_pages_send_the_csp_and_carry_no_inline_code(client, path):
    _log_in(client, UserFactory())
    _reauthenticate(client)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe" not in policy
    content = response.content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in content
    assert INLINE.findall(content) == []


@pytest.mark.parametrize("path", [*PAGES, "/accounts/signup/"])
def test_account_pages_say_log_in_log_out_and_sign_up(client, path):
    if path != "/accounts/signup/":
        _log_in(client, UserFactory())
    text = client.get(path, follow=True).content.decode()
    assert re.findall(r"sign[ -]?(?:in|out)|signed (?:in|out)", text, re.I) == []
    if path == "/accounts/signup/":
        assert ">Sign up<" in text.replace("\n", "")


def test_second_step_of_login_says_log_in(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    text = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Two-factor authentication" in text
    assert re.findall(r"sign[ -]?in", text, re.I) == []


# The organisers' view -------------------------------------------------------------

ADMIN_LIST = "/admin/usersessions/usersession/"


def test_admin_searches_sessions_by_email_and_changes_nothing(admin_client):
    user = UserFactory(email="searched.for@police.uk")
    browser = Client(HTTP_USER_AGENT="Their browser/1.0")
    _log_in(browser, user)
    response = admin_client.get(ADMIN_LIST, {"q": "searched.for"})
    assert response.status_code == 200
    assert "Their browser/1.0" in response.content.decode()
    session = UserSession.objects.get(user=user)
    change = admin_client.post(
        f"{ADMIN_LIST}{session.pk}/change/", {"ip": "198.51.100.1"}
    )
    assert change.status_code == 403
    assert UserSession.objects.get(user=user).ip == "127.0.0.1"


def test_admin_action_logs_the_selected_sessions_out(admin_client):
    user = UserFactory()
    browser = Client(HTTP_USER_AGENT="Their browser/1.0")
    _log_in(browser, user)
    session = UserSession.objects.get(user=user)
    response = admin_client.post(
        ADMIN_LIST,
        {"action": "end_sessions", "_selected_action": [session.pk]},
    )
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    assert browser.get(ACCOUNT).status_code == 302


def test_admin_action_is_refused_without_the_delete_permission(client):
    from django.contrib.auth.models import Permission

    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_usersession"))
    client.force_login(viewer)
    user = UserFactory()
    browser = Client(HTTP_USER_AGENT="Their browser/1.0")
    _log_in(browser, user)
    session = UserSession.objects.get(user=user)
    assert client.get(ADMIN_LIST).status_code == 200
    client.post(
        ADMIN_LIST, {"action": "end_sessions", "_selected_action": [session.pk]}
    )
    assert UserSession.objects.filter(user=user).exists()
    assert browser.get(ACCOUNT).status_code == 200


# Privacy --------------------------------------------------------------------------


def test_download_my_data_lists_the_sessions_signed_in():
    user = UserFactory()
    client = Client(HTTP_USER_AGENT="Laptop browser/1.0")
    _log_in(client, user)
    _reauthenticate(client)
    response = client.get(reverse("delegates:data_download"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [(s["ip"], s["browser"]) for s in data["sessions"]] == [
        ("127.0.0.1", "Laptop browser/1.0")
    ]


def test_deleting_the_account_removes_its_sessions(client):
    from delegates.privacy.services import account_erase

    user = UserFactory()
    phone = Client(HTTP_USER_AGENT="Phone browser/2.0")
    _log_in(phone, user)
    assert UserSession.objects.filter(user=user).exists()
    account_erase(user=user, actor=user)
    assert not UserSession.objects.filter(user=user).exists()
    assert phone.get(ACCOUNT).status_code == 302
