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


class CheckInSearchForm(forms.Form):
    """Find someone who has no badge with them, by name, organisation or
    reference."""

    q = forms.CharField(
        label=_("No badge? Find the delegate by name"),
        max_length=100,
        required=False,
        help_text=_("e.g. Patel, or Sam West Midlands, or the reference ECC27-0042."),
    )


class CheckInByReferenceForm(forms.Form):
    reference = forms.RegexField(
        regex=r"^[-A-Za-z0-9]{1,20}\Z", max_length=20, strip=True
    )


class BadgePrintForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=BadgePrintJob.Layout.choices,
        initial=BadgePrintJob.Layout.SINGLE,
        widget=forms.RadioSelect,
    )
