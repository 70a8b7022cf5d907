"""Forms of the dividends pages: yuan in, fen out; the rules themselves live in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collective.forms import YuanField as CollectiveYuanField
from collective.models import Organisation, User
from collective.money import fen_to_yuan_string
from collective.spreadsheets import SpreadsheetField
from dividends.models import DistributionPolicy, LedgerEntry
from dividends.services.policies import validate_policy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def organisations_for(user: User, *, recording: bool = False):
    """The organisations whose books a user may read (or, recording, keep)."""
    organisations = Organisation.objects.filter(kind__in=[Organisation.Kind.COMPANY, Organisation.Kind.COLLECTIVE])
    if user.is_superuser:
        return organisations
    if user.role == User.Role.VILLAGE:
        return organisations.filter(pk=user.organisation_id)
    if user.role == User.Role.ACCOUNTANT:
        return organisations.filter(kind=Organisation.Kind.COMPANY) if recording else organisations
    if user.role == User.Role.TOWNSHIP and not recording:
        return organisations
    return organisations.none()


class YuanField(CollectiveYuanField):
    """An amount in yuan of at least ¥0.01; cleaned to whole fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)


class LedgerEntryForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    direction = forms.ChoiceField(label=_("Revenue or expense"), choices=LedgerEntry.Direction.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=LedgerEntry.Category.choices,
        help_text=_("Guaranteed rent and remediation wages are computed by the distribution run: do not enter them."),
    )
    rental_source = forms.ChoiceField(
        label=_("Rental source"), choices=[("", "—"), *LedgerEntry.RentalSource.choices], required=False
    )
    entry_date = forms.DateField(label=_("Date"), widget=DATE)
    amount = YuanField(label=_("Amount (yuan)"))
    counterparty = forms.CharField(label=_("Counterparty"), max_length=200, required=False)
    source_reference = forms.CharField(
        label=_("Source document"), max_length=100, required=False, help_text=_("Voucher, invoice or contract number.")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user: User, entry: LedgerEntry | None = None, **kwargs):
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "organisation": entry.organisation,
                "direction": entry.direction,
                "category": entry.category,
                "rental_source": entry.rental_source,
                "entry_date": entry.entry_date,
                "amount": fen_to_yuan_string(entry.amount_fen),
                "counterparty": entry.counterparty,
                "source_reference": entry.source_reference,
                "note": entry.note,
            }
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user, recording=True)
        if entry is not None:
            self.fields["organisation"].disabled = True

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "direction": data["direction"],
            "category": data["category"],
            "rental_source": data["rental_source"] or "",
            "entry_date": data["entry_date"],
            "amount_fen": data["amount"],
            "counterparty": data["counterparty"],
            "source_reference": data["source_reference"],
            "note": data["note"],
        }


class LedgerImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    file = SpreadsheetField(
        label=_("File (.xlsx or .csv)"),
        help_text=_(
            "First row: date, direction (revenue/expense), category, rental source, amount (yuan), counterparty, "
            "reference, note. Every row is checked; nothing is saved unless all rows are right."
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user, recording=True)


class StatementFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user)


class LedgerFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100, required=False)
    direction = forms.ChoiceField(
        label=_("Revenue or expense"), choices=[("", "—"), *LedgerEntry.Direction.choices], required=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user)


RATE = {"max_digits": 7, "decimal_places": 6, "min_value": Decimal(0), "max_value": Decimal(1)}


class PolicyForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Company"), queryset=Organisation.objects.companies())
    year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100)
    land_share_rate = forms.DecimalField(label=_("Land share rate"), help_text=_("e.g. 0.30"), **RATE)
    reserve_rate = forms.DecimalField(label=_("Provident fund rate (公积金)"), help_text=_("e.g. 0.20"), **RATE)
    welfare_rate = forms.DecimalField(label=_("Welfare fund rate (公益金)"), help_text=_("e.g. 0.10"), **RATE)
    payout_rate = forms.DecimalField(label=_("Payout rate"), help_text=_("e.g. 0.80"), **RATE)
    retention_rate = forms.DecimalField(label=_("Association retention rate"), help_text=_("e.g. 0.10"), **RATE)
    record_date = forms.DateField(label=_("Record date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, policy: DistributionPolicy | None = None, **kwargs):
        if policy is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "organisation": policy.organisation,
                "year": policy.year,
                "land_share_rate": policy.land_share_rate,
                "reserve_rate": policy.reserve_rate,
                "welfare_rate": policy.welfare_rate,
                "payout_rate": policy.payout_rate,
                "retention_rate": policy.retention_rate,
                "record_date": policy.record_date,
                "note": policy.note,
            }
        super().__init__(*args, **kwargs)
        if policy is not None:
            self.fields["organisation"].disabled = True
            self.fields["year"].disabled = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            validate_policy(
                organisation=data["organisation"],
                year=data["year"],
                land_share_rate=data["land_share_rate"],
                reserve_rate=data["reserve_rate"],
                welfare_rate=data["welfare_rate"],
                payout_rate=data["payout_rate"],
                retention_rate=data["retention_rate"],
                record_date=data["record_date"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


class RunCreateForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=DistributionPolicy.objects.none())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = DistributionPolicy.objects.visible_to(user).select_related("organisation")


class PublishForm(forms.Form):
    starts_on = forms.DateField(label=_("Public notice from"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ApproveForm(forms.Form):
    resolution_date = forms.DateField(label=_("Date of the assembly's resolution"), widget=DATE)
    resolution_reference = forms.CharField(
        label=_("Resolution reference"),
        max_length=100,
        help_text=_("The resolution of the members' representative assembly (成员代表大会决议)."),
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("What is wrong with this line?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
