"""Every officials' list page reads a page of rows in a constant number of queries, whatever the registry's size.

A doubling test: the same page at N and at 2N rows runs the same number of queries, at most nine
(the session, the user and the official's second-factor device are three of them); and django-zeal
raises if a row lazily loads a relation that the view did not fetch with its list (an N+1).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Session, user, the page's own few, the official's second-factor device and the menu's unread count.
MAX_PAGE_QUERIES = 10
N = 6


def _pages(county):
    run = county.run.pk
    return [
        ("village_a", "collective:household-list", {}),
        ("township", "collective:household-list", {}),
        ("village_a", "collective:registry", {}),
        ("village_a", "land:parcel-list", {}),
        ("township", "land:contract-list", {}),
        ("accountant", "land:contract-list", {}),
        ("village_a", "land:labour-list", {}),
        ("accountant", "dividends:ledger-list", {}),
        ("accountant", "dividends:run-list", {}),
        ("accountant", "dividends:payout-list", {"pk": run}),
        ("village_a", "dividends:payout-list", {"pk": run}),
        ("township", "dividends:payout-list", {"pk": run}),
        ("pear_staff", "association:grower-list", {}),
        ("pear_staff", "association:training-list", {}),
    ]


def _queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return len(captured), [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def officials(township_official, village_official_a, accountant, association_staff):
    return {
        "township": township_official,
        "village_a": village_official_a,
        "accountant": accountant,
        "pear_staff": association_staff,
    }


@pytest.mark.django_db
def test_each_list_page_runs_the_same_few_queries_at_n_and_2n_rows(client, county, officials, n_plus_one_raises):
    county.grow(N)
    pages = _pages(county)
    before = {}
    for username, name, kwargs in pages:
        client.force_login(officials[username])
        url = reverse(name, kwargs=kwargs)
        with n_plus_one_raises():
            before[(username, url)] = _queries(client, url)
    county.grow(N)
    problems = []
    for username, name, kwargs in pages:
        client.force_login(officials[username])
        url = reverse(name, kwargs=kwargs)
        with n_plus_one_raises():
            after, _queries_after = _queries(client, url)
        count, queries = before[(username, url)]
        if after != count:
            problems.append(f"{name} as {username}: {count} queries at {N} rows, {after} at {2 * N}")
        elif count > MAX_PAGE_QUERIES:
            problems.append(f"{name} as {username}: {count} queries\n    " + "\n    ".join(q[:160] for q in queries))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_detector_raises_on_a_lazy_load_per_row(county, n_plus_one_raises):
    """The guard itself: reading each household's head without select_related is an N+1, and raises."""
    from zeal import NPlusOneError

    from collective.models import Household

    county.grow(3)
    with n_plus_one_raises(), pytest.raises(NPlusOneError):
        [household.head.name for household in Household.objects.all()]
    with n_plus_one_raises():
        [household.head.name for household in Household.objects.select_related("head")]


# --- The farmer's payouts page: every year and run of the household, with the reasons --------------------

# The session, the user, the household, its payouts with their runs, then its contract lines, labour
# lines, holdings and share-dividend lines of all those runs, the pools that explain them, its objections.
# 11 since a run's holdings are read from the share ledger up to its mark: the runs' marks, then the
# household's ledger lines once for all of them (they were one query of frozen holdings).
PAYOUTS_PAGE_QUERIES = 11


