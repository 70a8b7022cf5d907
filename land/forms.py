"""Forms take yuan, mu and codes as people type them; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collective.forms import YuanField as CollectiveYuanField
from collective.models import Household, Member, Organisation
from collective.money import fen_to_yuan_string
from collective.spreadsheets import SpreadsheetField
from land.models import LandTransferContract, Parcel

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YuanField(CollectiveYuanField):
    """An amount in yuan, at least 0 unless said otherwise; `clean` returns whole fen."""


class AreaField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")


def household_in(code: str, associations) -> Household:
    """Return the household with this code among these associations, or say why not."""
    try:
        return Household.objects.select_related("association").get(code=code.strip(), association__in=associations)
    except Household.DoesNotExist:
        raise ValidationError(
            _("No household %(code)s in the associations you keep."), params={"code": code}, code="unknown"
        ) from None


class ParcelForm(forms.ModelForm):
    household_code = forms.CharField(
        label=_("contract-right household code"),
        max_length=32,
        required=False,
        help_text=_("The household holding the land contract right, e.g. GT01-001."),
    )

    class Meta:
        model = Parcel
        fields = ["code", "association", "village_group", "area_mu", "land_class", "contract_right_end", "note"]
        widgets = {"contract_right_end": DATE_WIDGET}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Organisation.objects.collectives().visible_to(user).order_by("code")
        self.fields["area_mu"].widget.attrs["inputmode"] = "decimal"
        if self.instance.pk and self.instance.contract_household_id:
            self.initial["household_code"] = self.instance.contract_household.code
        if self.instance.pk:
            # A parcel keeps its code and association; contracts refer to them.
            self.fields["code"].disabled = True
            self.fields["association"].disabled = True

    def clean_area_mu(self):
        area = self.cleaned_data["area_mu"]
        if area is not None and area <= 0:
            raise ValidationError(_("The area must be more than 0 mu."))
        return area

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("household_code", "").strip()
        association = cleaned.get("association")
        self.instance.contract_household = None
        if code and association:
            try:
                self.instance.contract_household = household_in(code, [association])
            except ValidationError as error:
                self.add_error("household_code", error)
        return cleaned


class ContractForm(forms.Form):
    number = forms.CharField(label=_("contract number"), max_length=32)
    household_code = forms.CharField(label=_("transferor household code"), max_length=32)
    transferee = forms.ModelChoiceField(
        label=_("transferee"), queryset=Organisation.objects.companies(), empty_label=_("Choose…")
    )
    transfer_mode = forms.ChoiceField(label=_("transfer mode"), choices=LandTransferContract.TransferMode.choices)
    start_date = forms.DateField(label=_("start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("end date"), widget=DATE_WIDGET)
    rent_per_mu = YuanField(label=_("guaranteed rent per mu per year (yuan)"))
    escalation_percent = forms.DecimalField(
        label=_("escalation (%)"),
        max_digits=7,
        decimal_places=4,
        min_value=Decimal(0),
        required=False,
        help_text=_("Leave empty for a rent that never rises."),
    )
    escalation_every_years = forms.IntegerField(label=_("every (years)"), min_value=1, max_value=99, required=False)
    profit_share = forms.BooleanField(label=_("shares in the land profit (分红)"), required=False, initial=True)
    profit_share_weight = forms.DecimalField(
        label=_("profit-share weight"), max_digits=12, decimal_places=4, min_value=Decimal(0), initial=Decimal(1)
    )
    payment_due_month = forms.IntegerField(label=_("rent due month"), min_value=1, max_value=12, initial=12)
    payment_due_day = forms.IntegerField(label=_("rent due day"), min_value=1, max_value=31, initial=20)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        companies = Organisation.objects.companies()
        if user.role == "accountant":
            companies = companies.filter(pk=user.organisation_id)
        self.fields["transferee"].queryset = companies
        if companies.count() == 1:
            self.fields["transferee"].initial = companies.get()

    def clean_household_code(self):
        associations = Organisation.objects.collectives().visible_to(self.user)
        return household_in(self.cleaned_data["household_code"], associations)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("escalation_percent") is None) != (cleaned.get("escalation_every_years") is None):
            self.add_error(
                "escalation_every_years", _("Give both the escalation percentage and how often it applies, or neither.")
            )
        return cleaned

    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "number": data["number"],
            "household": data["household_code"],
            "transferee": data["transferee"],
            "transfer_mode": data["transfer_mode"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "rent_per_mu_fen": data["rent_per_mu"],
            "escalation_percent": data["escalation_percent"],
            "escalation_every_years": data["escalation_every_years"],
            "profit_share": data["profit_share"],
            "profit_share_weight": data["profit_share_weight"],
            "payment_due_month": data["payment_due_month"],
            "payment_due_day": data["payment_due_day"],
            "note": data["note"],
        }

    @staticmethod
    def initial_from(contract: LandTransferContract) -> dict:
        return {
            "number": contract.number,
            "household_code": contract.household.code,
            "transferee": contract.transferee,
            "transfer_mode": contract.transfer_mode,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "rent_per_mu": fen_to_yuan_string(contract.rent_per_mu_fen),
            "escalation_percent": contract.escalation_percent,
            "escalation_every_years": contract.escalation_every_years,
            "profit_share": contract.profit_share,
            "profit_share_weight": contract.profit_share_weight,
            "payment_due_month": contract.payment_due_month,
            "payment_due_day": contract.payment_due_day,
            "note": contract.note,
        }


CONTRACT_FIELD_MAP = {
    "household": "household_code",
    "rent_per_mu_fen": "rent_per_mu",
    "parcels": None,
}


class ContractParcelForm(forms.Form):
    parcel_code = forms.CharField(label=_("parcel code"), max_length=32, required=False)
    area_mu = AreaField(label=_("area (mu)"), required=False)

    def __init__(self, *args, parcels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible_parcels = parcels

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("parcel_code") or "").strip()
        area = cleaned.get("area_mu")
        if not code and area is None:
            return cleaned
        if not code:
            self.add_error("parcel_code", _("Give the parcel code."))
        else:
            try:
                cleaned["parcel"] = self.visible_parcels.get(code=code)
            except Parcel.DoesNotExist:
                self.add_error("parcel_code", _("No parcel %(code)s that you may see.") % {"code": code})
        if area is None:
            self.add_error("area_mu", _("Give the area taken, in mu."))
        return cleaned


class BaseContractParcelFormSet(forms.BaseFormSet):
    def lines(self) -> list[tuple[Parcel, Decimal]]:
        return [
            (form.cleaned_data["parcel"], form.cleaned_data["area_mu"])
            for form in self.forms
            if "parcel" in form.cleaned_data
        ]


ContractParcelFormSet = forms.formset_factory(
    ContractParcelForm, formset=BaseContractParcelFormSet, extra=3, max_num=50, validate_max=True
)


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("signed on"), widget=DATE_WIDGET, initial=timezone.localdate)


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(
        label=_("last day in force"), widget=DATE_WIDGET, help_text=_("Rent is owed up to and including this day.")
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class RenewForm(forms.Form):
    number = forms.CharField(label=_("new contract number"), max_length=32)
    end_date = forms.DateField(label=_("new end date"), widget=DATE_WIDGET)
    rent_per_mu = YuanField(
        label=_("guaranteed rent per mu per year (yuan)"),
        required=False,
        help_text=_("Leave empty to carry over the current rent, escalated for the first year of the renewal."),
    )
    escalation_percent = forms.DecimalField(
        label=_("escalation (%)"), max_digits=7, decimal_places=4, min_value=Decimal(0), required=False
    )
    escalation_every_years = forms.IntegerField(label=_("every (years)"), min_value=1, max_value=99, required=False)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("escalation_percent") is None) != (cleaned.get("escalation_every_years") is None):
            self.add_error(
                "escalation_every_years", _("Give both the escalation percentage and how often it applies, or neither.")
            )
        return cleaned


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("paid on"), widget=DATE_WIDGET, initial=timezone.localdate)
    amount = YuanField(label=_("amount (yuan)"), min_value=Decimal("0.01"))
    reference = forms.CharField(
        label=_("reference"), max_length=100, required=False, help_text=_("Bank slip or receipt number.")
    )
    first_year = forms.IntegerField(
        label=_("covers from year"),
        min_value=1900,
        max_value=2200,
        required=False,
        help_text=_("For rent paid in advance for several years; empty: the earliest unpaid year."),
    )
    last_year = forms.IntegerField(label=_("covers to year"), min_value=1900, max_value=2200, required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class LabourForm(forms.Form):
    household_code = forms.CharField(
        label=_("household code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none(), empty_label=_("Choose…"))
    employer = forms.ModelChoiceField(
        label=_("employer"), queryset=Organisation.objects.companies(), empty_label=_("Choose…")
    )
    work_date = forms.DateField(label=_("work date"), widget=DATE_WIDGET, initial=timezone.localdate)
    days = forms.DecimalField(label=_("days"), max_digits=6, decimal_places=2, min_value=Decimal("0.01"))
    day_wage = YuanField(label=_("day wage (yuan)"))
    task = forms.CharField(label=_("task"), max_length=200, initial=_("Land remediation maintenance"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        companies = Organisation.objects.companies()
        if user.role == "accountant":
            companies = companies.filter(pk=user.organisation_id)
        self.fields["employer"].queryset = companies
        if companies.count() == 1:
            self.fields["employer"].initial = companies.get()
        code = (self.data.get(self.add_prefix("household_code")) or self.initial.get("household_code") or "").strip()
        self.fields["member"].queryset = Member.objects.filter(
            household__code=code, household__association__in=Organisation.objects.collectives().visible_to(user)
        ).order_by("pk")

    def clean_household_code(self):
        associations = Organisation.objects.collectives().visible_to(self.user)
        return household_in(self.cleaned_data["household_code"], associations)


class ImportForm(forms.Form):
    file = SpreadsheetField(
        label=_("file (.xlsx or .csv)"),
        help_text=_("The first row holds the column names; nothing is saved unless every row is right."),
    )


class ParcelFilterForm(forms.Form):
    q = forms.CharField(label=_("parcel or household code"), required=False)
    association = forms.ModelChoiceField(
        label=_("association"), queryset=Organisation.objects.none(), required=False, empty_label=_("All associations")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Organisation.objects.collectives().visible_to(user).order_by("code")


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("contract or household code"), required=False)
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All")), *LandTransferContract.Status.choices], required=False
    )
    association = forms.ModelChoiceField(
        label=_("association"), queryset=Organisation.objects.none(), required=False, empty_label=_("All associations")
    )
    expiring = forms.BooleanField(label=_("expiring within 90 days"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Organisation.objects.collectives().visible_to(user).order_by("code")


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2200, required=False)
    association = forms.ModelChoiceField(
        label=_("association"), queryset=Organisation.objects.none(), required=False, empty_label=_("All associations")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Organisation.objects.collectives().visible_to(user).order_by("code")

    def year_or(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return default
