"""The worked run of DESIGN.md's appendix, built through the real services and computed by the engine."""

from dividends import engine
from dividends.models import DistributionRun, PayoutPart
from tests.dividends.conftest import lines_of

PAYOUTS = {
    # household: (rent, land dividend, share dividend, wages, total)
    "A01-001": (750000, 1173253, 1853149, 0, 3776402),
    "A01-002": (241311, 377492, 1111889, 144000, 1874692),
    "A01-003": (0, 0, 1853148, 0, 1853148),
    "A02-001": (1339538, 0, 3176826, 0, 4516364),
    "A02-002": (0, 0, 529471, 90000, 619471),
}


def test_the_appendix_run_matches_every_figure_to_the_fen(appendix, compute):
    run = compute(appendix.policy)

    assert run.status == DistributionRun.Status.COMPUTED, run.error
    assert run.figures == {
        "revenue_fen": 29000000,
        "borrowed_fen": 0,
        "expense_fen": 6500000,
        "land_revenue_fen": 9000000,
        "land_expense_fen": 1500000,
        "rent_fen": 2330849,
        "wages_fen": 234000,
        "land_profit_fen": 5169151,
        "land_pool_fen": 1550745,
        "net_profit_fen": 18384406,
        "reserve_fen": 3676881,
        "welfare_fen": 1838440,
        "distributable_fen": 12869085,
        "shareholder_pool_fen": 10295268,
        "retained_fen": 2573817,
    }
    contract_lines = list(
        run.contract_lines.values_list("contract_number", "parcel_code", "days_active", "rent_fen", "land_dividend_fen")
    )
    assert contract_lines == [
        ("HT-2021-001", "P-01", 366, 750000, 1173253),
        ("HT-2022-003", "P-03", 366, 1339538, 0),
        ("HT-2024-002", "P-02", 184, 241311, 377492),
    ]
    assert run.contract_lines.get(parcel_code="P-03").rent_per_mu == 66150
    pools = {
        (pool.kind, pool.association.code if pool.association else None): pool.amount_fen
        for pool in run.pools.select_related("association")
    }
    assert pools == {
        (engine.POOL_RENT, None): 2330849,
        (engine.POOL_WAGES, None): 234000,
        (engine.POOL_LAND_DIVIDEND, None): 1550745,
        (engine.POOL_RESERVE, None): 3676881,
        (engine.POOL_WELFARE, None): 1838440,
        (engine.POOL_SHAREHOLDER, None): 10295268,
        (engine.POOL_RETAINED, None): 2573817,
        (engine.POOL_RECEIVED, "A01"): 6177161,
        (engine.POOL_RETENTION, "A01"): 617716,
        (engine.POOL_SPLIT, "A01"): 5559445,
        (engine.POOL_RECEIVED, "A02"): 4118107,
        (engine.POOL_RETENTION, "A02"): 411810,
        (engine.POOL_SPLIT, "A02"): 3706297,
    }
    land_pool = run.pools.get(kind=engine.POOL_LAND_DIVIDEND)
    assert land_pool.total_weight == 4575 + 1472  # mu-days 12.5 * 366 : 8 * 184
    collective_line = PayoutPart.objects.get(run=run, household__isnull=True)
    assert (collective_line.association.code, collective_line.amount_fen) == ("A01", 741259)
    payouts = {code: (rent, land, share, wages, total) for code, rent, land, share, wages, total in lines_of(run)[0]}
    assert payouts == PAYOUTS


def test_computing_the_appendix_twice_gives_identical_lines(appendix, compute):
    run = compute(appendix.policy)
    first = lines_of(run)
    run = compute(run)
    assert run.status == DistributionRun.Status.COMPUTED
    assert lines_of(run) == first


def test_chunked_run_equals_single_pass(appendix, compute, settings):
    settings.DIVIDENDS_CHUNK_HOUSEHOLDS = 1
    run = compute(appendix.policy)
    assert run.chunks_total == 6  # A01: three households and the collective line; A02: two households
    chunked = lines_of(run)
    settings.DIVIDENDS_CHUNK_HOUSEHOLDS = 20000
    run = compute(run)
    assert run.chunks_total == 2
    assert lines_of(run) == chunked
