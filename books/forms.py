from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from books.models import Account
from collective.models import Organisation
from collective.money import yuan_to_fen
from collective.spreadsheets import SpreadsheetField


class OrganisationPeriodForm(forms.Form):
    """Which books and which period: every report page starts here."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The period ends before it starts."))
        return data


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.code} {obj.full_name}"


class VoucherForm(forms.Form):
    voucher_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=_("Summary"), max_length=200)
    attachments = forms.IntegerField(label=_("Attachments"), min_value=0, max_value=999, initial=0)
    scan = forms.FileField(
        label=_("Original document (image or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


def _fen(value: str) -> int:
    value = (value or "").strip()
    return yuan_to_fen(value) if value else 0


class VoucherLineForm(forms.Form):
    account = AccountChoiceField(queryset=Account.objects.none(), label=_("Account"), required=False)
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    debit = forms.CharField(
        label=_("Debit (yuan)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    credit = forms.CharField(
        label=_("Credit (yuan)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts

    def clean_debit(self) -> int:
        return _fen(self.cleaned_data.get("debit"))

    def clean_credit(self) -> int:
        return _fen(self.cleaned_data.get("credit"))

    def clean(self):
        data = super().clean()
        has_amount = bool(data.get("debit") or data.get("credit"))
        if has_amount and not data.get("account"):
            self.add_error("account", _("Choose the account of this line."))
        if data.get("account") and not has_amount:
            self.add_error("debit", _("Enter a debit or a credit."))
        return data


VoucherLineFormSet = forms.formset_factory(VoucherLineForm, extra=0, min_num=2, max_num=40)


class ClosePeriodForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["year"].initial = timezone.localdate().year


class DisclosureForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))]
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["year"].initial = timezone.localdate().year


class ReconciliationForm(OrganisationPeriodForm):
    statement = SpreadsheetField(label=_("Bank statement (.xlsx or .csv)"))


class OpeningBalancesForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    year = forms.IntegerField(label=_("Year the balances open"), min_value=2000, max_value=2100)
    balances = SpreadsheetField(label=_("Opening balances (.xlsx or .csv, from the template)"))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["year"].initial = timezone.localdate().year
