from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collective.identifiers import normalise_identifier
from collective.models import ApiKey, Household, Member, Organisation, ShareType
from collective.money import format_yuan, yuan_to_fen
from collective.resident_id import validate_id_number
from collective.services import id_number_in_use, member_elsewhere, member_elsewhere_message
from collective.spreadsheets import SpreadsheetField

# Django 6.1's empty choice of a select (django.db.models.fields.BLANK_CHOICE_LABEL) has no Chinese
# in Django's own catalogue: naming it here puts it in ours, so no dropdown shows English.
BLANK_CHOICE_LABEL = _("- Select an option -")


class LoginForm(AuthenticationForm):
    """The login form; farmers log in with their phone number as user name."""

    error_messages = {
        "invalid_login": _("The user name or phone number and password do not match. Both are case-sensitive."),
        "inactive": _("This account is inactive. Ask your village official."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name or phone number")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text"})


# --- Registry forms ---------------------------------------------------------------------------------


class YuanField(forms.CharField):
    """An amount in yuan typed by people, cleaned to whole fen by collective.money.yuan_to_fen.

    A text input, not a number input: "1,000.00" and the full-width digits of a Chinese keyboard are
    amounts people type, and every form and import answers them alike. min_value is in yuan.
    """

    def __init__(self, *, min_value: Decimal | None = Decimal(0), **kwargs) -> None:
        self.min_value = min_value
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": "40"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        return yuan_to_fen(text, allow_negative=self.min_value is None or self.min_value < 0)

    def validate(self, value) -> None:
        super().validate(value)
        if value is None or self.min_value is None:
            return
        least = yuan_to_fen(self.min_value, allow_negative=True)
        if value < least:
            raise ValidationError(
                _("The amount must be at least %(min)s."), code="min_value", params={"min": format_yuan(least)}
            )

    def prepare_value(self, value):
        # A bound form shows back what was typed; an initial amount comes as a yuan string already.
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, *, required: bool = True, initial_today: bool = False, **kwargs) -> forms.DateField:
    field = forms.DateField(label=label, required=required, widget=DateInput, **kwargs)
    if initial_today:
        field.initial = timezone.localdate
    return field


def shares_field(label, *, required: bool = True, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=4, min_value=Decimal(0), **kwargs
    )


