"""The set-based freeze of a run (one INSERT … SELECT on PostgreSQL) gives the engine's holders, ordinals and lines.

Household codes that a database collation would order differently from Python (upper and lower
case, Chinese characters) and equal weights, so that the left-over fen go by the holders' order.
"""

from datetime import date
from decimal import Decimal

import pytest

from collective.models import EquityEvent, Household, ShareEvent, ShareEventLine, ShareType
from collective.services import registry_as_of
from dividends import engine, services
from dividends.models import DistributionPolicy, LedgerEntry, PayoutPart
from dividends.services.inputs import LedgerReference, gather_inputs

CODES = ["A01-010", "A01-b", "A01-甲", "A01-B", "A01-002", "A01-Z", "A01-乙", "A01-a1", "A01-A1"]


@pytest.mark.django_db
# 2: the pool spans several chunks and prepare plans where its left-over fen run out; 20000: its one
# chunk ranks the lines itself and pays its holders in the same statement.
@pytest.mark.parametrize("chunk_households", [2, 20000])
def test_the_frozen_registry_and_the_chunks_give_the_engines_lines(
    company, association_a, accountant, settings, chunk_households
):
    settings.DIVIDENDS_CHUNK_HOUSEHOLDS = chunk_households
    population = ShareType.objects.create(association=association_a, code="population", name="P", weight=Decimal(1))
    labour = ShareType.objects.create(association=association_a, code="labour", name="L", weight=Decimal("0.1"))
    collective = ShareType.objects.create(
        association=association_a, code="collective", name="C", weight=Decimal(1), is_collective=True
    )
    households = Household.objects.bulk_create(Household(association=association_a, code=code) for code in CODES)
    issue = ShareEvent.objects.create(
        association=association_a, kind=ShareEvent.Kind.ISSUE, effective_date=date(2021, 1, 1)
    )
    lines = [
        ShareEventLine(event=issue, household=household, share_type=population, quantity_delta=Decimal(3))
        for household in households
    ]
    lines += [ShareEventLine(event=issue, household=households[0], share_type=labour, quantity_delta=Decimal("12.5"))]
    lines += [ShareEventLine(event=issue, household=None, share_type=collective, quantity_delta=Decimal(3))]
    ShareEventLine.objects.bulk_create(lines)
    # A holding cancelled to zero is no line; one recorded after the record date does not count.
    cancel = ShareEvent.objects.create(
        association=association_a, kind=ShareEvent.Kind.CANCELLATION, effective_date=date(2022, 1, 1)
    )
    ShareEventLine.objects.create(
        event=cancel, household=households[0], share_type=labour, quantity_delta=Decimal("-12.5")
    )
    late = ShareEvent.objects.create(
        association=association_a, kind=ShareEvent.Kind.ISSUE, effective_date=date(2025, 1, 1)
    )
    ShareEventLine.objects.create(event=late, household=households[1], share_type=population, quantity_delta=Decimal(7))
    EquityEvent.objects.create(
        company=company,
        holder=association_a,
        effective_date=date(2020, 6, 1),
        shares_delta=1,
        reason=EquityEvent.Reason.FOUNDING,
    )
    LedgerEntry.objects.create(
        organisation=company,
        direction=LedgerEntry.Direction.REVENUE,
        category=LedgerEntry.Category.RENTAL,
        rental_source=LedgerEntry.RentalSource.OTHER,
        entry_date=date(2024, 6, 1),
        amount_fen=1_000_003,
    )
    policy = DistributionPolicy.objects.create(
        organisation=company,
        year=2024,
        land_share_rate=Decimal("0.3"),
        reserve_rate=Decimal("0.2"),
        welfare_rate=Decimal("0.1"),
        payout_rate=Decimal("0.8"),
        retention_rate=Decimal("0.1"),
        record_date=date(2024, 12, 31),
    )
    run = services.compute_run_now(user=accountant, run=services.create_run(user=accountant, policy=policy))
    assert run.status == run.Status.COMPUTED, run.error

    gathered = gather_inputs(run=run)
    holdings = dict(gathered.holdings)
    expected = engine.compute_run(gathered.company, holdings)
    holders = engine.shareholders(holdings[association_a.pk])
    assert [h.household_code for h in holders][:3] == ["A01-002", "A01-010", "A01-A1"]
    # The run's holdings are the ledger's up to its mark: the same rows as the registry on the record date.
    assert run.ledger_mark == ShareEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    referenced = LedgerReference.of_run(run).holdings()[association_a.pk]
    assert sorted((h.household_code or "", h.share_type_code, h.quantity) for h in referenced) == sorted(
        (h.household_code or "", h.share_type_code, h.quantity)
        for h in registry_as_of(association=association_a, as_of=date(2024, 12, 31))
    )
    # Each holder's share line carries its ordinal in the holders' order (set-based on PostgreSQL).
    assert [
        (line.ordinal, line.household_id)
        for line in PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND).order_by("ordinal")
    ] == [(ordinal, holder.household_id) for ordinal, holder in enumerate(holders)]
    share_lines = PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND).order_by("ordinal")
    assert [(line.ordinal, line.household_id, line.amount_fen) for line in share_lines] == [
        (line.ordinal, line.household_id, line.amount_fen) for line in expected.share_lines
    ]
    assert {p.household_id: p.total_fen for p in run.payouts.all()} == {
        household: amounts.total_fen for household, amounts in expected.payouts.items()
    }
    # Equal weights: the left-over fen went by the holders' order, not by the database's collation.
    assert len({line.amount_fen for line in expected.share_lines if line.household_id}) == 2
