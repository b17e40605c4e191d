from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BadgePrintJob


class CheckInForm(forms.Form):
    token = forms.CharField(
        label=_("Badge code"),
        max_length=80,
        help_text=_(
            "Scan the QR code (camera or USB scanner) or type the code printed "
            "beside it."
        ),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )


class BadgePrintForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=BadgePrintJob.Layout.choices,
        initial=BadgePrintJob.Layout.SINGLE,
        widget=forms.RadioSelect,
    )
