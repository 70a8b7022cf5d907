"""API fixtures: keys for every scope, clients that send them, and a world built through the services.

The world is DESIGN.md's appendix (built by tests/dividends' fixtures, computed by the real run, put
on public notice) plus what the other endpoints need: an association's books, rent schedules and a
payment, an objection, and the pear association's trainings, harvests and cold store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from association import services as pear
from association.models import ColdStore, Cultivar
from collective.models import Organisation
from collective.services.accounts import create_api_key
from dividends import services as money
from dividends.models import DistributionRun, LedgerEntry
from land.models import LandTransferContract
from land.services import record_rent_payment
from tests.dividends import conftest as dividends_fixtures
from tests.dividends.conftest import World

# The appendix scenario, built as the dividends tests build it (their fixtures, registered here too).
appendix = dividends_fixtures.appendix
compute = dividends_fixtures.compute
household_a = dividends_fixtures.household_a
household_b = dividends_fixtures.household_b


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


@pytest.fixture
def make_key(township_official):
    """make_key(organisation) -> the plain key of a new key scoped to it."""

    def make(organisation: Organisation, name: str = "农经站报表系统") -> str:
        _key, raw_key = create_api_key(name=name, organisation=organisation, created_by=township_official)
        return raw_key

    return make


@pytest.fixture
def township_client(make_key, township) -> APIClient:
    return key_client(make_key(township))


@pytest.fixture
def client_a(make_key, association_a) -> APIClient:
    """A key for association A01 only."""
    return key_client(make_key(association_a))


@pytest.fixture
def client_b(make_key, association_b) -> APIClient:
    return key_client(make_key(association_b))


@pytest.fixture
def pear_client(make_key, pear_association) -> APIClient:
    return key_client(make_key(pear_association))


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@dataclass
class ApiWorld:
    scenario: World
    run: DistributionRun


@pytest.fixture
def world(
    appendix, compute, accountant, village_official_a, village_official_b, farmer_a, pear_association, association_a
) -> ApiWorld:
    """The appendix run, computed and on public notice, with the rest of the records the API shows."""
    run = compute(appendix.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    run = money.publish_notice(user=accountant, run=run, starts_on=date(2025, 3, 1), published_on=date(2025, 3, 1))
    money.lodge_objection(
        user=farmer_a, payout=run.payouts.get(household__code="A01-001"), text="@SUM(1+1) 租金面积不对"
    )
    money.lodge_objection(
        user=village_official_b, payout=run.payouts.get(household__code="A02-002"), text="务工天数少记了半天"
    )

    # A01's own books of 2024: ¥60,000.00 revenue, ¥12,000.00 expenses.
    for direction, category, fen in (
        (LedgerEntry.Direction.REVENUE, LedgerEntry.Category.SERVICES, 6_000_000),
        (LedgerEntry.Direction.EXPENSE, LedgerEntry.Category.ADMINISTRATION, 1_200_000),
    ):
        money.record_entry(
            user=village_official_a,
            organisation=association_a,
            direction=direction,
            category=category,
            entry_date=date(2024, 11, 1),
            amount_fen=fen,
            counterparty='=HYPERLINK("http://evil")' if direction == LedgerEntry.Direction.REVENUE else "",
        )

    # A02 borrowed ¥5,000.00: money in, but not income.
    money.record_entry(
        user=village_official_b,
        organisation=village_official_b.organisation,
        direction=LedgerEntry.Direction.REVENUE,
        category=LedgerEntry.Category.BORROWING,
        entry_date=date(2024, 5, 1),
        amount_fen=500000,
    )

    # The 2024 rent of HT-2021-001 paid in full, ¥5,000.00 of HT-2022-003's.
    for number, fen, reference in (("HT-2021-001", 750000, "BANK-1"), ("HT-2022-003", 500000, "BANK-2")):
        record_rent_payment(
            contract=LandTransferContract.objects.get(number=number),
            paid_on=date(2024, 12, 20),
            amount_fen=fen,
            reference=reference,
            first_year=2024,
        )

    # The pear association: two sessions of 2023 and one of 2024, a harvest, a cold store with one lot.
    cultivar = Cultivar.objects.create(name="玉露香")
    growers = [
        pear.create_grower(
            association=pear_association,
            name=f"梨农{index}",
            orchard_area_mu=Decimal("3.5"),
            joined_on=date(2020, 1, 1),
            cultivars=[cultivar],
        )
        for index in range(2)
    ]
    for held_on in (date(2023, 3, 1), date(2023, 9, 1), date(2024, 3, 1)):
        session = pear.create_training_session(
            association=pear_association, held_on=held_on, topic="pruning", trainer="省农科院", place="甘田村"
        )
        pear.record_attendance(session=session, growers=growers)
    pear.record_harvest(
        grower=growers[0], season=2024, cultivar=cultivar, premium_kg=1200, standard_kg=800, substandard_kg=100
    )
    store = ColdStore.objects.create(
        association=pear_association, code="PEAR-CS1", name="甘田冷库", capacity_kg=500_000
    )
    pear.book_in(
        store=store, grower=growers[0], cultivar=cultivar, grade="premium", quantity_kg=2000, stored_on=date(2024, 9, 1)
    )
    return ApiWorld(scenario=appendix, run=run)
