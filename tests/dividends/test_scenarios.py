"""Runs worked by hand: our own 2023 scenario, a loss year, borrowed funds, and refusals that name a pool."""

from datetime import date

from collective.models import Household
from dividends import engine, services
from dividends.models import DistributionRun, LedgerEntry, PayoutPart, Pool
from dividends.services.finish import check_pools
from dividends.services.inputs import LedgerReference
from tests.dividends.conftest import EXPENSE, REVENUE, lines_of

Category = LedgerEntry.Category


def test_scenario_b_matches_the_arithmetic_worked_by_hand(scenario_b, compute):
    """Fiscal year 2023 (365 days). Policy: land 0.40, reserve 0.25, welfare 0.10, payout 0.60, retention 0.05.

    Rent (step 1):
      HT-2019-010/P-10, A01-002: 10 mu at 500.00 rising 10 % every 2 years from 2019: two rises by 2023,
        500 * 1.1^2 = 605.00 → 10 * 60500 * 365/365 = 605000
      HT-2020-012/P-12, A02-001: 7.25 * 52000 = 377000 (no profit share)
      HT-2023-011/P-11, A01-001: 6.5 mu at 400.00 from 2023-04-01: 275 days → 6.5 * 40000 * 275/365
        = 195890.41… → 195890
      total rent 1177890
    Wages (step 2): A01-001 2 * 135.50 = 27100; A02-002 3.5 * 150.00 = 52500; total 79600
    Land (step 3): 900000 - 300000 - 1177890 = -577890: a loss, so the land pool is 0.
    Net (step 4): revenue 900000 + 15000000 + 2000000 = 17900000; expenses 300000 + 2500000 + 1000000 = 3800000;
      17900000 - 3800000 - 1177890 - 79600 - 0 = 12842510
    Step 5: reserve floor(* 0.25) = 3210627 (…627.5); welfare floor(* 0.10) = 1284251; distributable 8347632
    Step 6: shareholder pool floor(8347632 * 0.6) = 5008579 (…579.2); retained 3339053.
      Equity A01 700 : A02 300 → 3506005.3 and 1502573.7 → floors 3506005 + 1502573 = 5008578, the spare
      fen to A02's larger remainder: A01 3506005, A02 1502574.
    Step 7, A01: retention floor(3506005 * 0.05) = 175300; split 3330705 over the registry on 2023-12-31:
      A01-001 after the split 2 population + 2 labour * 0.5 = 3; A01-002 4 (its 10 shares of 2024 do not
      count); A01-004 (split off on 2023-09-01) 1 + 2 * 0.5 = 2; total 9.
      3330705 * 3/9 = 1110235 exactly; * 4/9 = 1480313.33; * 2/9 = 740156.67 → floors sum 3330704, the spare
      fen to A01-004 (remainder 2/3): 1110235 / 1480313 / 740157.
    Step 7, A02: retention floor(1502574 * 0.05) = 75128; split 1427446 over A02-001 5, A02-002 2 and the
      association's collective 3 (total 10): 713723 / 285489.2 / 428233.8 → floors sum 1427445, the spare
      fen to the collective line (remainder 0.8): 713723 / 285489 / 428234.
    """
    run = compute(scenario_b.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    figures = run.figures
    assert (figures["rent_fen"], figures["wages_fen"], figures["land_profit_fen"], figures["land_pool_fen"]) == (
        1177890,
        79600,
        -577890,
        0,
    )
    assert figures["net_profit_fen"] == 12842510
    assert (figures["reserve_fen"], figures["welfare_fen"], figures["distributable_fen"]) == (3210627, 1284251, 8347632)
    assert (figures["shareholder_pool_fen"], figures["retained_fen"]) == (5008579, 3339053)
    assert engine.NOTE_LAND_LOSS in run.notes
    assert engine.NOTE_NET_LOSS not in run.notes
    assert run.contract_lines.get(contract_number="HT-2019-010").rent_per_mu == 60500
    assert run.contract_lines.get(contract_number="HT-2023-011").days_active == 275
    received = {
        (pool.kind, pool.association.code): pool.amount_fen
        for pool in run.pools.filter(association__isnull=False).select_related("association")
    }
    assert received == {
        (engine.POOL_RECEIVED, "A01"): 3506005,
        (engine.POOL_RETENTION, "A01"): 175300,
        (engine.POOL_SPLIT, "A01"): 3330705,
        (engine.POOL_RECEIVED, "A02"): 1502574,
        (engine.POOL_RETENTION, "A02"): 75128,
        (engine.POOL_SPLIT, "A02"): 1427446,
    }
    assert PayoutPart.objects.get(run=run, household__isnull=True).amount_fen == 428234
    assert lines_of(run)[0] == [
        ("A01-001", 195890, 0, 1110235, 27100, 1333225),
        ("A01-002", 605000, 0, 1480313, 0, 2085313),
        ("A01-004", 0, 0, 740157, 0, 740157),
        ("A02-001", 377000, 0, 713723, 0, 1090723),
        ("A02-002", 0, 0, 285489, 52500, 337989),
    ]
    # The run's holdings are the ledger's up to its mark on the record date.
    a01 = run.pools.get(kind=engine.POOL_SPLIT, association__code="A01").association_id
    frozen = {(h.household_code, h.share_type_code): h.quantity for h in LedgerReference.of_run(run).holdings()[a01]}
    assert frozen == {
        ("A01-001", "population"): 2,
        ("A01-001", "labour"): 2,
        ("A01-002", "population"): 4,
        ("A01-004", "population"): 1,
        ("A01-004", "labour"): 2,
    }


def test_the_frozen_inputs_keep_the_run_explainable_after_the_registry_changes(scenario_b, compute):
    from collective import services as registry

    run = compute(scenario_b.policy)
    before = lines_of(run)
    registry.issue_shares(
        association=scenario_b.associations["A01"],
        household=scenario_b.household("A01-002"),
        share_type=scenario_b.share_types[("A01", "population")],
        quantity=5,
        effective_date=date(2023, 6, 1),
    )
    run.refresh_from_db()
    assert lines_of(run) == before
    # The new event is above the run's mark: the run's holdings, read from the ledger, have not changed.
    holdings = LedgerReference.of_run(run).holdings(household_ids=[scenario_b.household("A01-002").pk])
    assert [(h.share_type_code, h.quantity) for rows in holdings.values() for h in rows] == [("population", 4)]
    payout = run.payouts.get(household__code="A01-002")
    assert payout.weighted_holdings == 4 * scenario_b.share_types[("A01", "population")].weight
    assert run.inputs["record_date"] == "2023-12-31"
    assert run.inputs["policy"]["payout_rate"] == "0.600000"
    assert run.inputs["revenue_by_category"] == {"land_operation": 900000, "rental": 15000000, "services": 2000000}


def test_a_loss_year_pays_guaranteed_rent_and_wages_and_no_dividends_and_says_why(appendix, compute, accountant):
    services.record_entry(
        user=accountant,
        organisation=appendix.company,
        direction=EXPENSE,
        category=Category.LAND_OPERATION,
        entry_date=date(2024, 11, 1),
        amount_fen=6000000,
    )
    services.record_entry(
        user=accountant,
        organisation=appendix.company,
        direction=EXPENSE,
        category=Category.ADMINISTRATION,
        entry_date=date(2024, 11, 2),
        amount_fen=25000000,
    )
    run = compute(appendix.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    # Land: 9000000 - 7500000 - 2330849 < 0; net: 29000000 - 37500000 - 2330849 - 234000 < 0.
    assert run.figures["land_pool_fen"] == 0
    assert run.figures["net_profit_fen"] == 29000000 - 37500000 - 2330849 - 234000
    assert set(run.notes) == {engine.NOTE_LAND_LOSS, engine.NOTE_NET_LOSS}
    assert all(pool.amount_fen == 0 for pool in run.pools.exclude(kind__in=[engine.POOL_RENT, engine.POOL_WAGES]))
    assert lines_of(run)[0] == [
        ("A01-001", 750000, 0, 0, 0, 750000),
        ("A01-002", 241311, 0, 0, 144000, 385311),
        ("A02-001", 1339538, 0, 0, 0, 1339538),
        ("A02-002", 0, 0, 0, 90000, 90000),
    ]
    assert not run.chunks_total


def test_borrowed_funds_are_recorded_but_never_distributed(appendix, compute, accountant):
    services.record_entry(
        user=accountant,
        organisation=appendix.company,
        direction=REVENUE,
        category=Category.BORROWING,
        entry_date=date(2024, 3, 1),
        amount_fen=50000000,
    )
    run = compute(appendix.policy)
    assert run.figures["borrowed_fen"] == 50000000
    assert run.figures["net_profit_fen"] == 18384406  # as without the loan
    assert engine.NOTE_BORROWED_EXCLUDED in run.notes


def test_a_split_pool_without_holders_fails_the_run_naming_the_pool(appendix, compute, association_b):
    from collective.models import ShareEventLine

    ShareEventLine.objects.filter(event__association=association_b).delete()
    run = compute(appendix.policy)
    assert run.status == DistributionRun.Status.FAILED
    assert "A02" in run.error and "total weight zero" in run.error
    assert not run.payouts.exists()


def test_no_payout_for_a_household_on_days_after_it_was_dissolved(appendix, compute):
    """A contract left in force after its household's dissolution (注销) stops the run, naming it."""
    from collective.models import Household

    Household.objects.filter(code="A02-001").update(dissolved_on=date(2024, 6, 1))
    run = compute(appendix.policy)
    assert run.status == DistributionRun.Status.FAILED
    assert run.error == (
        "Contract HT-2022-003 is in force after its household A02-001 was dissolved (注销) on 2024-06-01: "
        "terminate it on 2024-05-31 at the latest and make a contract with the household that took over the land, "
        "then compute again."
    )
    assert not run.payouts.exists()


def test_finishing_refuses_a_pool_that_does_not_equal_its_lines_and_names_it(appendix, compute):
    run = compute(appendix.policy)
    line = PayoutPart.objects.filter(run=run, household__code="A02-002").get(part=engine.SHARE_DIVIDEND)
    PayoutPart.objects.filter(pk=line.pk).update(amount_fen=line.amount_fen + 1)
    try:
        check_pools(run)
    except engine.DistributionError as error:
        assert error.pool == engine.pool_name(engine.POOL_SPLIT, "A02")
        assert "A02" in str(error)
    else:
        raise AssertionError("a pool that does not equal its lines was accepted")


def test_a_chunk_delivered_twice_writes_nothing_new(appendix, compute, django_capture_on_commit_callbacks):
    from dividends.tasks import compute_chunks_task, finish_run_task, prepare_run_task

    run = compute(appendix.policy)
    expected = lines_of(run)
    # Deliver every step of the finished run again, as a worker runs it: nothing changes.
    for chunk in run.chunks.all():
        compute_chunks_task(run.pk, [chunk.number])
    finish_run_task(run.pk)
    prepare_run_task(run.pk)
    assert lines_of(run) == expected

    # Mid-run: a chunk delivered twice before the finish counts once and writes its rows once.
    run = compute(run)
    DistributionRun.objects.filter(pk=run.pk).update(status=DistributionRun.Status.COMPUTING)
    PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND).delete()
    run.payouts.all().delete()
    run.chunks.update(done=False)
    DistributionRun.objects.filter(pk=run.pk).update(chunks_done=0)
    Pool.objects.filter(run=run).update(leftover_fen=0)
    first = run.chunks.order_by("number").first()
    with django_capture_on_commit_callbacks(execute=False):
        compute_chunks_task(run.pk, [first.number])
        compute_chunks_task(run.pk, [first.number])
    run.refresh_from_db()
    assert run.chunks_done == 1
    assert (
        PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND).count() == first.ordinal_to - first.ordinal_from
    )
    with django_capture_on_commit_callbacks(execute=True):
        for chunk in run.chunks.order_by("number"):
            compute_chunks_task(run.pk, [chunk.number])
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTED
    assert lines_of(run) == expected


def test_households_without_anything_get_no_payout(appendix, compute):
    from collective import services as registry

    registry.create_household(association=appendix.associations["A01"], code="A01-009")
    run = compute(appendix.policy)
    assert not run.payouts.filter(household=Household.objects.get(code="A01-009")).exists()
    assert run.payouts.count() == 5


def test_the_finish_gives_left_over_fen_back_to_the_lines_that_rank_first(appendix, compute):
    from django.db.models import F

    from dividends.services.finish import finish_run

    run = compute(appendix.policy)
    expected = lines_of(run)
    shares = PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND)
    reached = shares.filter(amount_fen=F("floor_fen") + 1).order_by("pk").first()
    passed_over = shares.filter(pool_id=reached.pool_id, amount_fen=F("floor_fen")).order_by("pk").first()
    # A fen handed to a line that ranks below one that went without: the pool still adds up.
    PayoutPart.objects.filter(pk=reached.pk).update(amount_fen=F("floor_fen"))
    PayoutPart.objects.filter(pk=passed_over.pk).update(amount_fen=F("floor_fen") + 1)
    DistributionRun.objects.filter(pk=run.pk).update(status=DistributionRun.Status.COMPUTING)

    finish_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTED
    assert lines_of(run) == expected
