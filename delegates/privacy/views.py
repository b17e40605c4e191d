"""The privacy notice, "Download my data" and "Delete my account"."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import AccountDeleteForm
from .models import PersonalDataAccess
from .retention import retention_periods


@require_GET
def privacy_notice(request):
    """The privacy notice, its periods read from the ``PRIVACY_*`` settings."""
    return render(request, "pages/privacy.html", {"periods": retention_periods()})


@login_required
@require_GET
def my_data(request):
    """What we hold, and the doors to download it or delete the account."""
    return render(
        request, "delegates/privacy/my_data.html", {"periods": retention_periods()}
    )


@never_cache
@login_required
@reauthentication_required
@require_GET
def data_download(request):
    """A JSON file of everything held about the signed-in person (after confirming
    their password, as it holds all of it); the download is recorded."""
    data = selectors.personal_data_export(user=request.user)
    services.personal_data_access_record(
        request=request,
        kind=PersonalDataAccess.Kind.DATA_DOWNLOAD,
        subject=request.user,
        rows=len(data["registrations"]),
    )
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="socex-my-data-{timezone.localdate():%Y%m%d}.json"'
    )
    return response


@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """After reauthentication: a confirmation page; its POST cancels the future
    registrations, erases the person's data, closes the account and logs out."""
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.account_erase(
                    user=request.user, actor=request.user, request=request
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                logout(request)
                messages.success(
                    request,
                    _(
                        "Your account has been deleted: your future registrations "
                        "were cancelled and your details erased."
                    ),
                )
                return redirect("events:home")
        status = 400
    return render(
        request,
        "delegates/privacy/account_delete.html",
        {
            "form": form,
            "future_registrations": selectors.future_registrations(user=request.user),
        },
        status=status,
    )
