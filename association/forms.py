from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from association.models import (
    Certification,
    ColdStore,
    Cultivar,
    Grade,
    Grower,
    Product,
    StorageLot,
    TrainingSession,
)
from collective.models import Member, Organisation
from collective.money import yuan_to_fen
from collective.spreadsheets import SpreadsheetField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KG_INPUT = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"})


def _today():
    return timezone.localdate()


class GrowerForm(forms.ModelForm):
    """A grower; `household_code` links the grower to a collective member of that household by name."""

    household_code = forms.CharField(
        label=_("household code"),
        required=False,
        help_text=_("If the grower is a member of a village collective, the household code, e.g. GT01-001."),
    )

    class Meta:
        model = Grower
        fields = ["name", "village", "household_code", "phone", "orchard_area_mu", "cultivars", "joined_on"]
        widgets = {"joined_on": DATE_INPUT, "cultivars": forms.CheckboxSelectMultiple}

    def __init__(self, *args, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association
        self.fields["village"].queryset = Organisation.objects.collectives()
        self.fields["orchard_area_mu"].widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0"})
        if self.instance.member_id:
            self.fields["household_code"].initial = self.instance.member.household.code
        if not self.instance.pk:
            self.fields["joined_on"].initial = _today
        self.member = self.instance.member

    def clean_orchard_area_mu(self):
        area = self.cleaned_data["orchard_area_mu"]
        if area is not None and area < 0:
            raise ValidationError(_("The orchard area cannot be negative."))
        return area

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("household_code") or "").strip()
        name = cleaned.get("name")
        self.member = None
        if code and name:
            members = Member.objects.filter(household__code=code, name=name)
            if not members.exists():
                self.add_error(
                    "household_code",
                    _("Household %(code)s has no member named %(name)s.") % {"code": code, "name": name},
                )
            else:
                self.member = members.order_by("pk").first()
                others = Grower.objects.filter(association=self.association, member=self.member)
                if self.instance.pk:
                    others = others.exclude(pk=self.instance.pk)
                if others.exists():
                    self.add_error("household_code", _("This member is already registered as a grower."))
        return cleaned


class TrainingSessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["held_on", "topic", "title", "trainer", "place"]
        widgets = {"held_on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["held_on"].initial = _today


class AttendanceForm(forms.Form):
    """The checklist of growers present at a session."""

    growers = forms.ModelMultipleChoiceField(
        label=_("growers present"), queryset=Grower.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, growers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["growers"].queryset = growers


class HarvestForm(forms.Form):
    grower = forms.ModelChoiceField(label=_("grower"), queryset=Grower.objects.none())
    season = forms.IntegerField(label=_("season (year)"), min_value=1990, max_value=2100)
    cultivar = forms.ModelChoiceField(label=_("cultivar"), queryset=Cultivar.objects.all())
    premium_kg = forms.IntegerField(label=_("premium (kg)"), min_value=0, initial=0, widget=KG_INPUT)
    standard_kg = forms.IntegerField(label=_("standard (kg)"), min_value=0, initial=0, widget=KG_INPUT)
    substandard_kg = forms.IntegerField(label=_("substandard (kg)"), min_value=0, initial=0, widget=KG_INPUT)

    def __init__(self, *args, growers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grower"].queryset = growers
        self.fields["season"].initial = _today().year
        self.fields["season"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        cleaned = super().clean()
        kgs = [cleaned.get(name) or 0 for name in ("premium_kg", "standard_kg", "substandard_kg")]
        if not self.errors and not any(kgs):
            raise ValidationError(_("Enter the kilograms of at least one grade."))
        return cleaned


class BookInForm(forms.Form):
    store = forms.ModelChoiceField(label=_("cold store"), queryset=ColdStore.objects.none())
    grower = forms.ModelChoiceField(label=_("grower"), queryset=Grower.objects.none())
    cultivar = forms.ModelChoiceField(label=_("cultivar"), queryset=Cultivar.objects.all())
    grade = forms.ChoiceField(label=_("grade"), choices=Grade.choices)
    quantity_kg = forms.IntegerField(label=_("quantity (kg)"), min_value=1, widget=KG_INPUT)
    stored_on = forms.DateField(label=_("stored on"), widget=DATE_INPUT, initial=_today)

    def __init__(self, *args, stores, growers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["grower"].queryset = growers
        if stores.count() == 1:
            self.fields["store"].initial = stores.first()


class BookOutForm(forms.Form):
    quantity_kg = forms.IntegerField(label=_("quantity (kg)"), min_value=1, widget=KG_INPUT)
    moved_on = forms.DateField(label=_("date out"), widget=DATE_INPUT, initial=_today)
    buyer = forms.CharField(label=_("buyer"), max_length=100, required=False)


class ProcessingBatchForm(forms.Form):
    product = forms.ChoiceField(label=_("product"), choices=Product.choices)
    processed_on = forms.DateField(label=_("date"), widget=DATE_INPUT, initial=_today)
    output_litres = forms.DecimalField(
        label=_("output (litres)"),
        max_digits=12,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1", "min": "0"}),
    )


class DrawForm(forms.Form):
    """Substandard fruit taken from one lot into a batch."""

    lot = forms.ModelChoiceField(label=_("lot"), queryset=StorageLot.objects.none(), required=False)
    quantity_kg = forms.IntegerField(label=_("quantity (kg)"), min_value=1, required=False, widget=KG_INPUT)

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots
        self.fields["lot"].label_from_instance = lambda lot: " · ".join(
            [lot.code, str(lot.cultivar), _("%(value)s kg") % {"value": f"{lot.remaining_kg:,}"}, lot.grower.name]
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lot") and not cleaned.get("quantity_kg"):
            self.add_error("quantity_kg", _("Enter the kilograms taken from this lot."))
        if cleaned.get("quantity_kg") and not cleaned.get("lot"):
            self.add_error("lot", _("Choose the lot the fruit comes from."))
        return cleaned


class BaseDrawFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("lot") for form in self.forms):
            raise ValidationError(_("Take fruit out of at least one lot."))

    @property
    def draws(self):
        return [(f.cleaned_data["lot"], f.cleaned_data["quantity_kg"]) for f in self.forms if f.cleaned_data.get("lot")]


DrawFormSet = forms.formset_factory(DrawForm, formset=BaseDrawFormSet, extra=3, max_num=10)


class ProductSaleForm(forms.Form):
    sold_on = forms.DateField(label=_("date"), widget=DATE_INPUT, initial=_today)
    litres = forms.DecimalField(
        label=_("litres"),
        max_digits=12,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1", "min": "0"}),
    )
    amount_yuan = forms.CharField(
        label=_("amount (yuan)"), widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1200.00"})
    )
    buyer = forms.CharField(label=_("buyer"), max_length=100)

    def clean_amount_yuan(self):
        fen = yuan_to_fen(self.cleaned_data["amount_yuan"])
        if fen <= 0:
            raise ValidationError(_("The amount must be more than ¥0.00."))
        return fen


class CultivarForm(forms.ModelForm):
    class Meta:
        model = Cultivar
        fields = ["name", "introduced_year", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["kind", "certificate_number", "scope", "issuer", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}

    def __init__(self, *args, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end of validity cannot be before its start."))
        number = cleaned.get("certificate_number")
        if number and Certification.objects.filter(association=self.association, certificate_number=number).exists():
            self.add_error("certificate_number", _("A certificate with this number is already recorded."))
        return cleaned


class ImportForm(forms.Form):
    class Kind:
        HARVESTS = "harvests"
        ATTENDANCE = "attendance"

    kind = forms.ChoiceField(
        label=_("sheet"),
        choices=[(Kind.HARVESTS, _("Harvests")), (Kind.ATTENDANCE, _("Training attendance"))],
        widget=forms.RadioSelect,
    )
    file = SpreadsheetField(label=_("file (.xlsx or .csv)"))
