"""The API's shapes for the registry, and the field classes every app's serializers share.

Money is shown twice: as yuan with two decimals (`"amount": "90000.00"`, YuanField) and as whole
fen beside it (`"amount_fen": 9000000`). Areas are mu as decimal strings (MuField). Personal data
is never sent in the clear: ID and bank account numbers only masked.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collective.models import Household, Member, Organisation, ShareEvent, ShareEventLine, ShareType
from collective.money import fen_to_yuan_string, round_half_up

YUAN_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"


@extend_schema_field({"type": "string", "pattern": YUAN_PATTERN, "example": "90000.00"})
class YuanField(serializers.Field):
    """Whole fen as a yuan string with two decimals: 9000000 -> "90000.00". Read-only; pair it with `*_fen`."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return fen_to_yuan_string(int(value))


class MuField(serializers.DecimalField):
    """An area in mu as a decimal string with four decimals, e.g. "12.5000"."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 4)
        kwargs["read_only"] = True
        super().__init__(**kwargs)


class QuantityField(serializers.DecimalField):
    """A share quantity, weight or rate as an exact decimal string."""

    def __init__(self, *, decimal_places: int = 4, **kwargs) -> None:
        kwargs.setdefault("max_digits", 30)
        kwargs["read_only"] = True
        super().__init__(decimal_places=decimal_places, **kwargs)


class QuantityUnitsField(QuantityField):
    """An exact integer count of 10^-places (a sum of QuantityUnits) shown as the same decimal string."""

    def to_representation(self, value):
        return super().to_representation(Decimal(value or 0).scaleb(-self.decimal_places))


def percent_string(part: Fraction, places: int = 4) -> str:
    """An exact fraction as a percentage string rounded half up: 3/5 -> "60.0000"."""
    scale = 10**places
    units = round_half_up(part * 100 * scale)
    return str(Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


# --- Registry ------------------------------------------------------------------------------------


class AssociationSerializer(serializers.ModelSerializer):
    township_code = serializers.CharField(source="township.code", allow_null=True, read_only=True)
    households = serializers.IntegerField(
        source="household_count", read_only=True, help_text=_("Households existing today.")
    )
    members = serializers.IntegerField(
        source="member_count", read_only=True, help_text=_("Members in membership today.")
    )
    shares_total = QuantityUnitsField(help_text=_("All shares held today (households and the collective share)."))
    weighted_shares_total = QuantityUnitsField(decimal_places=8, help_text=_("Σ quantity * share-type weight, today."))
    collective_shares_total = QuantityUnitsField(help_text=_("Shares the association itself holds (集体股) today."))
    company_shares = serializers.IntegerField(read_only=True, help_text=_("Company shares (equity) held today."))

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "township_code",
            "households",
            "members",
            "shares_total",
            "weighted_shares_total",
            "collective_shares_total",
            "company_shares",
            "is_synthetic",
        ]


class HouseholdSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True)
    head_name = serializers.CharField(source="head.name", allow_null=True, read_only=True)
    members = serializers.IntegerField(
        source="member_count", read_only=True, help_text=_("Members in membership today.")
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "association",
            "association_code",
            "village_group",
            "head_name",
            "members",
            "established_on",
            "dissolved_on",
            "certificate_number",
            "bank_name",
            "masked_bank_account",
            "is_synthetic",
        ]


class MemberSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    association_code = serializers.CharField(source="association.code", read_only=True)
    birth_year = serializers.SerializerMethodField()
    in_membership = serializers.BooleanField(source="is_in_membership", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "household",
            "household_code",
            "association",
            "association_code",
            "name",
            "sex",
            "birth_year",
            "relation",
            "masked_id_number",
            "joined_on",
            "ceased_on",
            "cease_reason",
            "in_membership",
            "is_synthetic",
        ]

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_birth_year(self, member: Member) -> int | None:
        return member.birth_date.year if member.birth_date else None


class ShareTypeSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True)
    weight = QuantityField()

    class Meta:
        model = ShareType
        fields = ["id", "association", "association_code", "code", "name", "weight", "is_collective"]


class ShareEventLineSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", allow_null=True, read_only=True)
    share_type_code = serializers.CharField(source="share_type.code", read_only=True)
    quantity_delta = QuantityField()

    class Meta:
        model = ShareEventLine
        fields = ["household", "household_code", "share_type", "share_type_code", "quantity_delta"]


class ShareEventSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True)
    lines = ShareEventLineSerializer(many=True, read_only=True, source="visible_lines")

    class Meta:
        model = ShareEvent
        fields = [
            "id",
            "association",
            "association_code",
            "kind",
            "effective_date",
            "base_date",
            "note",
            "created_at",
            "lines",
        ]


class HoldingSerializer(serializers.Serializer):
    """One holder's shares of one type on a date; household null is the association's own collective holding."""

    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField()
    household = serializers.IntegerField(source="holding.household_id", allow_null=True)
    household_code = serializers.CharField(source="holding.household_code", allow_null=True)
    share_type = serializers.IntegerField(source="holding.share_type_id")
    share_type_code = serializers.CharField(source="holding.share_type_code")
    weight = QuantityField(source="holding.weight")
    quantity = QuantityField(source="holding.quantity")
    weighted = QuantityField(decimal_places=8, help_text=_("quantity * weight"))


class EquitySerializer(serializers.Serializer):
    """One association's holding of a company's shares on a date."""

    company = serializers.IntegerField()
    company_code = serializers.CharField()
    holder = serializers.IntegerField()
    holder_code = serializers.CharField()
    holder_name = serializers.CharField()
    shares = serializers.IntegerField()
    company_shares_total = serializers.IntegerField()
    percent = serializers.CharField(help_text=_("shares / company total * 100, four decimals, rounded half up"))
    as_of = serializers.DateField()
