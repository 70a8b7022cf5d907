"""Anyone can re-verify a run: recompute it from the two documents' JSON alone and compare every line.

`recompute` below follows DESIGN.md §3 and docs/api.md directly. It uses nothing of the project's
code (not dividends.engine, not collective.money): only the JSON, Fractions and integers.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from datetime import date
from fractions import Fraction

from django.core.management import call_command

from collective.models import Organisation
from collective.services.accounts import create_api_key
from dividends import services as money
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


def from_terms(line: dict, year: int) -> tuple[int, int, Fraction]:
    """A contract line's days active, days in the year and rent per mu (fen) for `year`, from its terms alone.

    docs/land.md: the term runs from the start date to the termination date if there is one, else the
    end date, both ends included; the k-th rise of escalation_percent applies from 1 January of
    start year + k * escalation_every_years, compounding.
    """
    start = date.fromisoformat(line["start_date"])
    last = date.fromisoformat(line["terminated_on"] or line["end_date"])
    first_day, last_day = max(start, date(year, 1, 1)), min(last, date(year, 12, 31))
    days_active = max((last_day - first_day).days + 1, 0)
    rent = Fraction(line["base_rent_per_mu_fen"])
    if line["escalation_percent"] is not None and year > start.year:
        steps = (year - start.year) // line["escalation_every_years"]
        rent *= (1 + Fraction(line["escalation_percent"]) / 100) ** steps
    return days_active, 366 if calendar.isleap(year) else 365, rent


def recompute(inputs: dict) -> dict:
    """DESIGN.md §3 from the inputs document: figures, pools, every line and every payout, in fen.

    A reversal's inputs (sign -1) are those of the run it cancels: every amount comes out negated.
    """
    rate = {name: Fraction(value) for name, value in inputs["policy"].items() if name.endswith("_rate")}
    revenue = {row["category"]: row["amount_fen"] for row in inputs["revenue_by_category"]}
    expense = {row["category"]: row["amount_fen"] for row in inputs["expense_by_category"]}
    land_category = inputs["land_operation_category"]

    # Steps 1 and 3: rent per line from the contract's frozen terms, then the land dividend split by
    # mu-days (* profit-share weight). The published days_active and rent_per_mu_fen must agree with them.
    lines = sorted(inputs["contract_lines"], key=lambda line: (line["contract_number"], line["parcel_code"]))
    terms = [from_terms(line, inputs["year"]) for line in lines]
    for line, (days_active, days_in_year, rent_per_mu) in zip(lines, terms, strict=True):
        assert (line["days_active"], line["days_in_year"]) == (days_active, days_in_year), line
        assert Fraction(line["rent_per_mu_fen"]) == rent_per_mu, line
    rents = [
        half_up(Fraction(line["area_mu"]) * rent_per_mu * days_active / days_in_year)
        for line, (days_active, days_in_year, rent_per_mu) in zip(lines, terms, strict=True)
    ]
    # Step 2: wages.
    labour = inputs["labour_lines"]
    wages = [half_up(Fraction(line["days"]) * line["day_wage_fen"]) for line in labour]
    rent_total, wage_total = sum(rents), sum(wages)
    land_profit = revenue.get(land_category, 0) - expense.get(land_category, 0) - rent_total
    land_pool = floor(land_profit * rate["land_share_rate"]) if land_profit > 0 else 0
    land_weights = [
        Fraction(line["area_mu"]) * days_active * Fraction(line["profit_share_weight"])
        if line["profit_share"]
        else Fraction(0)
        for line, (days_active, _days, _rent) in zip(lines, terms, strict=True)
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
    sign = inputs["sign"]
    return {
        "figures": {name: sign * fen for name, fen in figures.items()},
        "pools": {key: sign * fen for key, fen in pools.items()},
        "contract_lines": {key: (sign * rent, sign * land) for key, (rent, land) in contract_results.items()},
        "labour_lines": {line["record"]: sign * wage for line, wage in zip(labour, wages, strict=True)},
        "share_lines": {key: sign * fen for key, fen in share_lines.items()},
        "payouts": {
            household: tuple(sign * fen for fen in (*parts, sum(parts)))
            for household, parts in payouts.items()
            if any(parts)
        },
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
        fen = abs(payout["total_fen"])
        assert payout["total"] == f"{'-' if payout['total_fen'] < 0 else ''}{fen // 100}.{fen % 100:02d}"


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


def test_the_rent_is_recomputed_from_each_lines_frozen_terms(world, township_client):
    inputs, results = documents(township_client, world.run.pk)
    terms = {
        line["contract_number"]: {
            name: line[name]
            for name in (
                "start_date",
                "end_date",
                "terminated_on",
                "base_rent_per_mu_fen",
                "escalation_percent",
                "escalation_every_years",
                "profit_share_weight",
            )
        }
        for line in inputs["contract_lines"]
    }
    assert terms["HT-2022-003"] == {
        "start_date": "2022-03-01",
        "end_date": "2031-02-28",
        "terminated_on": None,
        "base_rent_per_mu_fen": 60000,
        "escalation_percent": "5.0000",
        "escalation_every_years": 1,
        "profit_share_weight": "1.0000",
    }
    assert terms["HT-2024-002"]["start_date"] == "2024-07-01"
    # Rent from the terms alone: the published day counts and escalated rents are not used.
    for line in inputs["contract_lines"]:
        del line["days_active"], line["rent_per_mu_fen"]
        line["days_active"], line["days_in_year"], rent = from_terms(line, inputs["year"])
        line["rent_per_mu_fen"] = str(rent)
    compare(inputs, results)


def test_a_changed_input_is_caught(world, township_client):
    for change in ("days_active", "end_date", "base_rent_per_mu_fen"):
        inputs, results = documents(township_client, world.run.pk)
        line = inputs["contract_lines"][1]
        if change == "end_date":
            line["end_date"] = "2024-12-30"
        else:
            line[change] -= 1
        try:
            compare(inputs, results)
        except AssertionError:
            continue
        raise AssertionError(f"a run recomputed from altered inputs ({change}) still matched")


def test_a_reversal_stands_alone_and_is_recomputed_negated(appendix, compute, accountant, township_official):
    run = compute(appendix.policy)
    run = money.publish_notice(user=accountant, run=run, starts_on=date(2025, 3, 1), published_on=date(2025, 3, 1))
    run = money.approve_run(
        user=township_official, run=run, resolution_date=date(2025, 3, 20), resolution_reference="2025-1"
    )
    reversal = money.reverse_run(user=accountant, run=run)

    township = Organisation.objects.get(kind=Organisation.Kind.TOWNSHIP)
    _key, raw = create_api_key(name="reversal", organisation=township, created_by=township_official)
    client = key_client(raw)
    original_inputs, original_results = documents(client, run.pk)
    inputs, results = documents(client, reversal.pk)
    assert inputs["run"]["reverses"] == results["run"]["reverses"] == run.pk
    assert original_inputs["run"]["reverses"] is None and original_inputs["sign"] == 1
    assert inputs["sign"] == -1
    assert inputs["contract_lines"] == original_inputs["contract_lines"]
    assert inputs["labour_lines"] == original_inputs["labour_lines"]
    assert inputs["holdings"] == original_inputs["holdings"]
    assert [(line["rent_fen"], line["land_dividend_fen"]) for line in results["contract_lines"]] == [
        (-line["rent_fen"], -line["land_dividend_fen"]) for line in original_results["contract_lines"]
    ]
    assert [line["wage_fen"] for line in results["labour_lines"]] == [-144000, -90000]
    compare(inputs, results)


def test_a_run_not_yet_computed_has_no_documents(world, township_client, accountant):
    policy = world.scenario.policy
    draft = DistributionRun.objects.create(company=policy.organisation, year=2025, policy=policy, created_by=accountant)
    assert township_client.get(f"/api/v1/distribution-runs/{draft.pk}/inputs/").status_code == 404
    assert township_client.get(f"/api/v1/distribution-runs/{draft.pk}/payouts/").status_code == 404


def test_the_demo_run_is_recomputed_from_the_api_alone(db, township_official):
    call_command("load_gantian_demo", verbosity=0)

    township = Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP).first()
    _key, raw_key = create_api_key(name="re-verification", organisation=township, created_by=township_official)
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024)
    inputs, results = documents(key_client(raw_key), run.pk)
    assert len(results["payouts"]) > 100
    assert len(inputs["holdings"]) > 100
    compare(inputs, results)
