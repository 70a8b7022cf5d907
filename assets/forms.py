"""Forms take yuan, mu and dates as people type them; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Asset, Contract, DepositMovement, Resource
from collective.models import Organisation
from collective.money import fen_to_yuan_string
from land.forms import DATE_WIDGET, AreaField, YuanField


def owners_kept_by(user):
    """The organisations whose assets and contracts this user may change."""
    organisations = Organisation.objects.filter(
        kind__in=[Organisation.Kind.COLLECTIVE, Organisation.Kind.COMPANY]
    ).order_by("kind", "code")
    if user.is_superuser:
        return organisations
    if user.role in ("village", "accountant") and user.organisation_id:
        return organisations.filter(pk=user.organisation_id)
    return organisations.none()


def owners_visible_to(user):
    organisations = Organisation.objects.filter(
        kind__in=[Organisation.Kind.COLLECTIVE, Organisation.Kind.COMPANY]
    ).order_by("kind", "code")
    if user.is_superuser or user.role == "township":
        return organisations
    return owners_kept_by(user)


class OwnedForm(forms.ModelForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners_kept_by(user)
        self.fields["owner"].queryset = owners
        if len(owners) == 1:
            self.fields["owner"].initial = owners[0].pk


class AssetForm(OwnedForm):
    cost = YuanField(label=_("Original cost (yuan)"))
    salvage = YuanField(label=_("Residual value (yuan)"), required=False)

    class Meta:
        model = Asset
        fields = [
            "code",
            "name",
            "owner",
            "category",
            "location",
            "keeper",
            "source",
            "acquired_on",
            "in_service_on",
            "useful_life_months",
            "note",
        ]
        widgets = {"acquired_on": DATE_WIDGET, "in_service_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    field_order = ["code", "name", "owner", "category", "cost", "salvage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["cost"].initial = fen_to_yuan_string(self.instance.cost_fen)
            self.fields["salvage"].initial = fen_to_yuan_string(self.instance.salvage_fen)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def _post_clean(self):
        self.instance.cost_fen = self.cleaned_data.get("cost")
        self.instance.salvage_fen = self.cleaned_data.get("salvage") or 0
        super()._post_clean()


class DisposeForm(forms.Form):
    disposed_on = forms.DateField(label=_("Disposed on"), widget=DATE_WIDGET)
    disposal = forms.ChoiceField(label=_("Disposal"), choices=Asset.Disposal.choices)
    proceeds = YuanField(label=_("Proceeds (yuan)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=120)


class ResourceForm(OwnedForm):
    area_mu = AreaField(label=_("Area (mu)"))

    class Meta:
        model = Resource
        fields = ["code", "name", "owner", "kind", "land_class", "area_mu", "status", "location", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(kind=Organisation.Kind.COLLECTIVE)


class ContractForm(forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Contract.Kind.choices)
    owner = forms.ModelChoiceField(label=_("Our party"), queryset=Organisation.objects.none())
    counterparty = forms.CharField(label=_("Counterparty"), max_length=200)
    counterparty_contact = forms.CharField(label=_("Counterparty contact"), max_length=100, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    schedule = forms.CharField(
        label=_("Payment schedule"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2025-01-15 50000.00 上半年租金"}),
        help_text=_("One payment a line: due date, amount in yuan, then an optional description."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners_kept_by(user)
        self.fields["owner"].queryset = owners
        if len(owners) == 1:
            self.fields["owner"].initial = owners[0].pk

    def clean_schedule(self):
        from assets.services import parse_schedule

        try:
            return parse_schedule(self.cleaned_data["schedule"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET, initial=timezone.localdate)


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("Terminated on"), widget=DATE_WIDGET, initial=timezone.localdate)


class ReceiptForm(forms.Form):
    installment = forms.IntegerField(widget=forms.HiddenInput)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET, initial=timezone.localdate)
    amount = YuanField(label=_("Amount (yuan)"))
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class DepositForm(forms.Form):
    kind = forms.ChoiceField(label=_("Deposit"), choices=DepositMovement.Kind.choices)
    movement = forms.ChoiceField(label=_("Movement"), choices=DepositMovement.Movement.choices)
    amount = YuanField(label=_("Amount (yuan)"))
    on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class StartCheckForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Whose assets"), queryset=Organisation.objects.none())
    started_on = forms.DateField(label=_("Check date"), widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners_kept_by(user)
        self.fields["owner"].queryset = owners
        if len(owners) == 1:
            self.fields["owner"].initial = owners[0].pk


class ScanForm(forms.Form):
    scanned = forms.CharField(
        label=_("Asset code or label"),
        max_length=300,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters"}),
    )


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"), help_text=_("A FeatureCollection; each feature's properties.code is a parcel code.")
    )


class BoundaryForm(forms.Form):
    geometry = forms.CharField(
        label=_("Boundary (GeoJSON polygon)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Longitude and latitude in degrees (WGS 84). Drawing on the map fills this in."),
    )
