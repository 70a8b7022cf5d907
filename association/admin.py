from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from association.models import (
    Attendance,
    Certification,
    ColdStore,
    Cultivar,
    Grower,
    Harvest,
    ProcessingBatch,
    ProductSale,
    StorageLot,
    StorageMovement,
    TrainingSession,
)


@admin.register(Cultivar)
class CultivarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "introduced_year"]
    search_fields = ["name"]


@admin.register(Grower)
class GrowerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "village", "orchard_area_mu", "joined_on", "member"]
    list_filter = ["association", "village"]
    search_fields = ["code", "name"]
    raw_id_fields = ["member"]
    filter_horizontal = ["cultivars"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ["grower"]
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "held_on", "topic", "trainer", "place"]
    list_filter = ["association", "topic"]
    date_hierarchy = "held_on"
    search_fields = ["code", "title", "trainer"]
    inlines = [AttendanceInline]


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ["certificate_number", "kind", "issuer", "valid_from", "valid_to"]
    list_filter = ["association", "kind"]


@admin.register(Harvest)
class HarvestAdmin(SimpleHistoryAdmin):
    list_display = ["grower", "season", "cultivar", "premium_kg", "standard_kg", "substandard_kg"]
    list_filter = ["season", "cultivar"]
    raw_id_fields = ["grower"]


# Stock is changed only by the booking services (they lock the store): the admin shows it, read-only.
class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ColdStore)
class ColdStoreAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "capacity_kg", "stock_kg", "fee_fen_per_tonne_day"]
    readonly_fields = ["stock_kg"]


@admin.register(StorageLot)
class StorageLotAdmin(ReadOnlyAdmin):
    list_display = ["code", "store", "grower", "cultivar", "grade", "quantity_kg", "remaining_kg", "stored_on"]
    list_filter = ["store", "grade"]
    search_fields = ["code"]


@admin.register(StorageMovement)
class StorageMovementAdmin(ReadOnlyAdmin):
    list_display = ["lot", "kind", "quantity_kg", "moved_on", "buyer", "batch"]
    list_filter = ["kind"]


@admin.register(ProcessingBatch)
class ProcessingBatchAdmin(ReadOnlyAdmin):
    list_display = ["code", "product", "processed_on", "input_kg", "output_litres"]
    list_filter = ["product"]


@admin.register(ProductSale)
class ProductSaleAdmin(ReadOnlyAdmin):
    list_display = ["code", "product", "sold_on", "litres", "amount_fen", "buyer"]
    list_filter = ["product"]