class HouseholdCodeField(forms.CharField):
    """A household of one association, entered by its code (a select of thousands of households is no use)."""

    def __init__(self, *, queryset=None, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        household = self.queryset.filter(code=code.strip()).first()
        if household is None:
            raise ValidationError(
                _("There is no household %(code)s in this association."), code="unknown", params={"code": code}
            )
        return household


class HouseholdFilterForm(forms.Form):
    """Search and filters of the households list."""

    STATUS_CHOICES = [("", _("All")), ("active", _("Active")), ("dissolved", _("Dissolved"))]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, household code or the last four characters of an ID number")}
        ),
    )
    association = forms.ModelChoiceField(
        label=_("Association"), queryset=Organisation.objects.none(), required=False, empty_label=_("All")
    )
    group = forms.ChoiceField(label=_("Village group"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, associations, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = associations
        if associations.count() <= 1:
            del self.fields["association"]
        self.fields["group"].choices = [("", _("All")), *((group, group) for group in groups)]


class FindByIdForm(forms.Form):
    id_number = forms.CharField(label=_("Whole ID number"), max_length=18)


class AsOfForm(forms.Form):
    as_of = date_field(_("As of"), required=False)
    association = forms.ModelChoiceField(label=_("Association"), queryset=Organisation.objects.none(), required=False)

    def __init__(self, *args, associations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if associations is None or associations.count() <= 1:
            del self.fields["association"]
        else:
            self.fields["association"].queryset = associations
            self.fields["association"].required = True
            self.fields["association"].empty_label = None

    def clean_as_of(self) -> date:
        as_of = self.cleaned_data.get("as_of") or timezone.localdate()
        return as_of


class HouseholdForm(forms.Form):
    """A household's particulars, for creating one or changing it."""

    code = forms.CharField(label=_("Household code"), max_length=32)
    village_group = forms.CharField(label=_("Village group"), max_length=64, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    established_on = date_field(_("Established on"), required=False)
    head = forms.ModelChoiceField(label=_("Head of household"), queryset=Member.objects.none(), required=False)
    certificate_number = forms.CharField(label=_("Share certificate number"), max_length=40, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("Bank account number"), max_length=40, required=False)

    def __init__(self, *args, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.warnings: list[str] = []
        if household is None:
            del self.fields["head"]
        else:
            del self.fields["code"]
            self.fields["head"].queryset = household.members.filter(ceased_on__isnull=True)
            if household.masked_bank_account:
                self.fields["bank_account"].help_text = _(
                    "Stored: %(masked)s. Leave empty to keep it; enter a new number to replace it."
                ) % {"masked": household.masked_bank_account}

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if Household.objects.filter(code=code).exists():
            raise ValidationError(_("The household code %(code)s is already in use."), params={"code": code})
        return code

    def clean_bank_account(self) -> str:
        normalised = normalise_identifier(self.cleaned_data["bank_account"])
        account = normalised.value
        if account and not (account.isascii() and account.isdigit()):
            raise ValidationError(_("A bank account number is digits only."))
        if account and normalised.changes:
            self.warnings.append(normalised.message(str(_("The bank account number"))))
        return account


class MemberForm(forms.Form):
    """A member's particulars; on a change the ID number may be left empty to keep the stored one."""

    name = forms.CharField(label=_("Name"), max_length=64)
    sex = forms.ChoiceField(label=_("Sex"), choices=Member.Sex.choices)
    birth_date = date_field(_("Birth date"))
    # Longer than 18: a number typed with spaces is normalised, then checked (collective.identifiers).
    id_number = forms.CharField(label=_("ID number"), max_length=40, min_length=1, strip=True)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Member.Relation.choices)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{3,20}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number of digits only.")},
    )
    joined_on = date_field(_("Member since"), required=False)

    def __init__(self, *args, association: Organisation, member: Member | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association
        self.member = member
        self.warnings: list[str] = []
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if member is not None:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; enter the whole number to replace it."
            ) % {"masked": member.masked_id_number or "-"}

    def clean(self):
        cleaned = super().clean()
        id_number = cleaned.get("id_number")
        birth_date = cleaned.get("birth_date")
        if not id_number or "birth_date" in self.errors:
            cleaned["id_number"] = id_number or None
            return cleaned
        try:
            check = validate_id_number(id_number, birth_date=birth_date)
        except ValidationError as error:
            self.add_error("id_number", error)
            return cleaned
        if id_number_in_use(
            association=self.association,
            id_number=id_number,
            exclude_member_id=self.member.pk if self.member else None,
        ):
            self.add_error("id_number", _("Another member of this association has this ID number."))
        else:
            other = member_elsewhere(association=self.association, id_number=check.number)
            if other is not None and (self.member is None or other.pk != self.member.pk):
                self.add_error("id_number", member_elsewhere_message(other))
        if cleaned.get("sex") and cleaned["sex"] != check.sex:
            self.add_error("sex", _("The sex does not match the ID number (its 17th digit)."))
        self.warnings = check.warnings
        cleaned["id_number"] = check.number
        return cleaned


class CeaseMembershipForm(forms.Form):
    ceased_on = date_field(_("Membership ceased on"), initial_today=True)
    reason = forms.ChoiceField(label=_("Reason"), choices=Member.CeaseReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MoveMemberForm(forms.Form):
    to_household = HouseholdCodeField(label=_("To household (code)"))
    moved_on = date_field(_("Moved on"), initial_today=True)
    relation = forms.ChoiceField(label=_("Relation to the head of the new household"), choices=Member.Relation.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_household"].queryset = Household.objects.filter(association=association)


class ShareTypeForm(forms.ModelForm):
    class Meta:
        model = ShareType
        fields = ["code", "name", "weight", "is_collective", "description"]

    def __init__(self, *args, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association
        if self.instance.pk and self.instance.lines.exists():
            # Held shares cannot change between household and association holding.
            self.fields["is_collective"].disabled = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        clash = ShareType.objects.filter(association=self.association, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("This association has a share type with this code already."))
        return code


class EventForm(forms.Form):
    """What every share event form asks: the date and the reason."""

    effective_date = date_field(_("Effective date"), initial_today=True)
    note = forms.CharField(label=_("Reason or reference"), max_length=300, required=False)

    def __init__(self, *args, household: Household | None, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.association = association
        self.share_types = list(ShareType.objects.filter(association=association))
        # Fields come out in the order declared by subclasses, with the date and reason last.
        self.order_fields([name for name in self.fields if name not in ("effective_date", "note")])

    def share_type_field(self, *, collective: bool) -> forms.ModelChoiceField:
        return forms.ModelChoiceField(
            label=_("Share type"),
            queryset=ShareType.objects.filter(association=self.association, is_collective=collective),
        )

    def add_quantity_fields(self, prefix: str, label_format, *, initial: dict | None = None) -> None:
        for share_type in self.share_types:
            if share_type.is_collective:
                continue
            self.fields[f"{prefix}_{share_type.pk}"] = shares_field(
                label_format % {"name": share_type.name},
                required=False,
                initial=(initial or {}).get(share_type.pk, Decimal(0)),
            )

    def quantities(self, prefix: str) -> dict[ShareType, Decimal]:
        return {
            share_type: self.cleaned_data.get(f"{prefix}_{share_type.pk}") or Decimal(0)
            for share_type in self.share_types
            if not share_type.is_collective
        }


class IssueForm(EventForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_type"] = self.share_type_field(collective=self.household is None)
        self.fields["quantity"] = shares_field(_("Number of shares"))
        self.order_fields(["share_type", "quantity", "effective_date", "note"])


class CancellationForm(IssueForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True


class TransferForm(EventForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_household"] = HouseholdCodeField(
            label=_("To household (code)"), queryset=Household.objects.filter(association=self.association)
        )
        self.fields["share_type"] = self.share_type_field(collective=False)
        self.fields["quantity"] = shares_field(_("Number of shares"))
        self.order_fields(["to_household", "share_type", "quantity", "effective_date", "note"])


class InheritanceForm(EventForm):
    def __init__(self, *args, holdings: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deceased"] = forms.ModelChoiceField(
            label=_("Member who died"),
            queryset=self.household.members.filter(cease_reason=Member.CeaseReason.DEATH),
            help_text=_("Record the death on the member first."),
        )
        self.fields["heir"] = HouseholdCodeField(
            label=_("Heir household (code)"), queryset=Household.objects.filter(association=self.association)
        )
        self.add_quantity_fields("inherit", _("%(name)s inherited"), initial=holdings)
        self.order_fields(["deceased", "heir"])


class SplitForm(EventForm):
    def __init__(self, *args, holdings: dict[int, Decimal], next_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        in_membership = self.household.members.filter(ceased_on__isnull=True).exclude(pk=self.household.head_id)
        self.fields["new_code"] = forms.CharField(
            label=_("Code of the new household"), max_length=32, initial=next_code
        )
        self.fields["new_head"] = forms.ModelChoiceField(label=_("Head of the new household"), queryset=in_membership)
        self.fields["members"] = forms.ModelMultipleChoiceField(
            label=_("Other members moving to the new household"),
            queryset=in_membership,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["village_group"] = forms.CharField(
            label=_("Village group of the new household"),
            max_length=64,
            required=False,
            initial=self.household.village_group,
        )
        self.add_quantity_fields("kept", _("%(name)s kept"), initial=holdings)
        self.add_quantity_fields("moved", _("%(name)s to the new household"))
        self.order_fields(["new_code", "new_head", "members", "village_group"])


class MergeForm(EventForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"] = HouseholdCodeField(
            label=_("Merge into household (code)"),
            queryset=Household.objects.filter(association=self.association),
            help_text=_("All members in membership and all shares of this household move there; it is dissolved."),
        )
        self.order_fields(["into"])


class QuantificationForm(forms.Form):
    base_date = date_field(_("Base date (基准日)"))
    population_type = forms.ModelChoiceField(label=_("Population share type"), queryset=None, required=False)
    population_per_member = shares_field(_("Population shares per member"), initial=Decimal(1))
    labour_type = forms.ModelChoiceField(label=_("Labour-age share type"), queryset=None, required=False)
    labour_from_age = forms.IntegerField(label=_("Working age from"), min_value=0, max_value=120, initial=16)
    labour_to_age = forms.IntegerField(label=_("Working age to"), min_value=1, max_value=120, initial=60)
    labour_per_year = shares_field(_("Labour-age shares per year of work"), initial=Decimal(1))
    collective_type = forms.ModelChoiceField(label=_("Collective share type"), queryset=None, required=False)
    collective_quantity = shares_field(_("Collective shares held by the association"), initial=Decimal(0))
    digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, association: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        types = ShareType.objects.filter(association=association)
        self.fields["population_type"].queryset = types.filter(is_collective=False)
        self.fields["labour_type"].queryset = types.filter(is_collective=False)
        self.fields["collective_type"].queryset = types.filter(is_collective=True)
        for name, code in (("population_type", "population"), ("labour_type", "labour")):
            self.fields[name].initial = types.filter(code=code).first()
        self.fields["collective_type"].initial = types.filter(is_collective=True).first()


class ImportForm(forms.Form):
    file = SpreadsheetField(label=_("Roster file (.xlsx or .csv)"))
    opening_date = date_field(
        _("Date of the opening holdings"),
        required=False,
        initial_today=True,
        help_text=_("Holdings in the file are issued on this date."),
    )
    check_only = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)


# --- Accounts: API keys and farmer log-ins ---------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses the key, for example the station's reporting system."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Organisation.objects.filter(kind__in=ApiKey.SCOPE_KINDS).order_by("kind", "code"),
        help_text=_("The township reads all nine associations; an association's key reads that association only."),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = dict(Organisation.Kind.choices)
        self.fields["organisation"].label_from_instance = lambda org: f"{org.name} ({kinds[org.kind]}, {org.code})"


class HouseholdChoiceForm(forms.Form):
    household = forms.CharField(label=_("Household code"), max_length=32)


class FarmerAccountForm(forms.Form):
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("(the household)"),
    )
    phone = forms.CharField(
        label=_("Mobile phone number (the user name)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(ceased_on__isnull=True).order_by("pk")
