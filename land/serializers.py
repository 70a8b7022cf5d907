"""The API's shapes for parcels, land-transfer contracts, rent and labour. Money in yuan and fen; areas in mu."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collective.serializers import YUAN_PATTERN, MuField, QuantityField, YuanField
from land.models import (
    ContractParcel,
    LabourRecord,
    LandTransferContract,
    Parcel,
    RentAllocation,
    RentInstallment,
    RentPayment,
)
from land.services import wage_fen


class ParcelSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True)
    contract_household_code = serializers.CharField(source="contract_household.code", allow_null=True, read_only=True)
    area_mu = MuField()
    area_under_contract_mu = MuField(help_text=_("Area under a binding transfer contract today."))

    class Meta:
        model = Parcel
        fields = [
            "id",
            "code",
            "association",
            "association_code",
            "village_group",
            "area_mu",
            "area_under_contract_mu",
            "land_class",
            "contract_household",
            "contract_household_code",
            "contract_right_end",
            "is_synthetic",
        ]


class ContractParcelSerializer(serializers.ModelSerializer):
    parcel_code = serializers.CharField(source="parcel.code", read_only=True)
    area_mu = MuField()

    class Meta:
        model = ContractParcel
        fields = ["parcel", "parcel_code", "area_mu"]


class ContractSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    association = serializers.IntegerField(source="household.association_id", read_only=True)
    association_code = serializers.CharField(source="household.association.code", read_only=True)
    transferee_code = serializers.CharField(source="transferee.code", read_only=True)
    last_day_in_force = serializers.DateField(read_only=True)
    rent_per_mu = YuanField(source="rent_per_mu_fen", help_text=_("Guaranteed rent per mu per year before escalation."))
    escalation_percent = QuantityField(allow_null=True)
    profit_share_weight = QuantityField()
    area_mu = MuField(help_text=_("Total area of the contract's parcels."))
    lines = ContractParcelSerializer(many=True, read_only=True)

    class Meta:
        model = LandTransferContract
        fields = [
            "id",
            "number",
            "household",
            "household_code",
            "association",
            "association_code",
            "transferee",
            "transferee_code",
            "transfer_mode",
            "status",
            "signed_on",
            "start_date",
            "end_date",
            "terminated_on",
            "last_day_in_force",
            "rent_per_mu",
            "rent_per_mu_fen",
            "escalation_percent",
            "escalation_every_years",
            "profit_share",
            "profit_share_weight",
            "payment_due_month",
            "payment_due_day",
            "renewed_from",
            "area_mu",
            "lines",
            "is_synthetic",
        ]


class RentInstallmentSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    household = serializers.IntegerField(source="contract.household_id", read_only=True)
    household_code = serializers.CharField(source="contract.household.code", read_only=True)
    association_code = serializers.CharField(source="contract.household.association.code", read_only=True)
    amount = YuanField(source="amount_fen")
    paid = YuanField(source="paid_total_fen")
    paid_fen = serializers.IntegerField(source="paid_total_fen", read_only=True)
    outstanding = YuanField(source="outstanding_fen")
    outstanding_fen = serializers.IntegerField(read_only=True)

    class Meta:
        model = RentInstallment
        fields = [
            "id",
            "contract",
            "contract_number",
            "household",
            "household_code",
            "association_code",
            "year",
            "due_date",
            "amount",
            "amount_fen",
            "paid",
            "paid_fen",
            "outstanding",
            "outstanding_fen",
            "overdue",
        ]


class RentAllocationSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="installment.year", read_only=True)
    amount = YuanField(source="amount_fen")

    class Meta:
        model = RentAllocation
        fields = ["installment", "year", "amount", "amount_fen"]


class RentPaymentSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    household = serializers.IntegerField(source="contract.household_id", read_only=True)
    household_code = serializers.CharField(source="contract.household.code", read_only=True)
    association_code = serializers.CharField(source="contract.household.association.code", read_only=True)
    amount = YuanField(source="amount_fen")
    allocations = RentAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = RentPayment
        fields = [
            "id",
            "contract",
            "contract_number",
            "household",
            "household_code",
            "association_code",
            "paid_on",
            "amount",
            "amount_fen",
            "reference",
            "allocations",
        ]


class LabourRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    household_code = serializers.CharField(source="household.code", read_only=True)
    association = serializers.IntegerField(source="household.association_id", read_only=True)
    association_code = serializers.CharField(source="household.association.code", read_only=True)
    employer_code = serializers.CharField(source="employer.code", read_only=True)
    days = QuantityField(decimal_places=2)
    day_wage = YuanField(source="day_wage_fen")
    wage = serializers.SerializerMethodField(help_text=_("round_half_up(days * day wage), as a run pays it."))
    wage_fen = serializers.SerializerMethodField()

    class Meta:
        model = LabourRecord
        fields = [
            "id",
            "member",
            "member_name",
            "household",
            "household_code",
            "association",
            "association_code",
            "employer",
            "employer_code",
            "work_date",
            "days",
            "day_wage",
            "day_wage_fen",
            "wage",
            "wage_fen",
            "task",
        ]

    @extend_schema_field({"type": "string", "pattern": YUAN_PATTERN, "example": "1440.00"})
    def get_wage(self, record: LabourRecord) -> str:
        return YuanField().to_representation(self.get_wage_fen(record))

    @extend_schema_field(OpenApiTypes.INT)
    def get_wage_fen(self, record: LabourRecord) -> int:
        return wage_fen(days=record.days, day_wage_fen=record.day_wage_fen)
