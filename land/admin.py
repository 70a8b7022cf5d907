"""Admin for support staff. Contract terms change only through the services (draft, sign, terminate)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from land.models import (
    ContractParcel,
    LabourRecord,
    LandTransferContract,
    Parcel,
    RentAllocation,
    RentInstallment,
    RentPayment,
)


@admin.register(Parcel)
class ParcelAdmin(SimpleHistoryAdmin):
    list_display = ["code", "association", "village_group", "area_mu", "land_class", "contract_household"]
    list_filter = ["association", "land_class"]
    search_fields = ["code", "contract_household__code"]
    raw_id_fields = ["contract_household"]


class ContractParcelInline(admin.TabularInline):
    model = ContractParcel
    extra = 0
    fields = ["parcel", "area_mu", "start_date", "end_date", "binding"]
    readonly_fields = ["parcel", "area_mu", "start_date", "end_date", "binding"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RentInstallmentInline(admin.TabularInline):
    model = RentInstallment
    extra = 0
    fields = ["year", "due_date", "amount_fen", "overdue"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LandTransferContract)
class LandTransferContractAdmin(SimpleHistoryAdmin):
    list_display = ["number", "household", "transferee", "status", "start_date", "end_date", "rent_per_mu_fen"]
    list_filter = ["status", "transfer_mode", "household__association", "expiring_soon"]
    search_fields = ["number", "household__code"]
    raw_id_fields = ["household", "renewed_from"]
    inlines = [ContractParcelInline, RentInstallmentInline]

    def get_readonly_fields(self, request, obj=None):
        # The terms and lifecycle belong to the services; here only notes may be corrected.
        if obj is None:
            return []
        return [field.name for field in obj._meta.fields if field.name not in ("note",)]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RentAllocationInline(admin.TabularInline):
    model = RentAllocation
    extra = 0
    readonly_fields = ["installment", "amount_fen"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RentPayment)
class RentPaymentAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "paid_on", "amount_fen", "reference"]
    search_fields = ["contract__number", "reference"]
    readonly_fields = ["contract", "paid_on", "amount_fen", "recorded_by"]
    inlines = [RentAllocationInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(LabourRecord)
class LabourRecordAdmin(SimpleHistoryAdmin):
    list_display = ["work_date", "member", "household", "days", "day_wage_fen", "task", "employer"]
    list_filter = ["employer", "household__association"]
    search_fields = ["household__code", "member__name", "task"]
    raw_id_fields = ["member", "household"]
