"""Account views of our own around allauth: the admin's doors lead to allauth's, and
enrolling a second factor counts as using it."""

from urllib.parse import urlencode

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import views as totp_views
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


def _to(name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(name)
    next_url = request.GET.get(REDIRECT_FIELD_NAME)
    if next_url:
        # allauth checks that the next URL is ours before following it.
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    return HttpResponseRedirect(url)


def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """/admin/login/ (GET or POST) sends people to allauth's login, keeping `next`:
    the admin's own form would skip rate limits, verification and the second factor.
    """
    return _to("account_login", request)


def admin_password_change(request: HttpRequest) -> HttpResponseRedirect:
    """The admin's password pages: allauth's, which ask for reauthentication."""
    return _to("account_change_password", request)


class ActivateTOTPView(totp_views.ActivateTOTPView):
    """allauth's TOTP enrolment; the code just entered proves the new factor, so the
    session counts as MFA-authenticated (StaffMFAMiddleware lets staff on)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        authenticator = Authenticator.objects.get(
            user_id=self.request.user.pk, type=Authenticator.Type.TOTP
        )
        record_authentication(
            self.request,
            self.request.user,
            "mfa",
            id=authenticator.pk,
            type=authenticator.type,
        )
        return response


class MFAAdapter(DefaultMFAAdapter):
    """A staff account's second factor cannot be switched off (it is required)."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        return not (user.is_staff or user.is_superuser)
