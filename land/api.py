"""Read-only API of the land records: parcels, transfer contracts with area totals, rent, labour."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from collective.api import (
    FEN_SCHEMA,
    MU_SCHEMA,
    YUAN_SCHEMA,
    ScopedReadOnlyViewSet,
    mu_string,
    pagination_with_totals,
    subquery_total,
)
from collective.money import fen_to_yuan_string
from land import filters
from land.models import (
    ContractParcel,
    LabourRecord,
    LandTransferContract,
    Parcel,
    RentAllocation,
    RentInstallment,
    RentPayment,
)
from land.serializers import (
    ContractSerializer,
    LabourRecordSerializer,
    ParcelSerializer,
    RentInstallmentSerializer,
    RentPaymentSerializer,
)

AREA = DecimalField(max_digits=20, decimal_places=4)


def money_totals(fen: int | None, name: str) -> dict:
    fen = int(fen or 0)
    return {name: fen_to_yuan_string(fen), f"{name}_fen": fen}


@extend_schema_view(
    list=extend_schema(summary=_("Parcels with their area and the area under contract today")),
    retrieve=extend_schema(summary=_("One parcel")),
)
class ParcelViewSet(ScopedReadOnlyViewSet):
    queryset = Parcel.objects.all()
    serializer_class = ParcelSerializer
    filterset_class = filters.ParcelFilter
    pagination_class = pagination_with_totals(
        area_mu=MU_SCHEMA, area_under_contract_mu=MU_SCHEMA, parcels={"type": "integer"}
    )
    ordering = ("code",)

    def scoped_queryset(self):
        today = timezone.localdate()
        under_contract = ContractParcel.objects.filter(
            parcel=OuterRef("pk"), binding=True, start_date__lte=today, end_date__gte=today
        )
        return (
            super()
            .scoped_queryset()
            .select_related("association", "contract_household")
            .annotate(area_under_contract_mu=subquery_total(under_contract, "parcel", Sum("area_mu"), AREA))
        )

    def get_totals(self, queryset) -> dict:
        totals = queryset.order_by().aggregate(
            area=Sum("area_mu"), under=Sum("area_under_contract_mu"), parcels=Count("pk")
        )
        return {
            "area_mu": mu_string(totals["area"]),
            "area_under_contract_mu": mu_string(totals["under"]),
            "parcels": totals["parcels"],
        }


@extend_schema_view(
    list=extend_schema(summary=_("Land-transfer contracts with their parcels and area totals")),
    retrieve=extend_schema(summary=_("One land-transfer contract")),
)
class ContractViewSet(ScopedReadOnlyViewSet):
    queryset = LandTransferContract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = filters.ContractFilter
    pagination_class = pagination_with_totals(area_mu=MU_SCHEMA, contracts={"type": "integer"})
    ordering = ("number",)

    def scoped_queryset(self):
        lines = ContractParcel.objects.filter(contract=OuterRef("pk"))
        return (
            super()
            .scoped_queryset()
            .select_related("household__association", "transferee")
            .prefetch_related(
                Prefetch("lines", queryset=ContractParcel.objects.select_related("parcel").order_by("parcel__code"))
            )
            .annotate(area_mu=subquery_total(lines, "contract", Sum("area_mu"), AREA))
        )

    def get_totals(self, queryset) -> dict:
        totals = queryset.order_by().aggregate(area=Sum("area_mu"), contracts=Count("pk"))
        return {"area_mu": mu_string(totals["area"]), "contracts": totals["contracts"]}


@extend_schema_view(
    list=extend_schema(summary=_("Rent schedules: each contract's rent due per year, paid and outstanding")),
    retrieve=extend_schema(summary=_("One year of a contract's rent schedule")),
)
class RentInstallmentViewSet(ScopedReadOnlyViewSet):
    queryset = RentInstallment.objects.all()
    serializer_class = RentInstallmentSerializer
    filterset_class = filters.RentInstallmentFilter
    pagination_class = pagination_with_totals(
        amount=YUAN_SCHEMA, amount_fen=FEN_SCHEMA, paid=YUAN_SCHEMA, paid_fen=FEN_SCHEMA
    )
    ordering = ("contract__number", "year")

    def scoped_queryset(self):
        allocations = RentAllocation.objects.filter(installment=OuterRef("pk"))
        paid = subquery_total(allocations, "installment", Sum("amount_fen"), IntegerField())
        return (
            super()
            .scoped_queryset()
            .select_related("contract__household__association")
            .annotate(paid_total_fen=paid)
            .annotate(outstanding_fen=F("amount_fen") - F("paid_total_fen"))
        )

    def get_totals(self, queryset) -> dict:
        totals = queryset.order_by().aggregate(amount=Sum("amount_fen"), paid=Sum("paid_total_fen"))
        return {**money_totals(totals["amount"], "amount"), **money_totals(totals["paid"], "paid")}


@extend_schema_view(
    list=extend_schema(summary=_("Rent payments to households, with the years each covers")),
    retrieve=extend_schema(summary=_("One rent payment")),
)
class RentPaymentViewSet(ScopedReadOnlyViewSet):
    queryset = RentPayment.objects.all()
    serializer_class = RentPaymentSerializer
    filterset_class = filters.RentPaymentFilter
    pagination_class = pagination_with_totals(amount=YUAN_SCHEMA, amount_fen=FEN_SCHEMA)
    ordering = ("paid_on", "pk")

    def scoped_queryset(self):
        return (
            super()
            .scoped_queryset()
            .select_related("contract__household__association")
            .prefetch_related(
                Prefetch(
                    "allocations",
                    queryset=RentAllocation.objects.select_related("installment").order_by("installment__year", "pk"),
                )
            )
        )

    def get_totals(self, queryset) -> dict:
        return money_totals(queryset.order_by().aggregate(amount=Sum("amount_fen"))["amount"], "amount")


@extend_schema_view(
    list=extend_schema(summary=_("Labour records of the land remediation work, with their wages")),
    retrieve=extend_schema(summary=_("One labour record")),
)
class LabourRecordViewSet(ScopedReadOnlyViewSet):
    queryset = LabourRecord.objects.all()
    serializer_class = LabourRecordSerializer
    filterset_class = filters.LabourRecordFilter
    pagination_class = pagination_with_totals(days={"type": "string", "format": "decimal"})
    ordering = ("work_date", "pk")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("member", "household__association", "employer")

    def get_totals(self, queryset) -> dict:
        days = queryset.order_by().aggregate(days=Sum("days"))["days"] or Decimal(0)
        return {"days": str(days.quantize(Decimal("0.01")))}
