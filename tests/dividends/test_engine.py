"""The pure engine: the splitting rule and whole runs, on the appendix and on many random cases."""

import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collective.money import round_half_up_product, split_largest_remainder
from dividends import engine
from dividends.engine import (
    AssociationInput,
    CompanyInputs,
    ContractLineInput,
    DistributionError,
    HoldingInput,
    LabourLineInput,
    Rates,
)

D = Decimal


def appendix_inputs() -> tuple[CompanyInputs, dict[int, list[HoldingInput]]]:
    rates = Rates(D("0.30"), D("0.20"), D("0.10"), D("0.80"), D("0.10"))
    contracts = [
        ContractLineInput(1, "HT-2021-001", "P-01", 11, "A01-001", 1, D("12.5"), D(60000), 366, 366, True),
        ContractLineInput(2, "HT-2024-002", "P-02", 12, "A01-002", 1, D(8), D(60000), 184, 366, True),
        ContractLineInput(3, "HT-2022-003", "P-03", 21, "A02-001", 2, D("20.25"), D(66150), 366, 366, False),
    ]
    labour = [
        LabourLineInput(1, 12, "A01-002", 1, "甲", date(2024, 5, 1), D(12), 12000),
        LabourLineInput(2, 22, "A02-002", 2, "乙", date(2024, 9, 1), D("7.5"), 12000),
    ]
    inputs = CompanyInputs(
        2024,
        rates,
        {"land_operation": 9000000, "rental": 20000000},
        {"land_operation": 1500000, "rental": 2000000, "administration": 3000000},
        contracts,
        labour,
        [AssociationInput(1, "A01", 600), AssociationInput(2, "A02", 400)],
    )
    holdings = {
        1: [
            HoldingInput(11, "A01-001", 1, "population", D(1), D(4)),
            HoldingInput(11, "A01-001", 2, "labour", D("0.1"), D(10)),
            HoldingInput(12, "A01-002", 1, "population", D(1), D(3)),
            HoldingInput(13, "A01-003", 1, "population", D(1), D(5)),
            HoldingInput(None, None, 3, "collective", D(1), D(2)),
        ],
        2: [
            HoldingInput(21, "A02-001", 4, "population", D(1), D(6)),
            HoldingInput(22, "A02-002", 4, "population", D(1), D(1)),
        ],
    }
    return inputs, holdings


def test_the_pure_engine_reproduces_the_appendix():
    inputs, holdings = appendix_inputs()
    result = engine.compute_run(inputs, holdings)
    assert result.company.land_pool_fen == 1550745
    assert result.company.net_profit_fen == 18384406
    assert {
        a.association.code: (a.received_fen, a.retention_fen, a.split_fen) for a in result.company.associations
    } == {
        "A01": (6177161, 617716, 5559445),
        "A02": (4118107, 411810, 3706297),
    }
    assert {household: amounts.total_fen for household, amounts in result.payouts.items()} == {
        11: 3776402,
        12: 1874692,
        13: 1853148,
        21: 4516364,
        22: 619471,
    }
    assert [(line.household_code, line.amount_fen) for line in result.share_lines if line.association_id == 1] == [
        ("A01-001", 1853149),
        ("A01-002", 1111889),
        ("A01-003", 1853148),
        (None, 741259),
    ]


def test_three_equal_remainders_go_in_household_code_order_and_the_association_line_last():
    holders = [
        engine.Shareholder(None, None, Fraction(1)),
        engine.Shareholder(3, "A01-003", Fraction(1)),
        engine.Shareholder(1, "A01-001", Fraction(1)),
    ]
    ordered = sorted(holders, key=lambda holder: engine.holder_sort_key(holder.household_code))
    assert engine.split_share_pool(101, ordered, association_code="A01") == {0: 34, 1: 34, 2: 33}


# --- The splitting rule ----------------------------------------------------------------------------

weights = st.lists(
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
)
pools = st.integers(min_value=0, max_value=10**12)


