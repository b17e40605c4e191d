from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Profile
from .services import PROFILE_FIELDS


class ProfileForm(forms.ModelForm):
    """The delegate's profile; the model's ``clean`` gives the detailed messages."""

    class Meta:
        model = Profile
        fields = PROFILE_FIELDS
        widgets = {
            "title_rank": forms.TextInput(attrs={"autocomplete": "honorific-prefix"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "organisation": forms.TextInput(attrs={"autocomplete": "organization"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "accessibility_requirements": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "organisation_type": _("Choose the closest match."),
            "dietary_requirements": _(
                "e.g. vegetarian, halal, gluten free; leave blank if none."
            ),
            "accessibility_requirements": _(
                "Anything the venue should prepare, e.g. step-free access, a hearing "
                "loop. Only the organisers and the venue see this."
            ),
        }
        error_messages = {
            "first_name": {"required": _("Enter your first name.")},
            "last_name": {"required": _("Enter your last name.")},
            "job_title": {
                "required": _("Enter your job title, e.g. Detective Inspector.")
            },
            "organisation": {
                "required": _("Enter your organisation, e.g. West Midlands Police.")
            },
            "organisation_type": {
                "required": _("Choose the type of your organisation."),
                "invalid_choice": _("Choose one of the organisation types listed."),
            },
            "country": {"required": _("Enter the country you work in.")},
            "accessibility_requirements": {
                "max_length": _(
                    "Keep this to %(limit_value)d characters or fewer (it has "
                    "%(show_value)d): give the main needs, and the organisers will "
                    "contact you about the details."
                )
            },
        }


class RegistrationForm(forms.Form):
    consent_terms = forms.BooleanField(
        label=_(
            "I agree to the terms of attendance and to SOCEX holding my details as "
            "described in the privacy notice, for running this event."
        ),
        error_messages={
            "required": _("Please accept the terms and the privacy notice to register.")
        },
    )


class DeclineForm(forms.Form):
    """The reason an organiser gives when declining (admin intermediate page); the
    service says whether it will do."""

    reason = forms.CharField(
        label=_("Reason (the delegate reads this in the email)"),
        # Not required here: registration_decline's rule refuses an empty reason.
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if "reason" in data:
            data["reason"] = services.decline_reason_clean(reason=data["reason"])
        return data


class SubstitutionForm(forms.Form):
    """A delegate (or an organiser) nominates a colleague; the service checks the
    address and the place."""

    PASS, RELEASE = "pass", "release"

    email = forms.EmailField(
        label=_("Your colleague's email address"),
        max_length=254,
        help_text=_(
            "Their work address, e.g. sam.patel@police.uk: we email them a link to "
            "take your place."
        ),
    )
    workshops = forms.ChoiceField(
        label=_("Your workshop places"),
        choices=[
            (PASS, _("Pass them on to my colleague")),
            (RELEASE, _("Release them, so my colleague chooses their own")),
        ],
        initial=PASS,
        widget=forms.RadioSelect,
    )

    @property
    def pass_workshops(self) -> bool:
        return self.cleaned_data["workshops"] == self.PASS


class SubstitutionAcceptForm(forms.Form):
    consent_terms = forms.BooleanField(
        label=RegistrationForm.base_fields["consent_terms"].label,
        error_messages={
            "required": _(
                "Please accept the terms and the privacy notice to take the place."
            )
        },
    )
