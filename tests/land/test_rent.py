"""The guaranteed rent of DESIGN.md §3 step 1, checked against arithmetic written out by hand."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collective.models import Household
from land import services
from land.models import Parcel


def test_rent_for_a_full_leap_year_is_area_times_rent(make_contract, household_a, parcel_a):
    # HT-2021-001 of the DESIGN.md appendix: 12.5 mu * 60000 fen * 366/366 = 750000 fen.
    contract = make_contract(number="HT-2021-001", household=household_a, parcels=[(parcel_a, Decimal("12.5"))])
    [line] = services.contract_lines_for_year(transferee=contract.transferee, year=2024)
    assert (line.days_active, line.days_in_year) == (366, 366)
    assert line.rent_per_mu_fen == Decimal(60000)
    assert line.rent_fen == 750000


def test_rent_for_a_partial_leap_year_counts_days_from_the_start(make_contract, household_a, parcel_a):
    # HT-2024-002: 8 mu from 2024-07-01 = 184 days of 366: 8 * 60000 * 184 / 366 = 241311.475… → 241311 fen.
    contract = make_contract(
        number="HT-2024-002",
        household=household_a,
        parcels=[(parcel_a, Decimal(8))],
        start_date=date(2024, 7, 1),
        end_date=date(2033, 6, 30),
    )
    [line] = services.contract_lines_for_year(transferee=contract.transferee, year=2024)
    assert (line.days_active, line.days_in_year) == (184, 366)
    assert line.rent_fen == 241311
    # The same contract in 2033 ends on 30 June: 181 days of 365: 8 * 60000 * 181 / 365 = 238027.39… → 238027.
    [line_2033] = services.contract_lines_for_year(transferee=contract.transferee, year=2033)
    assert (line_2033.days_active, line_2033.days_in_year, line_2033.rent_fen) == (181, 365, 238027)


def test_rent_for_a_partial_common_year_uses_365_days(make_contract, household_a, parcel_a):
    # 10 mu * 50000 fen from 2023-03-01: 306 days of 365: 10 * 50000 * 306 / 365 = 419178.08… → 419178 fen.
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(10))],
        start_date=date(2023, 3, 1),
        end_date=date(2032, 2, 29),
        rent_per_mu_fen=50000,
    )
    assert services.contract_rent_for_year(contract=contract, year=2023) == 419178
    # In the leap year 2032 it ends on 29 February: 60 days of 366: 500000 * 60 / 366 = 81967.21… → 81967.
    assert services.contract_rent_for_year(contract=contract, year=2032) == 81967


def test_rent_after_escalation_matches_the_appendix(make_contract, household_b, parcel_b):
    # HT-2022-003: ¥600 with +5 % every year from 2022; 2024 is the second rise: 60000 * 1.05² = 66150 fen
    # per mu; 20.25 mu * 66150 * 366/366 = 1339537.5 → rounded half up 1339538 fen.
    contract = make_contract(
        number="HT-2022-003",
        household=household_b,
        parcels=[(parcel_b, Decimal("20.25"))],
        start_date=date(2022, 3, 1),
        end_date=date(2031, 2, 28),
        escalation_percent=Decimal(5),
        escalation_every_years=1,
        profit_share=False,
    )
    assert services.rent_per_mu_for_year(contract=contract, year=2022) == Decimal(60000)
    assert services.rent_per_mu_for_year(contract=contract, year=2023) == Decimal(63000)
    assert services.rent_per_mu_for_year(contract=contract, year=2024) == Decimal(66150)
    [line] = services.contract_lines_for_year(transferee=contract.transferee, year=2024)
    assert line.rent_fen == 1339538
    assert line.profit_share is False


def test_escalation_every_three_years_counts_calendar_years_from_the_start_year(make_contract, household_b, parcel_b):
    contract = make_contract(
        household=household_b,
        parcels=[(parcel_b, Decimal(10))],
        start_date=date(2022, 3, 1),
        end_date=date(2041, 12, 31),
        escalation_percent=Decimal(5),
        escalation_every_years=3,
    )
    rent = {year: services.rent_per_mu_for_year(contract=contract, year=year) for year in range(2022, 2035)}
    # 2022-2024: 60000; from 1 January 2025 (2022 + 3): 63000; 2028: 66150; 2031: 69457.5; 2034: 72930.375.
    assert rent[2022] == rent[2024] == Decimal(60000)
    assert rent[2025] == rent[2027] == Decimal(63000)
    assert rent[2028] == Decimal(66150)
    assert rent[2031] == Decimal("69457.5")
    assert rent[2034] == Decimal("72930.375")
    # 10 mu * 72930.375 fen in 2034 (365 days) = 729303.75 → 729304 fen.
    assert services.contract_rent_for_year(contract=contract, year=2034) == 729304


def test_a_fractional_escalation_stays_exact_over_decades(make_contract, household_b, parcel_b):
    contract = make_contract(
        household=household_b,
        parcels=[(parcel_b, Decimal(1))],
        start_date=date(2020, 1, 1),
        end_date=date(2049, 12, 31),
        rent_per_mu_fen=33333,
        escalation_percent=Decimal("2.5"),
        escalation_every_years=1,
    )
    # 29 rises of 2.5 %: 33333 * (41/40)^29 is a finite decimal; every digit is kept, nothing rounded.
    exact = services.rent_per_mu_for_year(contract=contract, year=2049)
    assert Fraction(exact) == Fraction(33333) * Fraction(41, 40) ** 29
    assert str(exact).startswith("68212.8976717398")


def test_a_terminated_contract_pays_rent_up_to_its_termination_date(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))])
    services.terminate_contract(contract=contract, terminated_on=date(2024, 3, 31), reason="公司调整种植计划")
    # 1 January - 31 March 2024 = 91 days: 10 * 60000 * 91 / 366 = 149180.32… → 149180 fen.
    [line] = services.contract_lines_for_year(transferee=contract.transferee, year=2024)
    assert (line.days_active, line.rent_fen) == (91, 149180)
    assert services.contract_lines_for_year(transferee=contract.transferee, year=2025) == []


def test_drafts_pay_no_rent_and_lines_sort_by_contract_then_parcel(make_contract, household_a, parcel_a, company):
    second = Parcel.objects.create(
        code="P-00", association=parcel_a.association, area_mu=Decimal(3), contract_household=household_a
    )
    make_contract(number="HT-B", household=household_a, parcels=[(parcel_a, Decimal(1)), (second, Decimal(3))])
    other = Household.objects.create(association=parcel_a.association, code="A01-009")
    third = Parcel.objects.create(code="P-09", association=parcel_a.association, area_mu=2, contract_household=other)
    make_contract(number="HT-A", household=other, parcels=[(third, Decimal(2))])
    fourth = Parcel.objects.create(code="P-10", association=parcel_a.association, area_mu=2, contract_household=other)
    make_contract(number="HT-0", household=other, parcels=[(fourth, Decimal(2))], sign=False)
    lines = services.contract_lines_for_year(transferee=company, year=2024)
    assert [(line.contract_number, line.parcel_code) for line in lines] == [
        ("HT-A", "P-09"),
        ("HT-B", "P-00"),
        ("HT-B", "P-01"),
    ]
    assert {line.association_id for line in lines} == {parcel_a.association_id}


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=4000),
)
def test_days_in_force_over_the_years_add_up_to_the_term(start, length):
    from datetime import timedelta

    end = start + timedelta(days=length)
    total = sum(
        services.days_in_force_in_year(start=start, end=end, year=year) for year in range(start.year - 1, end.year + 2)
    )
    assert total == length + 1


@pytest.mark.parametrize(("year", "days"), [(2023, 365), (2024, 366), (2100, 365), (2000, 366)])
def test_leap_years_have_366_days(year, days):
    assert services.days_in_year(year) == days