exact_factors = st.lists(
    st.one_of(
        st.integers(min_value=-(10**6), max_value=10**6),
        st.decimals(min_value=-(10**5), max_value=10**5, places=4, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=4,
)


@given(factors=exact_factors, divisor=st.integers(min_value=1, max_value=366))
def test_round_half_up_product_is_the_product_rounded_half_away_from_zero(factors, divisor):
    exact = Fraction(1, divisor)
    for factor in factors:
        exact *= Fraction(factor)
    nearest = (abs(exact) + Fraction(1, 2)).__floor__()
    assert round_half_up_product(*factors, divisor=divisor) == (nearest if exact >= 0 else -nearest)


def test_rent_and_wage_halves_round_up():
    # 0.5 mu at 1 fen a mu for 1 day of 1: half a fen is one fen; 1.25 days at 2 fen is 2.5, so 3.
    assert round_half_up_product(Decimal("0.5"), Decimal(1), 1, divisor=1) == 1
    assert round_half_up_product(Decimal("1.25"), 2) == 3
    assert round_half_up_product(Decimal("-1.25"), 2) == -3


@given(pool=pools, weight_list=weights)
def test_a_split_adds_up_to_the_pool_and_each_line_is_within_one_fen_of_its_exact_share(pool, weight_list):
    if not any(weight_list):
        return
    keyed = {f"H{index:03d}": weight for index, weight in enumerate(weight_list)}
    parts = split_largest_remainder(pool, keyed, pool_name="test")
    assert sum(parts.values()) == pool
    total = sum(Fraction(weight) for weight in weight_list)
    for key, weight in keyed.items():
        exact = Fraction(pool) * Fraction(weight) / total
        assert exact - 1 < parts[key] < exact + 1
        if weight == 0:
            assert parts[key] == 0


@given(pool=pools, weight_list=weights, seed=st.integers(min_value=0, max_value=2**32))
def test_a_split_does_not_depend_on_the_order_of_its_input(pool, weight_list, seed):
    if not any(weight_list):
        return
    keyed = [(f"H{index:03d}", weight) for index, weight in enumerate(weight_list)]
    shuffled = list(keyed)
    random.Random(seed).shuffle(shuffled)
    assert split_largest_remainder(pool, dict(keyed)) == split_largest_remainder(pool, dict(shuffled))


@given(pool=pools, weight_list=weights, chunk_size=st.integers(min_value=1, max_value=50))
def test_a_chunked_split_equals_the_single_pass_split(pool, weight_list, chunk_size):
    if not any(weight_list):
        return
    holders = [engine.Shareholder(index, f"H{index:03d}", Fraction(weight)) for index, weight in enumerate(weight_list)]
    single = engine.split_share_pool(pool, holders, association_code="A01")
    chunked = engine.split_share_pool_in_chunks(pool, holders, association_code="A01", chunk_size=chunk_size)
    assert chunked == single


def test_a_pool_over_a_total_weight_of_zero_is_an_error_that_names_the_pool():
    holders = [engine.Shareholder(1, "A01-001", Fraction(0))]
    with pytest.raises(DistributionError, match="A01") as error:
        engine.split_share_pool(500, holders, association_code="A01")
    assert error.value.pool == engine.pool_name(engine.POOL_SPLIT, "A01")
    with pytest.raises(DistributionError, match="A01"):
        engine.split_share_pool_in_chunks(500, holders, association_code="A01", chunk_size=10)
    # An empty pool over nothing is no error: nobody gets anything.
    assert engine.split_share_pool(0, holders, association_code="A01") == {0: 0}


def test_a_land_pool_without_profit_share_lines_is_an_error_that_names_the_pool():
    inputs, _holdings = appendix_inputs()
    no_clauses = [ContractLineInput(**{**line.__dict__, "profit_share": False}) for line in inputs.contract_lines]
    with pytest.raises(DistributionError) as error:
        engine.compute_company(CompanyInputs(**{**inputs.__dict__, "contract_lines": no_clauses}))
    assert error.value.pool == engine.pool_name(engine.POOL_LAND_DIVIDEND)
    assert "land share rate" in str(error.value)


# --- Whole runs ------------------------------------------------------------------------------------

rates = st.builds(
    Rates,
    land_share=st.decimals(min_value=0, max_value=1, places=2),
    reserve=st.decimals(min_value=0, max_value="0.5", places=2),
    welfare=st.decimals(min_value=0, max_value="0.5", places=2),
    payout=st.decimals(min_value=0, max_value=1, places=2),
    retention=st.decimals(min_value=0, max_value=1, places=2),
)


@st.composite
def whole_runs(draw):
    association_count = draw(st.integers(min_value=1, max_value=3))
    associations = [
        AssociationInput(index + 1, f"A{index + 1:02d}", draw(st.integers(min_value=0, max_value=1000)))
        for index in range(association_count)
    ]
    holdings: dict[int, list[HoldingInput]] = {}
    household_ids = []
    for association in associations:
        rows = []
        for number in range(draw(st.integers(min_value=1, max_value=6))):
            household_id = association.association_id * 100 + number
            household_ids.append((household_id, f"{association.code}-{number:03d}", association.association_id))
            for type_id, weight in ((1, D(1)), (2, D("0.1")), (4, D(0))):
                quantity = draw(st.decimals(min_value=0, max_value=20, places=1))
                if quantity:
                    rows.append(
                        HoldingInput(
                            household_id, f"{association.code}-{number:03d}", type_id, str(type_id), weight, quantity
                        )
                    )
        if draw(st.booleans()):
            rows.append(HoldingInput(None, None, 3, "collective", D(1), D(draw(st.integers(1, 5)))))
        if not any(row.weight * row.quantity for row in rows):
            rows.append(HoldingInput(None, None, 3, "collective", D(1), D(1)))
        holdings[association.association_id] = rows
    contracts = []
    for index in range(draw(st.integers(min_value=1, max_value=5))):
        household_id, code, association_id = draw(st.sampled_from(household_ids))
        contracts.append(
            ContractLineInput(
                index,
                f"HT-{index:03d}",
                f"P-{index:02d}",
                household_id,
                code,
                association_id,
                draw(st.decimals(min_value="0.1", max_value=50, places=4)),
                D(draw(st.integers(min_value=0, max_value=100000))),
                draw(st.integers(min_value=1, max_value=365)),
                365,
                index == 0 or draw(st.booleans()),
            )
        )
    labour = [
        LabourLineInput(
            index, hid, code, aid, "工", date(2023, 5, 1), D(draw(st.integers(1, 40))) / 2, draw(st.integers(0, 30000))
        )
        for index, (hid, code, aid) in enumerate(draw(st.lists(st.sampled_from(household_ids), max_size=4)))
    ]
    inputs = CompanyInputs(
        2023,
        draw(rates),
        {"land_operation": draw(st.integers(0, 10**9)), "rental": draw(st.integers(0, 10**9))},
        {"land_operation": draw(st.integers(0, 10**8)), "administration": draw(st.integers(0, 10**8))},
        contracts,
        labour,
        associations,
    )
    return inputs, holdings


@settings(max_examples=150, deadline=None)
@given(case=whole_runs(), seed=st.integers(min_value=0, max_value=2**32), chunk_size=st.integers(1, 4))
def test_whole_runs_account_for_every_fen_whatever_the_order_or_the_chunks(case, seed, chunk_size):
    inputs, holdings = case
    if sum(a.equity_shares for a in inputs.associations) == 0:
        inputs = CompanyInputs(
            **{
                **inputs.__dict__,
                "associations": [AssociationInput(a.association_id, a.code, 1) for a in inputs.associations],
            }
        )
    result = engine.compute_run(inputs, holdings)
    company = result.company
    # Every pool equals the sum of its lines.
    assert sum(line.rent_fen for line in company.contract_lines) == company.rent_fen
    assert sum(line.land_dividend_fen for line in company.contract_lines) == company.land_pool_fen
    assert sum(line.wage_fen for line in company.labour_lines) == company.wages_fen
    assert company.reserve_fen + company.welfare_fen + company.shareholder_pool_fen + company.retained_fen == max(
        company.net_profit_fen, 0
    )
    assert sum(a.received_fen for a in company.associations) == company.shareholder_pool_fen
    for association in company.associations:
        assert association.retention_fen + association.split_fen == association.received_fen
        lines = [line for line in result.share_lines if line.association_id == association.association.association_id]
        assert sum(line.amount_fen for line in lines) == association.split_fen
        total = sum(line.weight for line in lines)
        for line in lines:
            exact = Fraction(association.split_fen) * line.weight / total
            assert exact - 1 < line.amount_fen < exact + 1
            if line.weight == 0:
                assert line.amount_fen == 0
        # chunked equals single-pass
        holders = engine.shareholders(holdings[association.association.association_id])
        chunked = engine.split_share_pool_in_chunks(
            association.split_fen, holders, association_code=association.association.code, chunk_size=chunk_size
        )
        assert [chunked[ordinal] for ordinal in range(len(holders))] == [line.amount_fen for line in lines]
    assert sum(p.rent_fen for p in result.payouts.values()) == company.rent_fen
    assert sum(p.land_dividend_fen for p in result.payouts.values()) == company.land_pool_fen
    assert sum(p.wage_fen for p in result.payouts.values()) == company.wages_fen
    assert all(p.total_fen > 0 for p in result.payouts.values())
    if company.net_profit_fen <= 0:
        assert company.shareholder_pool_fen == 0
        assert engine.NOTE_NET_LOSS in company.notes

    # The same run from shuffled inputs.
    rng = random.Random(seed)
    shuffled_holdings = {key: rng.sample(rows, len(rows)) for key, rows in holdings.items()}
    shuffled = CompanyInputs(
        **{
            **inputs.__dict__,
            "contract_lines": rng.sample(list(inputs.contract_lines), len(inputs.contract_lines)),
            "labour_lines": rng.sample(list(inputs.labour_lines), len(inputs.labour_lines)),
            "associations": rng.sample(list(inputs.associations), len(inputs.associations)),
        }
    )
    again = engine.compute_run(shuffled, shuffled_holdings)
    assert again.company == company or again.company.figures() == company.figures()
    assert {k: v.total_fen for k, v in again.payouts.items()} == {k: v.total_fen for k, v in result.payouts.items()}
    assert sorted(again.share_lines, key=lambda line: (line.association_id, line.ordinal)) == sorted(
        result.share_lines, key=lambda line: (line.association_id, line.ordinal)
    )


def test_chunks_are_sent_in_tasks_of_up_to_the_limit_of_holders():
    from dividends.services.prepare import batch_chunks

    # Villages of 3,000 holders, then a large association cut into blocks of 20,000.
    chunks = [(0, 3000), (1, 3000), (2, 3000), (3, 20000), (4, 20000), (5, 1500), (6, 3000)]

    assert batch_chunks(chunks, 20000) == [[0, 1, 2], [3], [4], [5, 6]]
    assert batch_chunks(chunks, 1) == [[0], [1], [2], [3], [4], [5], [6]]
    assert batch_chunks([], 20000) == []
