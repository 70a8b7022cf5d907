"""Filters of the registry's API lists. Choices of related objects are only what the caller may see."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from collective.models import EquityEvent, Household, Member, Organisation, ShareEvent, ShareEventLine, ShareType


def visible_associations(request) -> QuerySet[Organisation]:
    """The associations the caller may choose in a filter (a key for one association: that one)."""
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).collectives()


def visible_organisations(request) -> QuerySet[Organisation]:
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user)


def visible_households(request) -> QuerySet[Household]:
    if request is None:
        return Household.objects.none()
    return Household.objects.visible_to(request.user)


def visible_share_types(request) -> QuerySet[ShareType]:
    if request is None:
        return ShareType.objects.none()
    return ShareType.objects.visible_to(request.user)


def companies(request) -> QuerySet[Organisation]:
    return Organisation.objects.companies()


@extend_schema_field({"type": "integer", "minimum": 1900, "maximum": 2100})
class YearFilter(df.NumberFilter):
    """A calendar year between 1900 and 2100 (a year outside has no dates to compare with)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


def association_filter(field_name: str = "association") -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(field_name=field_name, queryset=visible_associations, label=_("Association (id)"))


def household_filter(field_name: str = "household") -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(field_name=field_name, queryset=visible_households, label=_("Household (id)"))


class AssociationFilter(df.FilterSet):
    code = df.CharFilter(label=_("Association code"))

    class Meta:
        model = Organisation
        fields = ["code"]


class HouseholdFilter(df.FilterSet):
    association = association_filter()
    code = df.CharFilter(label=_("Household code"))
    village_group = df.CharFilter(label=_("Village group"))
    existing_on = df.DateFilter(method="filter_existing_on", label=_("Households existing on this date"))

    class Meta:
        model = Household
        fields = ["association", "code", "village_group", "existing_on"]

    def filter_existing_on(self, queryset, name, value):
        return queryset.active_on(value)


class MemberFilter(df.FilterSet):
    association = association_filter()
    household = household_filter()
    in_membership_on = df.DateFilter(method="filter_in_membership_on", label=_("Members in membership on this date"))

    class Meta:
        model = Member
        fields = ["association", "household", "in_membership_on"]

    def filter_in_membership_on(self, queryset, name, value):
        return queryset.in_membership_on(value)


class ShareTypeFilter(df.FilterSet):
    association = association_filter()

    class Meta:
        model = ShareType
        fields = ["association", "is_collective"]


class ShareEventFilter(df.FilterSet):
    association = association_filter()
    household = df.ModelChoiceFilter(
        queryset=visible_households, method="filter_household", label=_("Events with a line of this household (id)")
    )
    kind = df.ChoiceFilter(choices=ShareEvent.Kind.choices)
    effective_from = df.DateFilter(field_name="effective_date", lookup_expr="gte", label=_("Effective on or after"))
    effective_to = df.DateFilter(field_name="effective_date", lookup_expr="lte", label=_("Effective on or before"))

    class Meta:
        model = ShareEvent
        fields = ["association", "household", "kind", "effective_from", "effective_to"]

    def filter_household(self, queryset, name, value: Household):
        return queryset.filter(Q(lines__household=value)).distinct()


class HoldingFilter(df.FilterSet):
    """Parameters of the holdings as of a date (the rows come from collective.services.registries_as_of)."""

    as_of = df.DateFilter(label=_("Holdings on this date (default: today)"))
    association = association_filter("event__association")
    household = household_filter()
    share_type = df.ModelChoiceFilter(queryset=visible_share_types, label=_("Share type (id)"))

    class Meta:
        model = ShareEventLine
        fields = ["as_of", "association", "household", "share_type"]


class EquityFilter(df.FilterSet):
    as_of = df.DateFilter(label=_("Equity on this date (default: today)"))
    company = df.ModelChoiceFilter(queryset=companies, label=_("Company (id)"))

    class Meta:
        model = EquityEvent
        fields = ["as_of", "company"]