def _publish_runs(county, household, farmer, years) -> None:
    """A published run a year with every kind of line for the household, and a reversal of the first."""
    from collective.models import ShareEvent
    from dividends import engine
    from dividends.models import (
        DistributionRun,
        Objection,
        Payout,
        PayoutPart,
        Pool,
        RunContractLine,
        RunLabourLine,
    )

    association = county.association
    for year in years:
        run = DistributionRun.objects.create(
            company=county.company,
            year=year,
            policy=county.policy,
            status=DistributionRun.Status.APPROVED,
            notes=[engine.NOTE_LAND_LOSS] if year % 2 else [],
            # Its holdings: the share ledger up to its mark on the record date (2 population shares each).
            # (the county's shares are issued on 2021-01-01: a record date on or after it shows them)
            record_date=date(max(year, 2021), 12, 31),
            ledger_mark=ShareEvent.objects.order_by("-pk").values_list("pk", flat=True).first(),
            inputs={
                "equity": [{"association_id": association.pk, "code": association.code, "shares": 1}],
                "share_types": [{"id": county.population.pk, "code": "population", "weight": "1.0000"}],
            },
        )
        Pool.objects.create(run=run, kind=engine.POOL_LAND_DIVIDEND, amount_fen=50000, total_weight=100)
        split = Pool.objects.create(
            run=run, kind=engine.POOL_SPLIT, association=association, amount_fen=90000, total_weight=30
        )
        payout = Payout.objects.create(
            run=run,
            household=household,
            household_code=household.code,
            association=association,
            rent_fen=120000,
            land_dividend_fen=5000,
            share_dividend_fen=6000,
            wage_fen=24000,
            total_fen=155000,
        )
        RunContractLine.objects.bulk_create(
            RunContractLine(
                run=run,
                ordinal=ordinal,
                contract_id=ordinal,
                contract_number=f"HT-{year}-{ordinal}",
                parcel_code=f"P-{ordinal}",
                household=household,
                household_code=household.code,
                association=association,
                area_mu=Decimal(1),
                rent_per_mu_fen="60000",
                days_active=365,
                days_in_year=365,
                profit_share=True,
                profit_share_weight=Decimal(1),
                land_weight=Decimal(365),
                rent_fen=60000,
                land_dividend_fen=2500,
            )
            for ordinal in (1, 2)
        )
        RunLabourLine.objects.bulk_create(
            RunLabourLine(
                run=run,
                record_id=year * 10 + day,
                household=household,
                household_code=household.code,
                association=association,
                member_name="户主",
                work_date=date(year, 5, day),
                days=Decimal(1),
                day_wage_fen=12000,
                wage_fen=12000,
            )
            for day in (1, 2)
        )
        PayoutPart.objects.create(
            run=run,
            household=household,
            association=association,
            part=engine.SHARE_DIVIDEND,
            pool=split,
            weight=Decimal(2),
            floor_fen=6000,
            amount_fen=6000,
        )
        Objection.objects.create(
            run=run, household=household, payout=payout, amount_fen=155000, raised_by=farmer, text=f"异议 {year}"
        )
    first = DistributionRun.objects.get(year=years[0], kind=DistributionRun.Kind.REGULAR, company=county.company)
    reversal = DistributionRun.objects.create(
        company=county.company,
        year=first.year,
        policy=county.policy,
        kind=DistributionRun.Kind.REVERSAL,
        reverses=first,
        status=DistributionRun.Status.APPROVED,
    )
    Payout.objects.create(
        run=reversal,
        household=household,
        household_code=household.code,
        association=association,
        rent_fen=-120000,
        land_dividend_fen=-5000,
        share_dividend_fen=-6000,
        wage_fen=-24000,
        total_fen=-155000,
    )


@pytest.mark.django_db
def test_the_farmers_payouts_page_reads_every_year_in_the_same_few_queries(client, county, n_plus_one_raises):
    from collective.models import Household, User
    from tests.conftest import make_user

    county.grow(2)
    household = Household.objects.filter(association=county.association).order_by("pk").first()
    farmer = make_user("13800000009", User.Role.FARMER, household=household, phone="13800000009")
    client.force_login(farmer)
    url = reverse("portal:payouts", kwargs={"household_pk": household.pk})
    counts = []
    for years in ([2016, 2017, 2018], [2019, 2020, 2021]):
        _publish_runs(county, household, farmer, years)
        with n_plus_one_raises():
            count, queries = _queries(client, url)
        counts.append(count)
    page = client.get(url).content.decode()
    # Every year and run is on the page, with its lines, pools, holdings and objections.
    for year in range(2016, 2022):
        assert f'id="year-{year}"' in page and f"HT-{year}-2" in page and f"异议 {year}" in page
    # Six runs and two reversals; a reversal's reasons are its run's, shown once, on the run's card.
    assert page.count('class="run-card"') == 8 and page.count("人口股") == 6
    assert page.count("本次冲销逐行抵消") == 2
    assert counts == [PAYOUTS_PAGE_QUERIES, PAYOUTS_PAGE_QUERIES], "\n    ".join(q[:160] for q in queries)
