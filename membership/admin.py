"""Admin for support staff: read the rounds and their audit trail; changes go through membership.services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from membership.models import Criterion, Entry, Objection, Posting, Restoration, Round


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "rule", "outcome"]
    readonly_fields = fields
    can_delete = False


@admin.register(Round)
class RoundAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "association", "base_date", "stage", "completed_on"]
    list_filter = ["association", "stage"]
    inlines = [CriterionInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["member", "household", "round", "proposed_status", "proposed_rule", "override_status"]
    list_filter = ["round", "proposed_status", "override_status"]
    search_fields = ["member__name", "household__code"]
    raw_id_fields = ["member", "household", "round", "overridden_by"]


@admin.register(Posting)
class PostingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["round", "number", "published_on", "closes_on", "closed_on"]
    exclude = ["snapshot"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["posting", "household", "on_paper", "lodged_at", "outcome", "answered_at"]
    raw_id_fields = ["posting", "household", "entry", "lodged_by", "answered_by"]


@admin.register(Restoration)
class RestorationAdmin(admin.ModelAdmin):
    list_display = ["member", "ceased_on", "cease_reason", "restored_by", "restored_at"]
    raw_id_fields = ["member", "objection", "restored_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
