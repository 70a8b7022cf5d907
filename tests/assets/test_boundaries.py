# ruff: noqa: RUF003 - comments use the mathematical signs × and −
"""Parcel boundaries: measured in metres, refused when they cross themselves, overlap or miss the declared mu."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pyproj import Geod

from assets import services
from assets.models import ParcelBoundary
from land import services as land_services
from land.models import Parcel

from .conftest import ORIGIN, rectangle

MU = 10000 / 15  # m²


def test_the_measured_area_matches_the_ellipsoid_to_a_hundredth_of_a_percent(make_parcel):
    geometry = rectangle(0, 0, 100, 80)  # 8,000 m² = 12 mu
    polygon = services.parse_polygon(geometry)
    measured = services.area_square_metres(polygon)
    geodesic, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(polygon)
    assert abs(float(measured) - abs(geodesic)) < 8000 * 0.0001
    assert abs(measured - 8000) < Decimal("0.5")
    assert services.square_metres_to_mu(measured) == Decimal("12.0000")


def test_a_boundary_is_saved_with_its_area(make_parcel):
    parcel = make_parcel("P-01", "12")
    boundary = services.save_boundary(parcel=parcel, geometry=rectangle(0, 0, 100, 80))
    assert abs(boundary.area_m2 - 8000) < 1
    assert boundary.min_lon < boundary.max_lon


def test_a_boundary_that_crosses_itself_is_refused(make_parcel):
    parcel = make_parcel("P-01", "12")
    square = rectangle(0, 0, 100, 80)["coordinates"][0]
    bow_tie = {"type": "Polygon", "coordinates": [[square[0], square[2], square[1], square[3], square[0]]]}
    with pytest.raises(ValidationError) as error:
        services.save_boundary(parcel=parcel, geometry=bow_tie)
    assert error.value.messages[0].startswith("The boundary crosses itself (Self-intersection[")
    assert not ParcelBoundary.objects.exists()


def test_an_overlap_beyond_the_tolerance_is_refused_and_a_sliver_is_accepted(make_parcel):
    first, second, third = make_parcel("P-01", "12"), make_parcel("P-02", "12"), make_parcel("P-03", "12")
    services.save_boundary(parcel=first, geometry=rectangle(0, 0, 100, 80))
    with pytest.raises(ValidationError) as error:
        services.save_boundary(parcel=second, geometry=rectangle(90, 0, 100, 80))  # 10 m × 80 m inside P-01
    [message] = error.value.messages
    assert message.startswith("The boundary of P-02 overlaps parcel P-01 by 8")
    assert message.endswith("m² (at most 1 m²).")
    # Touching along an edge, or overlapping by a 0.01 m sliver (0.8 m²), is not an overlap.
    services.save_boundary(parcel=second, geometry=rectangle(100, 0, 100, 80))
    services.save_boundary(parcel=third, geometry=rectangle(199.99, 0, 100, 80))
    assert ParcelBoundary.objects.count() == 3


def test_an_area_far_from_the_declared_mu_is_refused(make_parcel):
    parcel = make_parcel("P-01", "10")  # 6,666.7 m² declared; the rectangle measures 12 mu
    with pytest.raises(ValidationError) as error:
        services.save_boundary(parcel=parcel, geometry=rectangle(0, 0, 100, 80))
    assert error.value.messages == [
        "The boundary measures 12 mu but parcel P-01 is declared as 10 mu (20.0% apart; at most 5% is accepted)."
    ]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("{not json", "The boundary is not valid GeoJSON."),
        (
            {"type": "Point", "coordinates": [102.9, 24.7]},
            "A boundary must be one GeoJSON Polygon (longitude, latitude).",
        ),
        (
            {"type": "Polygon", "coordinates": [[[24.7, 502.9], [24.8, 502.9], [24.8, 503], [24.7, 502.9]]]},
            "The coordinates must be longitude then latitude in degrees (WGS 84).",
        ),
        ({"type": "Polygon", "coordinates": "x"}, "The boundary's coordinates cannot be read."),
    ],
)
def test_unreadable_boundaries_are_refused_with_a_reason(make_parcel, geometry, message):
    with pytest.raises(ValidationError) as error:
        services.save_boundary(parcel=make_parcel("P-01", "12"), geometry=geometry)
    assert error.value.messages == [message]


def feature(code, geometry):
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def test_an_import_saves_every_parcel_or_none(make_parcel):
    parcels = [make_parcel("P-01", "12"), make_parcel("P-02", "12"), make_parcel("P-03", "12")]
    good = {
        "type": "FeatureCollection",
        "features": [feature("P-01", rectangle(0, 0, 100, 80)), feature("P-02", rectangle(105, 0, 100, 80))],
    }
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature("P-03", rectangle(0, -100, 100, 80)),
            feature("P-02", rectangle(50, -110, 100, 80)),  # overlaps P-03 of the same file
            feature("P-99", rectangle(0, -300, 100, 80)),
        ],
    }
    result = services.import_boundaries(data=json.dumps(bad), parcels=parcels)
    assert result.saved == []
    assert result.errors[0] == "Feature 3 (P-99): no parcel with this code that you may change."
    assert any("The boundary of P-03 overlaps parcel P-02 by" in error for error in result.errors)
    assert not ParcelBoundary.objects.exists()

    result = services.import_boundaries(data=json.dumps(good), parcels=parcels)
    assert result.errors == []
    assert sorted(b.parcel.code for b in ParcelBoundary.objects.all()) == ["P-01", "P-02"]
    # Re-importing P-01 moved onto P-02's old place replaces P-02 in the same file: no overlap with the old one.
    swap = {
        "type": "FeatureCollection",
        "features": [feature("P-01", rectangle(105, 0, 100, 80)), feature("P-02", rectangle(0, 0, 100, 80))],
    }
    assert services.import_boundaries(data=json.dumps(swap), parcels=parcels).errors == []


def test_the_map_colours_parcels_by_their_contract_status(make_parcel, household_a, company):
    under_contract, free = make_parcel("P-01", "12"), make_parcel("P-02", "12")
    services.save_boundary(parcel=under_contract, geometry=rectangle(0, 0, 100, 80))
    services.save_boundary(parcel=free, geometry=rectangle(105, 0, 100, 80))
    contract = land_services.draft_contract(
        number="HT-1",
        household=household_a,
        transferee=company,
        parcels=[(under_contract, Decimal(12))],
        start_date=date(2021, 1, 1),
        end_date=date(2030, 12, 31),
        rent_per_mu_fen=60000,
    )
    land_services.sign_contract(contract=contract, signed_on=date(2020, 12, 1), today=date(2024, 6, 1))
    features = services.parcel_map_features(parcels=Parcel.objects.all(), today=date(2024, 6, 1))["features"]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert by_code["P-01"]["status"] == "active"
    assert [c["number"] for c in by_code["P-01"]["contracts"]] == ["HT-1"]
    assert by_code["P-02"] | {"pk": None} == {
        "pk": None,
        "code": "P-02",
        "association": "A01",
        "declared_mu": "12",
        "computed_mu": "12",
        "status": "none",
        "synthetic": False,
        "contracts": [],
        "url": f"/land/parcels/{free.pk}/",
    }
    assert ORIGIN[0] - 0.01 < features[0]["geometry"]["coordinates"][0][0][0] < ORIGIN[0] + 0.01
