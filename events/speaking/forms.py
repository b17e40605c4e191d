"""The speaker portal's forms: limits are enforced here (and by the models) and
shown beside each field; the services decide what may change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Speaker
from socex.images import ImageUploadFormField, image_square

from .models import ABSTRACT_MAX, SUMMARY_MAX, TITLE_MAX, VERSIONED_FIELDS, Submission
from .services import PROFILE_FIELDS
from .slides import slides_rules


def _counted(limit: int, rows: int | None = None):
    attrs = {"maxlength": limit, "data-counter": limit}
    if rows:
        attrs["rows"] = rows
        return forms.Textarea(attrs=attrs)
    return forms.TextInput(attrs=attrs)


class SubmissionForm(forms.ModelForm):
    """The item's details (saved as the speaker's working copy)."""

    class Meta:
        model = Submission
        fields = list(VERSIONED_FIELDS)
        widgets = {
            "title": _counted(TITLE_MAX),
            "summary": _counted(SUMMARY_MAX, rows=3),
            "abstract": _counted(ABSTRACT_MAX, rows=8),
            "av_notes": forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
            "microphones": forms.NumberInput(attrs={"min": 0, "max": 10}),
        }
        help_texts = {
            "title": _("Up to %(n)d characters.") % {"n": TITLE_MAX},
            "summary": _("One or two sentences for the agenda, up to %(n)d characters.")
            % {"n": SUMMARY_MAX},
            "abstract": _(
                "For the programme team and the programme, up to %(n)d characters."
            )
            % {"n": ABSTRACT_MAX},
            "microphones": _("How many microphones you need (0 to 10)."),
        }

    def clean_microphones(self):
        value = self.cleaned_data["microphones"]
        if value is not None and value > 10:
            raise forms.ValidationError(_("Ask for 10 microphones at most."))
        return value


class TravelForm(forms.Form):
    """The speaker's own arrival and needs for this item (for the venue)."""

    arrival_date = forms.DateField(
        label=_("Arrival day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day you arrive at the venue."),
    )
    dietary_needs = forms.CharField(
        label=_("Dietary needs"), required=False, max_length=300
    )
    access_needs = forms.CharField(
        label=_("Access needs"),
        required=False,
        max_length=300,
        help_text=_("Only the programme team and the venue see this."),
    )


class SpeakerProfileForm(forms.ModelForm):
    """The person's one speaker profile; the photo is cropped square and stripped of
    every metadata (GPS included) before it is stored."""

    photo = ImageUploadFormField(label=_("Photo"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = Speaker
        fields = list(PROFILE_FIELDS)
        labels = {
            "display_name": _("Name as displayed"),
            "bio": _("Short biography"),
            "may_be_named": _("I may be named publicly"),
        }
        widgets = {"bio": _counted(1200, rows=5)}
        help_texts = {
            "bio": _("Up to 1200 characters."),
            "may_be_named": _(
                "Untick if you may not be named in public: the site, the agenda and "
                "the calendar feeds then say “Speaker to be confirmed”, and your "
                "photo is not shown."
            ),
        }

    def clean_bio(self):
        bio = self.cleaned_data["bio"]
        if len(bio) > 1200:
            raise forms.ValidationError(_("Shorten the biography to 1200 characters."))
        return bio

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return image_square(photo) if photo else None

    def profile_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        if self.cleaned_data.get("photo"):
            data["photo"] = self.cleaned_data["photo"]
        elif self.cleaned_data.get("remove_photo"):
            data["photo"] = False
        return data


class SlidesForm(forms.Form):
    slides = forms.FileField(
        label=_("Slides (PDF)"),
        help_text=slides_rules,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class InviteForm(forms.Form):
    """An invitation by an organiser (the admin's invite page)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CopresenterForm(InviteForm):
    """A speaker inviting a co-presenter: the same fields, worded for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Their name")
        self.fields["email"].label = _("Their email address")
        self.fields["message"].label = _("A message for them")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The speakers receive this by email and see it in their portal."),
    )


class OrganiserInviteForm(InviteForm):
    """An organiser's invitation, which may name an existing speaker record."""

    speaker = forms.ModelChoiceField(
        label=_("Existing speaker record"),
        queryset=Speaker.objects.filter(user__isnull=True).order_by("display_name"),
        required=False,
        help_text=_(
            "If this person is already a speaker here (without an account), choose "
            "them: their profile is reused, not duplicated."
        ),
    )
