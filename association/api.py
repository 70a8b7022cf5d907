"""Read-only API of the pear association's figures: trainings per year, harvests per season, cold stores."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from association import filters
from association.models import ColdStore, Harvest, StorageLot, TrainingSession
from association.serializers import ColdStoreSerializer, HarvestTotalSerializer, TrainingCountSerializer
from collective.api import ComputedListViewSet, ScopedReadOnlyViewSet, subquery_total
from collective.models import Organisation


def _grower_associations(user, params: dict) -> list[Organisation]:
    associations = filters.visible_grower_associations_for(user)
    if params.get("association") is not None:
        associations = associations.filter(pk=params["association"].pk)
    return list(associations.order_by("code", "pk"))


@extend_schema_view(list=extend_schema(summary=_("Training sessions and attendances per year")))
class TrainingCountViewSet(ComputedListViewSet):
    queryset = TrainingSession.objects.all()
    serializer_class = TrainingCountSerializer
    filterset_class = filters.TrainingCountFilter

    def rows(self, params: dict) -> list[dict]:
        rows = []
        for association in _grower_associations(self.request.user, params):
            sessions = TrainingSession.objects.visible_to(self.request.user).filter(association=association)
            for row in sessions.counts_by_year():
                if params.get("year") is None or row["year"] == params["year"]:
                    rows.append({"association": association.pk, "association_code": association.code, **row})
        return rows


@extend_schema_view(list=extend_schema(summary=_("Harvest totals per season, by grade")))
class HarvestTotalViewSet(ComputedListViewSet):
    queryset = Harvest.objects.all()
    serializer_class = HarvestTotalSerializer
    filterset_class = filters.HarvestTotalFilter

    def rows(self, params: dict) -> list[dict]:
        rows = []
        for association in _grower_associations(self.request.user, params):
            harvests = Harvest.objects.visible_to(self.request.user).filter(grower__association=association)
            if params.get("season") is not None:
                harvests = harvests.filter(season=params["season"])
            for row in harvests.totals_by_year():
                rows.append({"association": association.pk, "association_code": association.code, **row})
        return rows


@extend_schema_view(
    list=extend_schema(summary=_("Cold stores with their capacity and stock")),
    retrieve=extend_schema(summary=_("One cold store")),
)
class ColdStoreViewSet(ScopedReadOnlyViewSet):
    queryset = ColdStore.objects.all()
    serializer_class = ColdStoreSerializer
    filterset_class = filters.ColdStoreFilter
    ordering = ("code",)

    def scoped_queryset(self):
        lots = StorageLot.objects.filter(store=OuterRef("pk")).in_stock()
        return (
            super()
            .scoped_queryset()
            .select_related("association")
            .annotate(lots_in_stock=subquery_total(lots, "store", Count("pk"), IntegerField()))
        )
