"""The money endpoints: ledger, income statements, policies, runs with pools, payouts, objections."""

from tests.api.conftest import session_client


def get(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_ledger_entries_in_yuan_and_fen_with_filters_and_totals(world, township_client, company, association_a):
    page = get(township_client, f"/api/v1/ledger-entries/?organisation={company.pk}&direction=revenue")
    assert [(row["category"], row["rental_source"], row["amount"], row["amount_fen"]) for row in page["results"]] == [
        ("rental", "lvhe_market", "150000.00", 15000000),
        ("land_operation", "", "90000.00", 9000000),
        ("rental", "township_canteen", "50000.00", 5000000),
    ]
    assert page["totals"] == {"revenue": "290000.00", "revenue_fen": 29000000, "expenses": "0.00", "expenses_fen": 0}
    a01 = get(township_client, f"/api/v1/ledger-entries/?organisation={association_a.pk}")
    assert a01["totals"]["expenses_fen"] == 1200000
    assert get(township_client, "/api/v1/ledger-entries/?year=2023")["count"] == 0
    dated = get(township_client, "/api/v1/ledger-entries/?date_from=2024-11-01&date_to=2024-11-30")
    assert [row["organisation_code"] for row in dated["results"]] == ["A01", "A01"]
    assert get(township_client, "/api/v1/ledger-entries/?category=administration")["count"] == 2


def test_income_statements_per_organisation_and_year(world, township_client, company, association_a):
    statement = get(township_client, f"/api/v1/income-statements/{company.pk}/?year=2024")
    revenue = {line["key"]: line["amount_fen"] for line in statement["revenue"]}
    assert revenue["land_operation"] == 9000000 and revenue["rental:lvhe_market"] == 15000000
    assert statement["revenue_total"]["amount"] == "290000.00"
    assert statement["expense_total"]["amount_fen"] == 6500000
    # Net = 290,000 - 65,000 - rent 23,308.49 - wages 2,340.00 - land dividend 15,507.45.
    assert statement["net"]["amount_fen"] == 29000000 - 6500000 - 2330849 - 234000 - 1550745
    assert statement["run"] == world.run.pk
    a01 = get(township_client, f"/api/v1/income-statements/{association_a.pk}/?year=2024")
    assert [(line["key"], line["amount_fen"]) for line in a01["computed"]] == [("received", 6177161)]
    assert a01["net"]["amount_fen"] == 6000000 - 1200000 + 6177161
    assert township_client.get(f"/api/v1/income-statements/{company.pk}/").status_code == 400


def test_income_statements_are_scoped(world, client_a, company, association_a, association_b, farmer_a):
    assert client_a.get(f"/api/v1/income-statements/{association_a.pk}/?year=2024").status_code == 200
    assert client_a.get(f"/api/v1/income-statements/{association_b.pk}/?year=2024").status_code == 404
    assert client_a.get(f"/api/v1/income-statements/{company.pk}/?year=2024").status_code == 404
    farmer = session_client(farmer_a)
    assert farmer.get(f"/api/v1/income-statements/{association_a.pk}/?year=2024").status_code == 403


def test_policies_with_their_rates(world, township_client, company):
    policies = get(township_client, f"/api/v1/distribution-policies/?organisation={company.pk}&year=2024")["results"]
    assert [
        (p["year"], p["land_share_rate"], p["reserve_rate"], p["welfare_rate"], p["payout_rate"], p["retention_rate"])
        for p in policies
    ] == [(2024, "0.300000", "0.200000", "0.100000", "0.800000", "0.100000")]
    assert policies[0]["member_dividend_rate"] == "0.560000000000"
    assert policies[0]["record_date"] == "2024-12-31"


def test_runs_with_figures_and_pools(world, township_client, company):
    runs = get(township_client, f"/api/v1/distribution-runs/?company={company.pk}&year=2024&status=notice")["results"]
    assert len(runs) == 1
    run = runs[0]
    assert run["figures"]["net_profit"] == "183844.06" and run["figures"]["net_profit_fen"] == 18384406
    assert run["figures"]["shareholder_pool_fen"] == 10295268
    pools = {(pool["kind"], pool["association_code"]): pool["amount_fen"] for pool in run["pools"]}
    assert pools[("association_received", "A01")] == 6177161
    assert pools[("association_split", "A02")] == 3706297
    assert len(run["pools"]) == 13
    assert get(township_client, "/api/v1/distribution-runs/?status=approved")["count"] == 0
    assert get(township_client, f"/api/v1/distribution-runs/{world.run.pk}/")["year"] == 2024


def test_payouts_filter_by_run_association_and_household(world, township_client, association_b):
    page = get(township_client, f"/api/v1/payouts/?run={world.run.pk}")
    assert page["count"] == 5
    assert page["totals"]["total_fen"] == 3776402 + 1874692 + 1853148 + 4516364 + 619471
    first = page["results"][0]
    assert (first["household_code"], first["rent"], first["land_dividend"], first["share_dividend"], first["wage"]) == (
        "A01-001",
        "7500.00",
        "11732.53",
        "18531.49",
        "0.00",
    )
    assert (first["total"], first["total_fen"]) == ("37764.02", 3776402)
    household_a01 = world.scenario.household("A01-001")
    assert (first["year"], first["association"], first["association_code"]) == (
        2024,
        household_a01.association_id,
        household_a01.association.code,
    )
    one = get(township_client, f"/api/v1/payouts/{first['id']}/")
    assert (one["year"], one["association_code"], one["total_fen"]) == (2024, household_a01.association.code, 3776402)
    a02 = get(township_client, f"/api/v1/payouts/?association={association_b.pk}")["results"]
    assert [(row["household_code"], row["total_fen"]) for row in a02] == [("A02-001", 4516364), ("A02-002", 619471)]
    household = world.scenario.household("A01-002")
    one = get(township_client, f"/api/v1/payouts/?household={household.pk}&year=2024&status=pending")["results"]
    assert [(row["wage_fen"], row["total_fen"]) for row in one] == [(144000, 1874692)]
    assert get(township_client, "/api/v1/payouts/?status=paid")["count"] == 0


def test_objections_with_their_text_and_status(world, township_client, association_a):
    objections = get(township_client, f"/api/v1/objections/?association={association_a.pk}&status=open")["results"]
    assert [(row["household_code"], row["amount_fen"], row["text"]) for row in objections] == [
        ("A01-001", 3776402, "@SUM(1+1) 租金面积不对")
    ]
    assert "raised_by" not in objections[0]
    assert get(township_client, "/api/v1/objections/?status=answered")["count"] == 0
    by_run = get(township_client, f"/api/v1/objections/?run={world.run.pk}")["results"]
    assert [row["household_code"] for row in by_run] == ["A01-001", "A02-002"]
