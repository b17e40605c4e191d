from django import forms
from django.utils.translation import gettext_lazy as _


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account is closed for good, my future registrations "
            "are cancelled and my details are erased."
        ),
        error_messages={
            "required": _("Tick the box to confirm, or go back to keep your account.")
        },
    )


class EraseForm(forms.Form):
    """The organisers' confirmation in the admin."""

    confirm = forms.BooleanField(
        label=_(
            "Cancel these people's future registrations and erase their personal "
            "data. This cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
