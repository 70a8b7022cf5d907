from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collective.models import (
    EquityEvent,
    Household,
    Member,
    MemberMove,
    Organisation,
    PiiReveal,
    ShareEvent,
    ShareEventLine,
    ShareType,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "organisation", "household", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Gantian"), {"fields": ["role", "organisation", "household", "phone", "must_change_password"]}),
    ]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "township"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class ReadOnlyAdminMixin:
    """Records that are appended by services and never changed by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["name", "relation", "sex", "birth_date", "masked_id_number", "ceased_on", "cease_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "association", "village_group", "head", "dissolved_on"]
    list_filter = ["association", "dissolved_on"]
    search_fields = ["code", "members__name"]
    list_select_related = ["association", "head"]
    raw_id_fields = ["head"]
    readonly_fields = ["masked_bank_account"]
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    """Members are kept through the registry pages, which check ID numbers; the admin shows them masked."""

    list_display = ["name", "household", "relation", "masked_id_number", "ceased_on"]
    list_filter = ["association", "relation", "cease_reason"]
    search_fields = ["name", "household__code", "id_number_last4"]
    list_select_related = ["household"]
    raw_id_fields = ["household"]
    readonly_fields = ["masked_id_number"]


@admin.register(MemberMove)
class MemberMoveAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["member", "from_household", "to_household", "moved_on", "recorded_by"]
    list_select_related = ["member", "from_household", "to_household", "recorded_by"]


@admin.register(ShareType)
class ShareTypeAdmin(SimpleHistoryAdmin):
    list_display = ["association", "code", "name", "weight", "is_collective"]
    list_filter = ["association", "is_collective"]


class ShareEventLineInline(admin.TabularInline):
    model = ShareEventLine
    fields = ["household", "share_type", "quantity_delta"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ShareEvent)
class ShareEventAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """The ledger is append-only: events are recorded by the registry services, never edited here."""

    list_display = ["pk", "association", "kind", "effective_date", "note", "recorded_by", "created_at"]
    list_filter = ["association", "kind"]
    list_select_related = ["association", "recorded_by"]
    date_hierarchy = "effective_date"
    inlines = [ShareEventLineInline]


@admin.register(PiiReveal)
class PiiRevealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "field", "household", "member"]
    list_filter = ["field"]
    list_select_related = ["user", "household", "member"]


@admin.register(EquityEvent)
class EquityEventAdmin(SimpleHistoryAdmin):
    list_display = ["company", "holder", "effective_date", "shares_delta", "reason"]
    list_filter = ["company", "reason"]
