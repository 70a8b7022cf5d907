"""The API's shapes for the pear association's figures: trainings, harvests and cold storage."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from association.models import ColdStore
from collective.serializers import QuantityField


class TrainingCountSerializer(serializers.Serializer):
    association = serializers.IntegerField()
    association_code = serializers.CharField()
    year = serializers.IntegerField()
    sessions = serializers.IntegerField(help_text=_("Training sessions held in the year."))
    attendances = serializers.IntegerField(help_text=_("Grower attendances at those sessions."))


class HarvestTotalSerializer(serializers.Serializer):
    association = serializers.IntegerField()
    association_code = serializers.CharField()
    season = serializers.IntegerField()
    premium_kg = serializers.IntegerField()
    standard_kg = serializers.IntegerField()
    substandard_kg = serializers.IntegerField()
    total_kg = serializers.IntegerField()
    growers = serializers.IntegerField(help_text=_("Growers who reported a harvest."))


class ColdStoreSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True)
    free_kg = serializers.IntegerField(read_only=True)
    fill_percent = QuantityField(decimal_places=1)
    lots_in_stock = serializers.IntegerField(read_only=True)

    class Meta:
        model = ColdStore
        fields = [
            "id",
            "code",
            "name",
            "association",
            "association_code",
            "capacity_kg",
            "stock_kg",
            "free_kg",
            "fill_percent",
            "lots_in_stock",
            "fee_fen_per_tonne_day",
        ]
