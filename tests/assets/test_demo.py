"""The assets demo: the cold store, the orchard, the market and canteen contracts, GT01's map; loaded twice."""

from datetime import date

from django.apps import apps
from django.db.models import Sum

from assets import demo as assets_demo
from assets import services
from assets.models import Asset, Contract, ContractReceipt, ParcelBoundary
from collective import demo as collective_demo
from land import demo as land_demo
from land.models import Parcel


def counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("assets").get_models()
        if not model._meta.label.split(".")[1].startswith("Historical")
    }


def test_the_demo_has_the_cold_store_the_orchard_the_rental_contracts_and_gt01s_map(db):
    collective_demo.load()
    land_demo.load()
    assets_demo.load()
    first = counts()
    assets_demo.load()
    assert counts() == first

    cold_store = Asset.objects.get(code="ZC-XL-001")
    assert (cold_store.name, cold_store.owner.code, cold_store.is_synthetic) == ("500吨果品冷库", "XINGLV", True)
    assert Asset.objects.get(category=Asset.Category.BIOLOGICAL).owner.code == "GT01"

    market, canteen = Contract.objects.get(number="ZL-XL-2024-001"), Contract.objects.get(number="ZL-XL-2023-002")
    assert market.kind == Contract.Kind.OPERATING_RIGHTS
    assert [b.held_fen for b in services.deposit_balances(contract=market)] == [2_000_000]
    assert [(b.received_fen, b.returned_fen) for b in services.deposit_balances(contract=canteen)] == [
        (1_000_000, 300_000)
    ]
    # The paper's rental income of 2024: ¥200,000, from the market and the canteen.
    received_2024 = ContractReceipt.objects.filter(received_on__year=2024).aggregate(total=Sum("amount_fen"))
    assert received_2024["total"] == 20_000_000

    gt01 = Parcel.objects.filter(association__code="GT01")
    assert ParcelBoundary.objects.filter(parcel__in=gt01).count() == gt01.count() > 0
    assert all(b.is_synthetic for b in ParcelBoundary.objects.all())
    features = services.parcel_map_features(parcels=gt01, today=date(2025, 6, 1))["features"]
    assert {f["properties"]["status"] for f in features} <= {"active", "expiring", "signed"}
