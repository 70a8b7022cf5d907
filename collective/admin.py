from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from collective.models import EquityEvent, Household, Organisation, User


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


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "association", "village_group"]
    list_filter = ["association"]
    search_fields = ["code"]


@admin.register(EquityEvent)
class EquityEventAdmin(SimpleHistoryAdmin):
    list_display = ["company", "holder", "effective_date", "shares_delta", "reason"]
    list_filter = ["company", "reason"]
