"""Filters of the pear association's API; the association choices are only what the caller may see."""

from __future__ import annotations

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from association.models import ColdStore, Harvest, TrainingSession
from collective.filters import YearFilter
from collective.models import Organisation


def visible_grower_associations_for(user) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.SOCIAL)


def visible_grower_associations(request) -> QuerySet[Organisation]:
    if request is None:
        return Organisation.objects.none()
    return visible_grower_associations_for(request.user)


def grower_association_filter(field_name: str = "association") -> df.ModelChoiceFilter:
    return df.ModelChoiceFilter(
        field_name=field_name, queryset=visible_grower_associations, label=_("Grower association (id)")
    )


class TrainingCountFilter(df.FilterSet):
    association = grower_association_filter()
    year = YearFilter(field_name="held_on", lookup_expr="year", label=_("Year"))

    class Meta:
        model = TrainingSession
        fields = ["association", "year"]


class HarvestTotalFilter(df.FilterSet):
    association = grower_association_filter("grower__association")
    season = YearFilter(label=_("Season (year)"))

    class Meta:
        model = Harvest
        fields = ["association", "season"]


class ColdStoreFilter(df.FilterSet):
    association = grower_association_filter()

    class Meta:
        model = ColdStore
        fields = ["association"]
