"""Admin form parts: forged ids answered as form errors, and the add form whose
validation is ``registration_create`` itself."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Registration

# The largest primary key the databases store (a signed 64-bit integer).
MAX_PK = 2**63 - 1


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def valid_pk(value) -> bool:
    text = str(value)
    # The length first: int() refuses a string of more than 4,300 digits.
    return (
        len(text) <= len(str(MAX_PK))
        and text.isascii()
        and text.isdigit()
        and 0 < int(text) <= MAX_PK
    )


class PkChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers "Select a valid choice" for any id the
    database cannot hold (too large, negative, not a number) instead of crashing."""

    def to_python(self, value):
        if value not in self.empty_values and not valid_pk(value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)

    def bound_data(self, data, initial):
        # Re-displayed with the errors: never look such an id up (autocomplete).
        if data not in self.empty_values and not valid_pk(data):
            return None
        return super().bound_data(data, initial)


class RegistrationAddForm(forms.ModelForm):
    """Organisers add a registration (e.g. a speaker): the form is valid when
    ``registration_create`` accepts it, and ``instance`` is then the registration
    the service made. Its refusals are the service's words, on the fields it names.

    Saving in validation is safe here: the admin's add view is one transaction, and
    nothing after a valid form can fail but the database itself.
    """

    actor = None  # the organiser; set by RegistrationAdmin.get_form

    consent_terms = forms.BooleanField(
        label=_("The person has agreed to the terms and the privacy notice"),
        # The browser asks first; the rule, with its words, is the service's.
        required=False,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )

    class Meta:
        model = Registration
        fields = ["edition", "user", "category", "consent_terms"]

    def _get_validation_exclusions(self):
        # Uniqueness per edition and user is the service's: a cancelled
        # registration is reused, not duplicated.
        exclude = super()._get_validation_exclusions()
        exclude.add("user")
        return exclude

    def _post_clean(self):
        super()._post_clean()  # the fields and the model's own checks
        if self.errors:
            return
        try:
            self.instance = services.registration_create(
                edition=self.cleaned_data["edition"],
                user=self.cleaned_data["user"],
                category=self.cleaned_data["category"],
                consent_terms=self.cleaned_data["consent_terms"],
                actor=self.actor,
            )
        except ValidationError as error:
            self._update_errors(error)
