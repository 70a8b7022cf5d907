# ruff: noqa: RUF003 - comments use the mathematical signs × and −
"""Depreciation by month, straight line, exact to the fen."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from assets import services
from assets.models import Asset

from .conftest import make_asset


def unsaved_asset(*, cost_fen: int, salvage_fen: int, life: int, in_service_on: date, disposed_on=None) -> Asset:
    return Asset(
        code="X",
        acquired_on=in_service_on,
        in_service_on=in_service_on,
        cost_fen=cost_fen,
        salvage_fen=salvage_fen,
        useful_life_months=life,
        disposed_on=disposed_on,
    )


@given(
    cost_fen=st.integers(min_value=1, max_value=10**12),
    salvage_share=st.fractions(min_value=0, max_value=1),
    life=st.integers(min_value=1, max_value=600),
    in_service_on=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
)
def test_the_months_add_up_to_cost_minus_salvage_and_each_is_within_a_fen_of_the_exact_share(
    cost_fen, salvage_share, life, in_service_on
):
    salvage_fen = int(cost_fen * salvage_share)
    asset = unsaved_asset(cost_fen=cost_fen, salvage_fen=salvage_fen, life=life, in_service_on=in_service_on)
    schedule = services.depreciation_schedule(asset)
    assert len(schedule) == life
    assert sum(line.amount_fen for line in schedule) == cost_fen - salvage_fen
    exact = (cost_fen - salvage_fen) / life
    assert all(abs(line.amount_fen - exact) < 1 for line in schedule)
    assert schedule[-1].net_book_value_fen == salvage_fen
    # The first month is the one after the asset entered service.
    first = schedule[0]
    assert (first.year, first.month) == (
        (in_service_on.year + 1, 1) if in_service_on.month == 12 else (in_service_on.year, in_service_on.month + 1)
    )


@given(
    cost_fen=st.integers(min_value=1, max_value=10**10),
    life=st.integers(min_value=1, max_value=240),
    months_in_use=st.integers(min_value=0, max_value=300),
)
def test_a_disposed_asset_is_depreciated_in_its_last_month_and_never_after(cost_fen, life, months_in_use):
    in_service_on = date(2020, 1, 10)
    number = services.month_number(in_service_on) + months_in_use
    disposed_on = date(number // 12, number % 12 + 1, 28)
    asset = unsaved_asset(cost_fen=cost_fen, salvage_fen=0, life=life, in_service_on=in_service_on)
    asset.disposed_on = disposed_on
    schedule = services.depreciation_schedule(asset)
    assert len(schedule) == min(months_in_use, life)
    after = services.month_number(disposed_on) + 1
    assert services.depreciation_of_month(asset, year=after // 12, month=after % 12 + 1) == 0
    assert sum(line.amount_fen for line in schedule) == cost_fen * min(months_in_use, life) // life


def test_the_cold_store_loses_7125_yuan_a_month_from_october_2019(cold_store):
    # (¥1,800,000 − ¥90,000) / 240 months = ¥7,125.00 exactly.
    assert services.depreciation_of_month(cold_store, year=2019, month=9) == 0
    assert services.depreciation_of_month(cold_store, year=2019, month=10) == 712_500
    line = services.depreciation_line(cold_store, year=2024, month=12)
    assert line.accumulated_fen == 63 * 712_500  # October 2019 to December 2024
    assert line.net_book_value_fen == 180_000_000 - 63 * 712_500


def test_month_depreciation_lists_each_asset_of_the_month_for_the_books(cold_store, orchard, company):
    odd = make_asset(
        company,
        "ZC-XL-002",
        cost_fen=100,
        salvage_fen=0,
        useful_life_months=3,
        in_service_on=date(2026, 1, 5),
        acquired_on=date(2026, 1, 5),
    )
    lines = services.month_depreciation(year=2026, month=2)
    assert [(line.asset.code, line.amount_fen) for line in lines] == [
        # Month 114 of 240 since September 2016: floor(114 × 266,666⅔) − floor(113 × 266,666⅔) fen.
        ("ZC-A01-001", 266_667),
        ("ZC-XL-001", 712_500),
        ("ZC-XL-002", 33),
    ]
    assert [line.amount_fen for line in services.depreciation_schedule(odd)] == [33, 33, 34]
    assert [line.asset.code for line in services.month_depreciation(year=2026, month=2, owner=company)] == [
        "ZC-XL-001",
        "ZC-XL-002",
    ]
    assert [line.asset.code for line in services.month_depreciation(year=2026, month=5, owner=company)] == ["ZC-XL-001"]


def test_an_asset_with_a_residual_value_above_its_cost_is_refused(company):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_asset(company, "ZC-BAD", cost_fen=100, salvage_fen=101)
    assert error.value.message_dict == {"salvage": ["The residual value must be between ¥0.00 and the original cost."]}
