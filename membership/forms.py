"""Forms of the membership pages: shape and field checks only; the rules live in membership.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from collective.forms import QuantificationForm, date_field
from membership.criteria import RULE_LIST
from membership.models import MIN_PERIOD_DAYS, Entry, Objection, Status

RESOLUTION_MAX_BYTES = 20 * 1024 * 1024
RESOLUTION_TYPES = (".pdf", ".jpg", ".jpeg", ".png")


class ResolutionField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            if not upload.name.lower().endswith(RESOLUTION_TYPES):
                raise forms.ValidationError(_("Attach the resolution as a PDF or a photo (.pdf, .jpg, .png)."))
            if upload.size > RESOLUTION_MAX_BYTES:
                raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, initial=_("Membership identification"))
    base_date = date_field(_("Base date (基准日)"))
    resolution = ResolutionField(label=_("Members' assembly resolution (scan or photo)"), required=False)
    resolution_adopted_on = date_field(_("Resolution adopted on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One checkbox and one outcome per named rule, tried in the order listed.
        for rule in RULE_LIST:
            self.fields[f"use_{rule.code}"] = forms.BooleanField(label=rule.label, required=False, initial=True)
            self.fields[f"outcome_{rule.code}"] = forms.ChoiceField(
                label=_("gives"), choices=Status.choices, initial=rule.default_outcome, required=False
            )

    def rule_rows(self):
        return [(self[f"use_{rule.code}"], self[f"outcome_{rule.code}"]) for rule in RULE_LIST]

    def criteria(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (rule.code, data.get(f"outcome_{rule.code}") or rule.default_outcome)
            for rule in RULE_LIST
            if data.get(f"use_{rule.code}")
        ]

    def clean(self):
        data = super().clean()
        if bool(data.get("resolution")) != bool(data.get("resolution_adopted_on")):
            raise forms.ValidationError(_("Give both the resolution and the day it was adopted, or neither yet."))
        return data


class ResolutionForm(forms.Form):
    resolution = ResolutionField(label=_("Members' assembly resolution (scan or photo)"))
    resolution_adopted_on = date_field(_("Resolution adopted on"))


class EntryForm(forms.Form):
    circumstances = forms.MultipleChoiceField(
        label=_("Circumstances"),
        choices=Entry.Circumstance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    override_status = forms.ChoiceField(
        label=_("Status set by an official"),
        choices=[("", _("As proposed by the criteria")), *Status.choices],
        required=False,
    )
    override_reason = forms.CharField(label=_("Reason for the override"), max_length=300, required=False)


class PublishForm(forms.Form):
    period_days = forms.IntegerField(
        label=_("Open for objections (days)"), min_value=MIN_PERIOD_DAYS, max_value=90, initial=MIN_PERIOD_DAYS
    )


class ObjectionForm(forms.Form):
    entry = forms.ModelChoiceField(label=_("Person concerned"), queryset=Entry.objects.none(), required=False)
    text = forms.CharField(label=_("Your objection"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries
        self.fields["entry"].empty_label = _("The list as a whole")
        self.fields["entry"].label_from_instance = lambda entry: f"{entry.member.name} ({entry.household.code})"


class PaperObjectionForm(ObjectionForm):
    household_code = forms.CharField(label=_("Household code of the person objecting"), max_length=32)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Objection.Outcome.choices, widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Answer"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))


class RoundQuantificationForm(QuantificationForm):
    """Collective's quantification form without the base date: the round's base date is used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["base_date"]


class RestoreForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the membership restored?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: ended by mistake, or an objection upheld after the final list (and its date)."),
    )
    objection = forms.ModelChoiceField(
        label=_("Objection upheld (if any)"), queryset=Objection.objects.none(), required=False
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].queryset = Objection.objects.filter(
            entry__member=member, outcome=Objection.Outcome.UPHELD
        ).select_related("posting__round")
        self.fields["objection"].label_from_instance = lambda objection: (
            f"{objection.posting.round.title} · {objection.posting.get_number_display()} · {objection.text[:40]}"
        )
