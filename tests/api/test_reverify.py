"""Anyone can re-verify a run: recompute it from the two documents' JSON alone and compare every line.

`recompute` below follows DESIGN.md §3 and docs/api.md directly. It uses nothing of the project's
code (not dividends.engine, not collective.money): only the JSON, Fractions and integers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction

from django.core.management import call_command

from dividends.models import DistributionRun
from tests.api.conftest import key_client


def floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2)) if value >= 0 else -floor(-value + Fraction(1, 2))


def largest_remainder(pool: int, weights: list[Fraction]) -> list[int]:
    """Floors of pool * w / W, then one fen each to the largest remainders; ties to the earlier line."""
    total = sum(weights, Fraction(0))
    if total == 0:
        assert pool == 0
        return [0] * len(weights)
    exact = [pool * weight / total for weight in weights]
    parts = [floor(share) for share in exact]
    order = sorted(
        (index for index, weight in enumerate(weights) if weight > 0), key=lambda i: (-(exact[i] - parts[i]), i)
    )
    for index in order[: pool - sum(parts)]:
        parts[index] += 1
    return parts


def recompute(inputs: dict) -> dict:
    """DESIGN.md §3 from the inputs document: figures, pools, every line and every payout, in fen."""
    rate = {name: Fraction(value) for name, value in inputs["policy"].items() if name.endswith("_rate")}
    revenue = {row["category"]: row["amount_fen"] for row in inputs["revenue_by_category"]}
    expense = {row["category"]: row["amount_fen"] for row in inputs["expense_by_category"]}
    land_category = inputs["land_operation_category"]

    # Steps 1 and 3: rent per line, then the land dividend split by mu-days (* profit-share weight).
    lines = sorted(inputs["contract_lines"], key=lambda line: (line["contract_number"], line["parcel_code"]))
    rents = [
        half_up(
            Fraction(line["area_mu"]) * Fraction(line["rent_per_mu_fen"]) * line["days_active"] / line["days_in_year"]
        )
        for line in lines
    ]
    # Step 2: wages.
    labour = inputs["labour_lines"]
    wages = [half_up(Fraction(line["days"]) * line["day_wage_fen"]) for line in labour]
    rent_total, wage_total = sum(rents), sum(wages)
    land_profit = revenue.get(land_category, 0) - expense.get(land_category, 0) - rent_total
    land_pool = floor(land_profit * rate["land_share_rate"]) if land_profit > 0 else 0
    land_weights = [
        Fraction(line["area_mu"]) * line["days_active"] * Fraction(line["profit_share_weight"])
        if line["profit_share"]
        else Fraction(0)
        for line in lines
    ]
    land_parts = largest_remainder(land_pool, land_weights)

    # Steps 4-6.
    income = sum(amount for category, amount in revenue.items() if category not in inputs["non_income_categories"])
    net = income - sum(expense.values()) - rent_total - wage_total - land_pool
    reserve = welfare = distributable = shareholder = retained = 0
    if net > 0:
        reserve = floor(net * rate["reserve_rate"])
        welfare = floor(net * rate["welfare_rate"])
        distributable = net - reserve - welfare
        shareholder = floor(distributable * rate["payout_rate"])
        retained = distributable - shareholder
    equity = sorted(inputs["equity"], key=lambda row: row["association_code"])
    received = largest_remainder(shareholder, [Fraction(row["shares"]) for row in equity])

    # Step 7: each association's split over its holders, households by code and its own share last.
    holdings = defaultdict(lambda: defaultdict(Fraction))
    for holding in inputs["holdings"]:
        weight = Fraction(holding["quantity"]) * Fraction(holding["weight"])
        holdings[holding["association_code"]][holding["household_code"]] += weight
    pools: dict[tuple[str, str | None], int] = {
        ("rent", None): rent_total,
        ("wages", None): wage_total,
        ("land_dividend", None): land_pool,
        ("reserve", None): reserve,
        ("welfare", None): welfare,
        ("shareholder", None): shareholder,
        ("retained", None): retained,
    }
    share_lines: dict[tuple[str, str | None], int] = {}
    payouts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, amount in zip(equity, received, strict=True):
        code = row["association_code"]
        retention = floor(amount * rate["retention_rate"])
        split = amount - retention
        pools[("association_received", code)] = amount
        pools[("association_retention", code)] = retention
        pools[("association_split", code)] = split
        holders = sorted(holdings[code], key=lambda household: (household is None, household or ""))
        for household, part in zip(
            holders, largest_remainder(split, [holdings[code][h] for h in holders]), strict=True
        ):
            share_lines[(code, household)] = part
            if household is not None:
                payouts[household][2] += part

    contract_results = {}
    for line, rent, land in zip(lines, rents, land_parts, strict=True):
        contract_results[(line["contract_number"], line["parcel_code"])] = (rent, land)
        payouts[line["household_code"]][0] += rent
        payouts[line["household_code"]][1] += land
    for line, wage in zip(labour, wages, strict=True):
        payouts[line["household_code"]][3] += wage
    figures = {
        "rent_fen": rent_total,
        "wages_fen": wage_total,
        "land_profit_fen": land_profit,
        "land_pool_fen": land_pool,
        "net_profit_fen": net,
        "reserve_fen": reserve,
        "welfare_fen": welfare,
        "distributable_fen": distributable,
        "shareholder_pool_fen": shareholder,
        "retained_fen": retained,
    }
    return {
        "figures": figures,
        "pools": pools,
        "contract_lines": contract_results,
        "labour_lines": {line["record"]: wage for line, wage in zip(labour, wages, strict=True)},
        "share_lines": share_lines,
        "payouts": {household: (*parts, sum(parts)) for household, parts in payouts.items() if any(parts)},
    }


def compare(inputs: dict, results: dict) -> None:
    """Recompute from `inputs` and check every figure, pool, line and payout of `results`."""
    expected = recompute(inputs)
    for name, fen in expected["figures"].items():
        assert results["figures"][name] == fen, name
    published_pools = {(pool["kind"], pool["association_code"]): pool for pool in results["pools"]}
    assert set(published_pools) == set(expected["pools"])
    for key, fen in expected["pools"].items():
        pool = published_pools[key]
        assert pool["amount_fen"] == fen, key
        if pool["lines_sum_fen"] is not None:
            assert pool["lines_sum_fen"] == fen, key  # every pool equals its lines
    assert {
        (line["contract_number"], line["parcel_code"]): (line["rent_fen"], line["land_dividend_fen"])
        for line in results["contract_lines"]
    } == expected["contract_lines"]
    assert {line["record"]: line["wage_fen"] for line in results["labour_lines"]} == expected["labour_lines"]
    assert {
        (line["association_code"], line["household_code"]): line["amount_fen"] for line in results["share_lines"]
    } == expected["share_lines"]
    assert {
        payout["household_code"]: (
            payout["rent_fen"],
            payout["land_dividend_fen"],
            payout["share_dividend_fen"],
            payout["wage_fen"],
            payout["total_fen"],
        )
        for payout in results["payouts"]
    } == expected["payouts"]
    for payout in results["payouts"]:
        assert payout["total"] == f"{payout['total_fen'] // 100}.{payout['total_fen'] % 100:02d}"


def documents(client, run_id: int) -> tuple[dict, dict]:
    inputs = client.get(f"/api/v1/distribution-runs/{run_id}/inputs/")
    results = client.get(f"/api/v1/distribution-runs/{run_id}/payouts/")
    assert inputs.status_code == results.status_code == 200
    # Only what crosses the wire: the JSON text, parsed again.
    return json.loads(inputs.content), json.loads(results.content)


def test_the_appendix_run_is_recomputed_from_the_api_alone(world, township_client):
    inputs, results = documents(township_client, world.run.pk)
    assert inputs["complete"] and results["complete"]
    compare(inputs, results)
    # And it is the appendix, to the fen (DESIGN.md).
    assert {p["household_code"]: p["total_fen"] for p in results["payouts"]} == {
        "A01-001": 3776402,
        "A01-002": 1874692,
        "A01-003": 1853148,
        "A02-001": 4516364,
        "A02-002": 619471,
    }
    assert results["figures"]["net_profit_fen"] == 18384406


def test_a_changed_input_is_caught(world, township_client):
    inputs, results = documents(township_client, world.run.pk)
    inputs["contract_lines"][0]["days_active"] -= 1
    try:
        compare(inputs, results)
    except AssertionError:
        return
    raise AssertionError("a run recomputed from altered inputs still matched")


def test_a_run_not_yet_computed_has_no_documents(world, township_client, accountant):
    policy = world.scenario.policy
    draft = DistributionRun.objects.create(company=policy.organisation, year=2025, policy=policy, created_by=accountant)
    assert township_client.get(f"/api/v1/distribution-runs/{draft.pk}/inputs/").status_code == 404
    assert township_client.get(f"/api/v1/distribution-runs/{draft.pk}/payouts/").status_code == 404


def test_the_demo_run_is_recomputed_from_the_api_alone(db, township_official):
    call_command("load_gantian_demo", verbosity=0)
    from collective.api_keys import create_api_key
    from collective.models import Organisation

    township = Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP).first()
    _key, raw_key = create_api_key(name="re-verification", organisation=township, created_by=township_official)
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024)
    inputs, results = documents(key_client(raw_key), run.pk)
    assert len(results["payouts"]) > 100
    assert len(inputs["holdings"]) > 100
    compare(inputs, results)
