from django import forms
from django.utils.translation import gettext_lazy as _


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in sorted(years, reverse=True)]
