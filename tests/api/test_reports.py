"""The annual report on a small case worked by hand, the Gini coefficient included (docs/api.md)."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collective.models import Household, Organisation
from dividends import engine
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Payout, Pool
from dividends.reports import gini, lorenz, payout_indicators
from land import services as land
from land.models import LandTransferContract, Parcel
from tests.api.conftest import session_client

D = Decimal

# Household payouts of 2024 in fen. A01: 100, 200, 300, 400, 1000 yuan; A02: 100, 100, 200, 600 yuan.
A01_PAYOUTS = [10000, 20000, 30000, 40000, 100000]
A02_PAYOUTS = [10000, 10000, 20000, 60000]


def _run(company, year: int, status: str, *, kind: str = "regular", reverses=None) -> DistributionRun:
    policy, _created = DistributionPolicy.objects.get_or_create(
        organisation=company,
        year=year,
        version=1,
        defaults={
            "land_share_rate": D("0.3"),
            "reserve_rate": D("0.2"),
            "welfare_rate": D("0.1"),
            "payout_rate": D("0.8"),
            "retention_rate": D("0.1"),
            "record_date": date(year, 12, 31),
        },
    )
    return DistributionRun.objects.create(
        company=company, year=year, policy=policy, status=status, kind=kind, reverses=reverses
    )


@pytest.fixture
def small_case(company, association_a, association_b, accountant):
    """Two associations' 2024 set by hand: books, the company's run, contracts, rent."""
    run = _run(company, 2024, DistributionRun.Status.APPROVED)
    # An older run of 2024 that was reversed does not count.
    reversed_run = _run(company, 2024, DistributionRun.Status.CLOSED)
    _run(company, 2024, DistributionRun.Status.APPROVED, kind="reversal", reverses=reversed_run)
    for association, received, payouts in (
        (association_a, 5_000_000, A01_PAYOUTS),
        (association_b, 3_000_000, A02_PAYOUTS),
    ):
        Pool.objects.create(run=run, kind=engine.POOL_RECEIVED, association=association, amount_fen=received)
        Pool.objects.create(run=reversed_run, kind=engine.POOL_RECEIVED, association=association, amount_fen=999_999)
        for index, total in enumerate(payouts):
            household = Household.objects.create(association=association, code=f"{association.code}-{index + 1:03d}")
            Payout.objects.create(
                run=run,
                household=household,
                household_code=household.code,
                association=association,
                share_dividend_fen=total,
                total_fen=total,
                status=Payout.Status.PAID if index < 2 else Payout.Status.PENDING,
            )
            Payout.objects.create(
                run=reversed_run,
                household=household,
                household_code=household.code,
                association=association,
                share_dividend_fen=7,
                total_fen=7,
            )
    books = [
        (association_a, "revenue", "services", 6_000_000, date(2024, 3, 1)),
        (association_a, "expense", "administration", 1_200_000, date(2024, 4, 1)),
        (association_a, "revenue", "services", 4_000_000, date(2023, 3, 1)),  # another year
        (association_b, "revenue", "borrowing", 9_000_000, date(2024, 5, 1)),  # not income
        (association_b, "revenue", "subsidies", 500_000, date(2024, 6, 1)),
    ]
    for organisation, direction, category, fen, day in books:
        LedgerEntry.objects.create(
            organisation=organisation, direction=direction, category=category, amount_fen=fen, entry_date=day
        )
    # A01-001 transfers 12.5 mu for all of 2024 at ¥600.00; ¥3,000.00 of that year's ¥7,500.00 is paid.
    # A02-001's contract ended with 2023: no area in 2024.
    for household_code, area, start, end in (
        ("A01-001", "12.5", date(2021, 1, 1), date(2030, 12, 31)),
        ("A02-001", "20", date(2021, 1, 1), date(2023, 12, 31)),
    ):
        household = Household.objects.get(code=household_code)
        parcel = Parcel.objects.create(
            code=f"P-{household_code}", association=household.association, area_mu=D(area), contract_household=household
        )
        contract = land.draft_contract(
            number=f"HT-{household_code}",
            household=household,
            transferee=company,
            start_date=start,
            end_date=end,
            rent_per_mu_fen=60000,
            parcels=[(parcel, D(area))],
        )
        land.sign_contract(contract=contract, signed_on=start)
    land.record_rent_payment(
        contract=LandTransferContract.objects.get(number="HT-A01-001"),
        paid_on=date(2024, 12, 1),
        amount_fen=300000,
        first_year=2024,
    )
    return run


def report(client, year: int = 2024) -> dict:
    response = client.get(f"/api/v1/reports/annual/?year={year}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_annual_report_on_a_case_worked_by_hand(small_case, township_client):
    data = report(township_client)
    assert (data["year"], data["weak_village_threshold"], data["weak_village_threshold_fen"]) == (
        2024,
        "100000.00",
        10000000,
    )
    a01, a02 = data["associations"]

    # A01: revenue 60,000 + 50,000 from the company = 110,000 of collective income, not weak; net 98,000.
    assert a01["association_code"] == "A01"
    assert (a01["revenue"], a01["income_from_company"], a01["collective_income"]) == (
        "60000.00",
        "50000.00",
        "110000.00",
    )
    assert (a01["expenses"], a01["net"], a01["weak_village"]) == ("12000.00", "98000.00", False)
    assert (a01["area_transferred_mu"], a01["rent_due"], a01["rent_paid"]) == ("12.5000", "7500.00", "3000.00")
    # Payouts 100, 200, 300, 400, 1000: mean 400, median 300.
    assert (a01["households_with_payout"], a01["households_paid"]) == (5, 2)
    assert (a01["payouts"], a01["mean_payout"], a01["median_payout"]) == ("2000.00", "400.00", "300.00")
    # Gini: 2 Σ i·x / (n S) - (n+1)/n = 2 * 800,000 / (5 * 200,000) - 6/5 = 0.4.
    # Bottom 20 % is one household of five: 100/2000 = 0.05; top 20 %: 1000/2000 = 0.5; ratio 10.
    # Bottom 40 %: (100 + 200)/2000 = 0.15.
    assert (a01["gini"], a01["top_20_to_bottom_20"], a01["bottom_40_share"]) == ("0.4000", "10.0000", "0.1500")

    # A02: the ¥90,000.00 borrowed is not income: 5,000 + 30,000 = 35,000, a weak village.
    assert (a02["revenue"], a02["income_from_company"], a02["collective_income"]) == (
        "5000.00",
        "30000.00",
        "35000.00",
    )
    assert (a02["net"], a02["weak_village"]) == ("35000.00", True)
    assert (a02["area_transferred_mu"], a02["rent_due"], a02["rent_paid"]) == ("0.0000", "0.00", "0.00")
    # Payouts 100, 100, 200, 600: median (100 + 200)/2 = 150; Gini 2 * 330,000/(4 * 100,000) - 5/4 = 0.4.
    # Four households: the bottom 20 % is 0.8 of the first, 80/1000 = 0.08; the bottom 80 % is the first
    # three and 0.2 of the fourth, 520/1000, so the top 20 % holds 0.48 and the ratio is 6.
    # Bottom 40 %: the first and 0.6 of the second, 160/1000 = 0.16.
    assert (a02["mean_payout"], a02["median_payout"]) == ("250.00", "150.00")
    assert (a02["gini"], a02["top_20_to_bottom_20"], a02["bottom_40_share"]) == ("0.4000", "6.0000", "0.1600")

    township = data["township"]
    assert (township["associations"], township["weak_villages"]) == (2, 1)
    assert (township["collective_income"], township["expenses"], township["net"]) == (
        "145000.00",
        "12000.00",
        "133000.00",
    )
    assert (township["area_transferred_mu"], township["rent_due_fen"], township["rent_paid_fen"]) == (
        "12.5000",
        750000,
        300000,
    )
    # All nine: 100 100 100 200 200 300 400 600 1000 (S = 3000): mean 333.33, median 200.
    # Gini: 2 * 2,080,000 / (9 * 300,000) - 10/9 = 0.42963 → 0.4296.
    # Bottom 20 %: 1.8 households = 100 + 0.8 * 100 = 180 → 0.06. Bottom 80 %: 7.2 households =
    # 1400 + 0.2 * 600 = 1520, top 20 % = 1480/3000; ratio 1480/180 = 8.2222. Bottom 40 %: 3.6 = 300 + 0.6 * 200 → 0.14.
    assert (township["households_with_payout"], township["households_paid"]) == (9, 4)
    assert (township["mean_payout"], township["mean_payout_fen"], township["median_payout"]) == (
        "333.33",
        33333,
        "200.00",
    )
    assert (township["gini"], township["top_20_to_bottom_20"], township["bottom_40_share"]) == (
        "0.4296",
        "8.2222",
        "0.1400",
    )


def test_the_weak_village_line_is_a_setting(small_case, township_client, settings):
    settings.REPORTS_WEAK_VILLAGE_THRESHOLD_FEN = 3_000_000
    data = report(township_client)
    assert [row["weak_village"] for row in data["associations"]] == [False, False]
    assert data["weak_village_threshold"] == "30000.00"


def test_a_key_for_one_association_gets_its_row_and_no_township_total(small_case, client_a):
    data = report(client_a)
    assert [row["association_code"] for row in data["associations"]] == ["A01"]
    assert data["associations"][0]["gini"] == "0.4000"
    assert data["township"] is None


def test_a_farmer_gets_no_report(small_case, farmer_a):
    data = report(session_client(farmer_a))
    assert data["associations"] == [] and data["township"] is None


def test_a_year_without_a_run_has_no_payout_figures(small_case, township_client):
    a01 = report(township_client, 2023)["associations"][0]
    assert (a01["revenue"], a01["income_from_company"], a01["households_with_payout"]) == ("40000.00", "0.00", 0)
    assert (a01["mean_payout"], a01["median_payout"], a01["gini"]) == (None, None, None)


def test_the_year_defaults_to_the_latest_computed_one_and_is_checked(small_case, township_client):
    response = township_client.get("/api/v1/reports/annual/")
    assert response.status_code == 200
    assert response.json()["year"] == report(township_client)["year"]
    assert township_client.get("/api/v1/reports/annual/?year=abc").status_code == 400


def test_the_township_total_needs_every_association(small_case, township_client, township):
    Organisation.objects.create(code="A03", name="第三村", kind=Organisation.Kind.COLLECTIVE, township=township)
    data = report(township_client)
    assert len(data["associations"]) == 3
    assert data["township"]["associations"] == 3
    assert data["township"]["weak_villages"] == 2


def test_equal_payouts_have_a_gini_of_zero():
    figures = payout_indicators([500, 500, 500, 500, 500], paid=0)
    assert (figures["gini"], figures["top_20_to_bottom_20"], figures["bottom_40_share"]) == (
        "0.0000",
        "1.0000",
        "0.4000",
    )


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=40))
def test_the_gini_formula_equals_the_mean_absolute_difference(amounts):
    amounts = sorted(amounts)
    n, total = len(amounts), sum(amounts)
    pairs = sum(abs(x - y) for x in amounts for y in amounts)
    assert gini(amounts) == Fraction(pairs, 2 * n * total)
    assert lorenz(amounts, Fraction(1)) == 1 and lorenz(amounts, Fraction(0)) == 0
    assert lorenz(amounts, Fraction(2, 5)) <= Fraction(2, 5)


def test_a_contract_and_its_renewal_in_one_year_transfer_their_parcel_once(small_case, township_client, company):
    """The demo's GT01 counted 241.2 mu in 2024 for parcels of 225 mu: renewals were added to their contracts."""
    household = Household.objects.get(code="A01-002")
    parcel = Parcel.objects.create(
        code="P-A01-002", association=household.association, area_mu=D("8"), contract_household=household
    )
    first = land.draft_contract(
        number="HT-A01-002",
        household=household,
        transferee=company,
        start_date=date(2019, 7, 1),
        end_date=date(2024, 6, 30),
        rent_per_mu_fen=60000,
        parcels=[(parcel, D("8"))],
    )
    land.sign_contract(contract=first, signed_on=date(2019, 7, 1))
    renewal = land.renew_contract(contract=first, number="HT-A01-002-XQ", end_date=date(2034, 6, 30))
    land.sign_contract(contract=renewal, signed_on=date(2024, 6, 1))
    a01, _a02 = report(township_client)["associations"]
    assert a01["area_transferred_mu"] == "20.5000"  # 12.5 + 8, not 12.5 + 8 + 8
    assert report(township_client)["township"]["area_transferred_mu"] == "20.5000"
    assert report(township_client, 2025)["associations"][0]["area_transferred_mu"] == "20.5000"
