"""Assets fixtures: the company's and an association's assets, a market-rights contract, parcels to map."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from assets import services
from assets.models import Asset
from land.models import Parcel

TODAY = date(2026, 11, 20)
# A point in central Yunnan; parcels are drawn in metres around it and turned into longitude/latitude.
ORIGIN = (102.9, 24.7)


@pytest.fixture(autouse=True)
def _messages_in_english(settings):
    """Assert the messages as written in the code; test_translations.py checks the Chinese is complete."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_asset(owner, code: str, **fields) -> Asset:
    values = {
        "name": "500吨冷库",
        "category": Asset.Category.BUILDING,
        "acquired_on": date(2019, 5, 20),
        "in_service_on": date(2019, 9, 1),
        "cost_fen": 180_000_000,
        "salvage_fen": 9_000_000,
        "useful_life_months": 240,
    }
    values.update(fields)
    return services.save_asset(asset=Asset(code=code, owner=owner, **values))


@pytest.fixture
def cold_store(company) -> Asset:
    return make_asset(company, "ZC-XL-001", location="甘田村")


@pytest.fixture
def orchard(association_a) -> Asset:
    return make_asset(
        association_a,
        "ZC-A01-001",
        name="集体梨园",
        category=Asset.Category.BIOLOGICAL,
        acquired_on=date(2012, 3, 1),
        in_service_on=date(2016, 8, 31),
        cost_fen=64_000_000,
        salvage_fen=0,
    )


@pytest.fixture
def market_contract(company):
    contract = services.create_contract(
        number="ZL-XL-2024-001",
        title="绿荷街市场管理经营权出租",
        kind="operating_rights",
        owner=company,
        counterparty="绿荷市场服务公司",
        subject="绿荷街集贸市场管理经营权",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
        schedule=[
            (date(2024, 1, 15), 7_000_000, "2024 H1"),
            (date(2024, 7, 15), 7_000_000, "2024 H2"),
            (date(2026, 7, 15), 7_000_000, "2026 H2"),
        ],
    )
    return services.sign_contract(contract=contract, signed_on=date(2023, 12, 20), today=date(2024, 1, 1))


def rectangle(x: float, y: float, width: float, depth: float) -> dict:
    """A GeoJSON polygon `width` by `depth` metres whose north-west corner is (x, y) metres from ORIGIN."""
    from pyproj import Transformer

    inverse = Transformer.from_crs(
        f"+proj=laea +lat_0={ORIGIN[1]} +lon_0={ORIGIN[0]} +datum=WGS84 +units=m", "EPSG:4326", always_xy=True
    )
    corners = [(x, y), (x + width, y), (x + width, y - depth), (x, y - depth), (x, y)]
    return {"type": "Polygon", "coordinates": [[list(inverse.transform(cx, cy)) for cx, cy in corners]]}


@pytest.fixture
def make_parcel(household_a):
    def make(code: str, area_mu: str) -> Parcel:
        return Parcel.objects.create(
            code=code, association=household_a.association, area_mu=Decimal(area_mu), contract_household=household_a
        )

    return make
