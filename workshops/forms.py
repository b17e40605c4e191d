"""Delegate-facing forms: live choice (one radio group per time block) and ranking."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TimeBlock, Workshop, WorkshopProposal, WorkshopRun
from .services.proposals import co_leaders_parse, co_leaders_text


def block_field_name(block: TimeBlock) -> str:
    return f"block-{block.pk}"


class WorkshopChoiceForm(forms.Form):
    """One field per block; ``run_ids`` holds the runs picked, for the service."""

    def __init__(self, *args, blocks, n: int, current=(), disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.blocks = blocks
        self.runs_by_block: dict[int, dict[str, WorkshopRun]] = {}
        current = set(current)
        for block in blocks:
            runs = {str(run.pk): run for run in block.offered_runs}
            choices = [(pk, run.workshop.title) for pk, run in runs.items()]
            if n < len(blocks):
                choices.insert(0, ("", _("No workshop in this block")))
            start = timezone.localtime(block.starts_at)
            end = timezone.localtime(block.ends_at)
            initial = next((pk for pk, r in runs.items() if r.pk in current), "")
            self.fields[block_field_name(block)] = forms.ChoiceField(
                label=_("%(block)s%(day)s %(start)s–%(end)s")
                % {
                    "block": f"{block.label}: " if block.label else "",
                    "day": f"{start:%A}",
                    "start": f"{start:%H:%M}",
                    "end": f"{end:%H:%M}",
                },
                choices=choices,
                required=False,
                initial=initial,
                disabled=disabled,
                widget=forms.RadioSelect,
            )
            self.runs_by_block[block.pk] = runs
        self.current = current

    def options(self, block: TimeBlock) -> list[dict]:
        """The radios of one block: full runs are disabled unless already held."""
        field = self[block_field_name(block)]
        value = str(field.value() or "")
        runs = self.runs_by_block[block.pk]
        result = []
        for pk, label in field.field.choices:
            run = runs.get(str(pk))
            result.append(
                {
                    "value": pk,
                    "label": label,
                    "run": run,
                    "id": f"id_{field.html_name}_{pk or 'none'}",
                    "checked": str(pk) == value,
                    "disabled": field.field.disabled
                    or (run is not None and run.is_full and run.pk not in self.current),
                }
            )
        return result

    def offered_runs(self) -> list[WorkshopRun]:
        """Every run the form offers, as loaded (workshop, block, session, room)."""
        return [run for runs in self.runs_by_block.values() for run in runs.values()]

    def block_fields(self):
        return [
            (block, self[block_field_name(block)], self.options(block))
            for block in self.blocks
        ]

    @property
    def run_ids(self) -> list[int]:
        return [
            int(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("block-") and value
        ]


class WorkshopRankForm(forms.Form):
    """A rank (1 = most wanted) for each published workshop; blanks are unranked."""

    def __init__(self, *args, workshops: list[Workshop], current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.workshops = workshops
        rank_choices = [("", _("Not ranked"))] + [
            (str(i), str(i)) for i in range(1, len(workshops) + 1)
        ]
        for workshop in workshops:
            self.fields[f"rank-{workshop.pk}"] = forms.TypedChoiceField(
                label=workshop.title,
                choices=rank_choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=current.get(workshop.pk, ""),
            )

    def workshop_fields(self):
        return [(w, self[f"rank-{w.pk}"]) for w in self.workshops]

    def clean(self):
        data = super().clean()
        ranks = {
            int(name.removeprefix("rank-")): rank
            for name, rank in data.items()
            if name.startswith("rank-") and rank is not None
        }
        if len(set(ranks.values())) != len(ranks):
            raise forms.ValidationError(
                _("Give each workshop a different rank (1 is your first choice).")
            )
        self.ranking = [pk for pk, _rank in sorted(ranks.items(), key=lambda i: i[1])]
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(min_value=0, label=_("New capacity"))


class MoveForm(forms.Form):
    to_run = forms.ModelChoiceField(
        queryset=WorkshopRun.objects.none(), label=_("Move to")
    )
    reason = forms.CharField(required=False, label=_("Reason (for the audit trail)"))

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_run"].queryset = WorkshopRun.objects.filter(
            workshop__edition=edition
        ).select_related("workshop", "block__session")


class ProposalForm(forms.ModelForm):
    """A workshop proposal; co-leaders are typed one a line."""

    co_leaders_text = forms.CharField(
        label=_("Co-leaders"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Anyone leading it with you, one a line as “Name <email>”. Leave empty "
            "if you lead it alone."
        ),
    )

    class Meta:
        model = WorkshopProposal
        fields = ["title", "summary", "audience", "format"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "title": _("Title"),
            "summary": _("Summary"),
            "audience": _("Audience"),
            "format": _("Format"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["co_leaders_text"].initial = co_leaders_text(
                self.instance.co_leaders
            )

    def clean_co_leaders_text(self) -> list[dict]:
        return co_leaders_parse(self.cleaned_data["co_leaders_text"])

    def proposal_fields(self) -> dict:
        """The cleaned values, as the services take them."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["co_leaders"] = self.cleaned_data["co_leaders_text"]
        return data


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 is weak, 5 is excellent."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
