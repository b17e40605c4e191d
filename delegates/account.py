"""The account page on My SOCEX: email addresses, password, second factor and the
sessions signed in, each handed to allauth's own pages (which ask for
reauthentication before a change and email the person after one)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    types = set(
        Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True)
    )
    has_totp = Authenticator.Type.TOTP in types
    return render(
        request,
        "delegates/account.html",
        {
            "email_addresses": EmailAddress.objects.filter(user_id=user.pk).order_by(
                "-primary", "email"
            ),
            "has_totp": has_totp,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in types,
            # As socex.accounts.MFAAdapter and StaffMFAMiddleware hold: staff must
            # keep a second factor, so the page offers them no way to remove it.
            "second_factor_required": user.is_staff or user.is_superuser,
        },
    )
