"""Every list costs the same few queries whatever its length: measured at N and 2N rows."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from association import services as pear
from association.models import ColdStore, Cultivar
from collective import services as registry
from collective.models import EquityEvent, Member, Organisation, ShareType
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Objection, Payout
from land import services as land
from land.models import Parcel
from tests.api.test_scoping import LISTS
from tests.dividends.conftest import id_number

D = Decimal
# A list is its count, its totals, its rows and a prefetch at most, plus the key's own look-up.
MAX_QUERIES = 5
# The annual report gathers each kind of figure in one query of its own.
MAX_REPORT_QUERIES = 10


def grow(world, n: int, start: int, *, township, company, pear_association, farmer) -> None:
    """Add n of everything: households with a member, shares, a contract, rent, labour, books, payouts..."""
    cultivar, _created = Cultivar.objects.get_or_create(name="玉露香")
    for i in range(start, start + n):
        association = Organisation.objects.create(
            code=f"A9{i:02d}", name=f"合成村{i}", kind=Organisation.Kind.COLLECTIVE, township=township
        )
        EquityEvent.objects.create(
            company=company, holder=association, effective_date=date(2020, 1, 1), shares_delta=10, reason="founding"
        )
        share_type = ShareType.objects.create(association=association, code="population", name="人口股", weight=1)
        for existing in world.scenario.associations.values():
            ShareType.objects.create(association=existing, code=f"t{i}", name=f"股{i}", weight=1)
        household = registry.create_household(
            association=association, code=f"A9{i:02d}-001", bank_account=f"62220000{i:08d}"
        )
        member = registry.register_member(
            household=household,
            name=f"成员{i}",
            sex=Member.Sex.MALE,
            birth_date=date(1970, 1, 1),
            id_number=id_number(date(1970, 1, 1)),
            relation=Member.Relation.HEAD,
        )
        registry.issue_shares(
            association=association,
            household=household,
            share_type=share_type,
            quantity=D(3),
            effective_date=date(2021, 1, 1),
        )
        parcel = land.save_parcel(
            parcel=Parcel(code=f"P-9{i:02d}", association=association, area_mu=D("5"), contract_household=household)
        )
        contract = land.draft_contract(
            number=f"HT-9{i:02d}",
            household=household,
            transferee=company,
            start_date=date(2022, 1, 1),
            end_date=date(2026, 12, 31),
            rent_per_mu_fen=50000,
            parcels=[(parcel, D("5"))],
        )
        land.sign_contract(contract=contract, signed_on=date(2022, 1, 1))
        land.record_rent_payment(contract=contract, paid_on=date(2024, 12, 1), amount_fen=100000, first_year=2024)
        land.record_labour(
            member=member, employer=company, work_date=date(2024, 4, 1), days=D(2), day_wage_fen=12000, task="整治"
        )
        for direction, category in (("revenue", "services"), ("expense", "administration")):
            LedgerEntry.objects.create(
                organisation=association,
                direction=direction,
                category=category,
                amount_fen=1000,
                entry_date=date(2024, 1, 2),
            )
        payout = Payout.objects.create(
            run=world.run,
            household=household,
            household_code=household.code,
            association=association,
            rent_fen=100,
            total_fen=100,
        )
        Objection.objects.create(
            run=world.run, household=household, payout=payout, amount_fen=100, raised_by=farmer, text="核对"
        )
        policy = DistributionPolicy.objects.create(
            organisation=company,
            year=2030 + i,
            land_share_rate=D("0.3"),
            reserve_rate=D("0.2"),
            welfare_rate=D("0.1"),
            payout_rate=D("0.8"),
            retention_rate=D("0.1"),
            record_date=date(2030 + i, 12, 31),
        )
        DistributionRun.objects.create(company=company, year=2030 + i, policy=policy)
        session = pear.create_training_session(
            association=pear_association, held_on=date(2010 + i, 3, 1), topic="pruning", trainer="专家", place="甘田"
        )
        grower = pear.create_grower(
            association=pear_association, name=f"梨农{i}", orchard_area_mu=D(2), joined_on=date(2020, 1, 1)
        )
        pear.record_attendance(session=session, growers=[grower])
        pear.record_harvest(
            grower=grower, season=2010 + i, cultivar=cultivar, premium_kg=10, standard_kg=0, substandard_kg=0
        )
        ColdStore.objects.create(association=pear_association, code=f"CS-{i}", name=f"冷库{i}", capacity_kg=1000)


def queries(client, url: str) -> tuple[int, int]:
    separator = "&" if "?" in url else "?"
    url = f"{url}{separator}page_size=1000"
    client.get(url)  # the key's last-used time is written on the first request of the minute
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    data = response.json()
    size = data["count"] if "count" in data else len(data["associations"])
    return len(captured), size


def test_every_list_costs_the_same_few_queries_at_n_and_2n_rows(
    world, township_client, township, company, pear_association, farmer_a
):
    fixtures = {"township": township, "company": company, "pear_association": pear_association, "farmer": farmer_a}
    grow(world, 3, 0, **fixtures)
    at_n = {url: queries(township_client, url) for url in LISTS}
    grow(world, 10, 3, **fixtures)
    at_2n = {url: queries(township_client, url) for url in LISTS}
    for url in LISTS:
        (count_n, rows_n), (count_2n, rows_2n) = at_n[url], at_2n[url]
        assert rows_n > 0 and rows_2n >= 2 * rows_n, url
        assert count_2n == count_n, url
        assert count_n <= (MAX_REPORT_QUERIES if "reports" in url else MAX_QUERIES), (url, count_n)


def test_the_run_documents_cost_the_same_queries_for_more_lines(
    world, township_client, township, company, pear_association, farmer_a
):
    fixtures = {"township": township, "company": company, "pear_association": pear_association, "farmer": farmer_a}
    counts = []
    for start in (0, 3):
        grow(world, 3, start, **fixtures)
        for document in ("inputs", "payouts"):
            url = f"/api/v1/distribution-runs/{world.run.pk}/{document}/"
            township_client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert township_client.get(url).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:]
