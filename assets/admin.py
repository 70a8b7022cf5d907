"""Admin for support staff. Contracts, deposits and boundaries change through the services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assets.models import (
    Asset,
    AssetPhoto,
    Contract,
    ContractInstallment,
    ContractReceipt,
    DepositMovement,
    InventoryCheck,
    InventoryFinding,
    ParcelBoundary,
    Resource,
)


class AssetPhotoInline(admin.TabularInline):
    model = AssetPhoto
    extra = 0


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "owner", "category", "status", "cost_fen", "in_service_on"]
    list_filter = ["owner", "category", "status"]
    search_fields = ["code", "name", "location"]
    inlines = [AssetPhotoInline]


@admin.register(Resource)
class ResourceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "owner", "kind", "area_mu", "status"]
    list_filter = ["owner", "kind", "status"]
    search_fields = ["code", "name"]


class InstallmentInline(admin.TabularInline):
    model = ContractInstallment
    extra = 0
    fields = ["due_date", "amount_fen", "description", "overdue"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DepositInline(admin.TabularInline):
    model = DepositMovement
    extra = 0
    fields = ["kind", "movement", "amount_fen", "on", "reference"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "owner", "counterparty", "status", "start_date", "end_date"]
    list_filter = ["status", "kind", "owner", "expiring_soon"]
    search_fields = ["number", "title", "counterparty"]
    inlines = [InstallmentInline, DepositInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in obj._meta.fields if f.name not in ("note", "counterparty_contact")]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ContractReceipt)
class ContractReceiptAdmin(SimpleHistoryAdmin):
    list_display = ["installment", "received_on", "amount_fen", "reference"]
    readonly_fields = ["installment", "received_on", "amount_fen"]


class FindingInline(admin.TabularInline):
    model = InventoryFinding
    extra = 0
    readonly_fields = ["code", "asset", "recorded_at", "recorded_by"]


@admin.register(InventoryCheck)
class InventoryCheckAdmin(admin.ModelAdmin):
    list_display = ["owner", "started_on", "closed_at"]
    inlines = [FindingInline]


@admin.register(ParcelBoundary)
class ParcelBoundaryAdmin(SimpleHistoryAdmin):
    list_display = ["parcel", "area_m2", "source", "updated_at"]
    search_fields = ["parcel__code"]
    readonly_fields = ["parcel", "geometry", "area_m2", "source"]

    def has_add_permission(self, request) -> bool:
        return False
