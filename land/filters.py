"""Filters of the land API's lists; related-object choices are only what the caller may see."""

from __future__ import annotations

from datetime import date

import django_filters as df
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from collective.filters import YearFilter, association_filter, companies, household_filter
from land.models import LabourRecord, LandTransferContract, Parcel, RentInstallment, RentPayment
from land.services import BINDING_STATUSES


def visible_contracts(request) -> QuerySet[LandTransferContract]:
    if request is None:
        return LandTransferContract.objects.none()
    return LandTransferContract.objects.visible_to(request.user)


def in_force_in_year(year: int, prefix: str = "") -> Q:
    """Contracts (not drafts) in force for at least one day of the year; a terminated one up to its termination."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    status = f"{prefix}status"
    return Q(**{f"{status}__in": BINDING_STATUSES, f"{prefix}start_date__lte": last}) & (
        Q(**{status: LandTransferContract.Status.TERMINATED, f"{prefix}terminated_on__gte": first})
        | (~Q(**{status: LandTransferContract.Status.TERMINATED}) & Q(**{f"{prefix}end_date__gte": first}))
    )


def contract_filter(field_name: str = "contract") -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(field_name=field_name, queryset=visible_contracts, label=_("Contract (id)"))


class ParcelFilter(df.FilterSet):
    association = association_filter()
    household = household_filter("contract_household")
    land_class = df.ChoiceFilter(choices=Parcel.LandClass.choices)
    transferred_in = YearFilter(
        method="filter_transferred_in", label=_("Parcels under a contract in force in this year")
    )

    class Meta:
        model = Parcel
        fields = ["association", "household", "land_class", "transferred_in"]

    def filter_transferred_in(self, queryset, name, value: int):
        contracts = LandTransferContract.objects.filter(in_force_in_year(int(value)))
        return queryset.filter(contract_lines__contract__in=contracts).distinct()


class ContractFilter(df.FilterSet):
    association = association_filter("household__association")
    household = household_filter()
    status = df.ChoiceFilter(choices=LandTransferContract.Status.choices)
    year = YearFilter(method="filter_year", label=_("Contracts in force for at least one day of this year"))
    number = df.CharFilter(label=_("Contract number"))
    transferee = df.ModelChoiceFilter(queryset=companies, label=_("Transferee company (id)"))

    class Meta:
        model = LandTransferContract
        fields = ["association", "household", "status", "year", "number", "transferee", "profit_share"]

    def filter_year(self, queryset, name, value: int):
        return queryset.filter(in_force_in_year(int(value)))


class RentInstallmentFilter(df.FilterSet):
    association = association_filter("contract__household__association")
    household = household_filter("contract__household")
    contract = contract_filter()
    year = YearFilter(label=_("Rent year"))

    class Meta:
        model = RentInstallment
        fields = ["association", "household", "contract", "year", "overdue"]


class RentPaymentFilter(df.FilterSet):
    association = association_filter("contract__household__association")
    household = household_filter("contract__household")
    contract = contract_filter()
    year = YearFilter(field_name="paid_on", lookup_expr="year", label=_("Year paid"))
    paid_from = df.DateFilter(field_name="paid_on", lookup_expr="gte", label=_("Paid on or after"))
    paid_to = df.DateFilter(field_name="paid_on", lookup_expr="lte", label=_("Paid on or before"))

    class Meta:
        model = RentPayment
        fields = ["association", "household", "contract", "year", "paid_from", "paid_to"]


class LabourRecordFilter(df.FilterSet):
    association = association_filter("household__association")
    household = household_filter()
    year = YearFilter(field_name="work_date", lookup_expr="year", label=_("Year worked"))
    employer = df.ModelChoiceFilter(queryset=companies, label=_("Employer company (id)"))

    class Meta:
        model = LabourRecord
        fields = ["association", "household", "year", "employer"]
