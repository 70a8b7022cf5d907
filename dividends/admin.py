from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Objection, Payout, Pool
from dividends.services.ledger import is_year_locked


@admin.register(LedgerEntry)
class LedgerEntryAdmin(SimpleHistoryAdmin):
    list_display = ["entry_date", "organisation", "direction", "category", "rental_source", "amount_fen"]
    list_filter = ["organisation", "direction", "category"]
    search_fields = ["counterparty", "source_reference", "note"]
    date_hierarchy = "entry_date"
    readonly_fields = ["recorded_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        # Entries of a year whose distribution is approved are locked, here as everywhere.
        if obj is not None and is_year_locked(organisation=obj.organisation, year=obj.year):
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission


@admin.register(DistributionPolicy)
class DistributionPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "organisation",
        "year",
        "version",
        "land_share_rate",
        "reserve_rate",
        "welfare_rate",
        "payout_rate",
        "retention_rate",
        "record_date",
    ]
    list_filter = ["organisation", "year"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)


class PoolInline(admin.TabularInline):
    model = Pool
    fields = ["kind", "association", "amount_fen", "total_weight", "lines_count"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DistributionRun)
class DistributionRunAdmin(SimpleHistoryAdmin):
    """Runs change only through their lifecycle (the pages and services): read-only here."""

    list_display = ["pk", "company", "year", "kind", "status", "chunks_done", "chunks_total", "computed_at"]
    list_filter = ["company", "year", "status", "kind"]
    inlines = [PoolInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "household",
        "association",
        "rent_fen",
        "land_dividend_fen",
        "share_dividend_fen",
        "wage_fen",
        "total_fen",
        "status",
    ]
    list_filter = ["run", "association", "status"]
    search_fields = ["household__code"]
    list_select_related = ["household", "association"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Objection)
class ObjectionAdmin(SimpleHistoryAdmin):
    list_display = ["run", "household", "status", "created_at", "answered_at"]
    list_filter = ["status", "run"]
    readonly_fields = ["run", "household", "payout", "amount_fen", "raised_by", "text", "created_at"]
