"""Filters of the money API's lists; related-object choices are only what the caller may see."""

from __future__ import annotations

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from collective.filters import YearFilter, association_filter, companies, household_filter, visible_organisations
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Objection, Payout


def visible_runs(request) -> QuerySet[DistributionRun]:
    if request is None:
        return DistributionRun.objects.none()
    return DistributionRun.objects.visible_to(request.user)


def run_filter() -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(queryset=visible_runs, label=_("Distribution run (id)"))


class LedgerEntryFilter(df.FilterSet):
    organisation = df.ModelChoiceFilter(queryset=visible_organisations, label=_("Organisation (id)"))
    direction = df.ChoiceFilter(choices=LedgerEntry.Direction.choices)
    category = df.ChoiceFilter(choices=LedgerEntry.Category.choices)
    rental_source = df.ChoiceFilter(choices=LedgerEntry.RentalSource.choices)
    year = YearFilter(field_name="entry_date", lookup_expr="year", label=_("Year"))
    date_from = df.DateFilter(field_name="entry_date", lookup_expr="gte", label=_("On or after"))
    date_to = df.DateFilter(field_name="entry_date", lookup_expr="lte", label=_("On or before"))

    class Meta:
        model = LedgerEntry
        fields = ["organisation", "direction", "category", "rental_source", "year", "date_from", "date_to"]


class PolicyFilter(df.FilterSet):
    organisation = df.ModelChoiceFilter(queryset=companies, label=_("Company (id)"))
    year = YearFilter(label=_("Fiscal year"))

    class Meta:
        model = DistributionPolicy
        fields = ["organisation", "year"]


class RunFilter(df.FilterSet):
    company = df.ModelChoiceFilter(queryset=companies, label=_("Company (id)"))
    year = YearFilter(label=_("Fiscal year"))
    status = df.ChoiceFilter(choices=DistributionRun.Status.choices)
    kind = df.ChoiceFilter(choices=DistributionRun.Kind.choices)

    class Meta:
        model = DistributionRun
        fields = ["company", "year", "status", "kind"]


class PayoutFilter(df.FilterSet):
    run = run_filter()
    year = YearFilter(field_name="run__year", label=_("Fiscal year of the run"))
    association = association_filter()
    household = household_filter()
    status = df.ChoiceFilter(choices=Payout.Status.choices)

    class Meta:
        model = Payout
        fields = ["run", "year", "association", "household", "status"]


class ObjectionFilter(df.FilterSet):
    run = run_filter()
    association = association_filter("household__association")
    household = household_filter()
    status = df.ChoiceFilter(choices=Objection.Status.choices)

    class Meta:
        model = Objection
        fields = ["run", "association", "household", "status"]
