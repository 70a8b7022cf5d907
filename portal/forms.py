"""The farmer's forms."""

from django import forms
from django.utils.translation import gettext_lazy

OBJECTION_MAX_LENGTH = 500


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What is wrong? Say it in a few words."),
        max_length=OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": OBJECTION_MAX_LENGTH}),
    )
