"""Labour is credited to the household the member belonged to on the day of the work (issue 24).

docs/land.md: "the household is the member's on the day of the work". A member of A01-001 who works
on 2024-05-10, splits off to A01-002 on 2024-09-01 and has the work recorded afterwards was paid to
A01-002; the wage belongs to A01-001.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from collective import services as registry
from collective.models import Household, Member
from collective.services.accounts import create_api_key
from dividends.models import DistributionRun, RunLabourLine
from land.models import LabourRecord
from tests.dividends.conftest import EXPENSE, REVENUE, Builder, Category, World

D = Decimal


@pytest.fixture
def split_year(company, association_a, accountant) -> World:
    """A01-001 with a member who works in May 2024 and splits off to A01-002 on 2024-09-01."""
    world = World(company=company)
    build = Builder(world, accountant)
    build.equity(association_a, 1000)
    population = build.share_type(association_a, "population", "1")
    home = build.household(association_a, "A01-001")
    leaving = build.member(home, "分户成员")
    build.shares(home, association_a, "population", "4")
    registry.split_household(
        household=home,
        effective_date=date(2024, 9, 1),
        new_code="A01-002",
        new_head=leaving,
        members=[leaving],
        kept={population: D(3)},
        moved={population: D(1)},
    )
    world.households["A01-002"] = Household.objects.get(code="A01-002")
    world.heads["leaving"] = Member.objects.get(pk=leaving.pk)
    build.entry(REVENUE, Category.RENTAL, "10000.00", date(2024, 6, 30), source="lvhe_market")
    build.entry(EXPENSE, Category.ADMINISTRATION, "1000.00", date(2024, 12, 1))
    build.policy(2024, "0.30", "0.20", "0.10", "0.80", "0.10", date(2024, 12, 31))
    return world


def test_late_recorded_labour_pays_the_household_of_the_work_date(
    split_year, compute, township_official, township, accountant
):
    member = split_year.heads["leaving"]
    assert member.household.code == "A01-002"
    # Recorded now, long after the split: the work was done in A01-001.
    Builder(split_year, accountant).labour(member, date(2024, 5, 10), "12", "120.00")
    record = LabourRecord.objects.get(member=member)
    assert record.household.code == "A01-001"

    run = compute(split_year.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    wages = dict(run.payouts.values_list("household__code", "wage_fen"))
    assert wages["A01-001"] == 144000
    assert wages["A01-002"] == 0
    line = RunLabourLine.objects.get(run=run)
    assert (line.household_code, line.member_id, line.left_household_on) == ("A01-001", member.pk, date(2024, 9, 1))

    # The inputs document says which household and why.
    _key, raw = create_api_key(name="check", organisation=township, created_by=township_official)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    [published] = client.get(f"/api/v1/distribution-runs/{run.pk}/inputs/").json()["labour_lines"]
    assert published["household_code"] == "A01-001"
    assert published["member"] == member.pk
    assert published["household_basis"] == "left_after_work"
    assert published["left_household_on"] == "2024-09-01"
    assert published["member_name"] == "分户成员"


def test_a_move_recorded_after_the_labour_and_dated_before_the_work_moves_the_wage(
    split_year, compute, accountant, association_a
):
    """The run reads the member's household on the work date from the moves, not from the record."""
    head = split_year.heads["A01-001"]
    build = Builder(split_year, accountant)
    build.labour(head, date(2024, 10, 20), "2", "150.00")
    assert LabourRecord.objects.get(member=head).household.code == "A01-001"
    # Then the head's move to A01-002 on 2024-10-01 is recorded, dated before the work.
    registry.move_member(
        member=head,
        to_household=split_year.household("A01-002"),
        moved_on=date(2024, 10, 1),
        relation=Member.Relation.OTHER,
    )
    run = compute(split_year.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    wages = dict(run.payouts.values_list("household__code", "wage_fen"))
    assert wages["A01-002"] == 30000
    assert wages.get("A01-001", 0) == 0
    line = RunLabourLine.objects.get(run=run)
    assert (line.household_code, line.left_household_on) == ("A01-002", None)
