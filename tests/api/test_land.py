"""The land endpoints: parcels and contracts with area totals, rent schedules, payments, labour."""

from datetime import date

from land import services as land
from land.models import LandTransferContract


def get(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_parcels_with_area_totals_and_filters(world, township_client, association_a):
    page = get(township_client, "/api/v1/parcels/")
    assert [(row["code"], row["area_mu"], row["contract_household_code"]) for row in page["results"]] == [
        ("P-01", "12.5000", "A01-001"),
        ("P-02", "8.0000", "A01-002"),
        ("P-03", "20.2500", "A02-001"),
    ]
    assert page["totals"] == {"area_mu": "40.7500", "area_under_contract_mu": "40.7500", "parcels": 3}
    a01 = get(township_client, f"/api/v1/parcels/?association={association_a.pk}")
    assert a01["totals"]["area_mu"] == "20.5000"
    assert get(township_client, "/api/v1/parcels/?transferred_in=2020")["results"] == []
    assert get(township_client, "/api/v1/parcels/?transferred_in=2023")["totals"]["area_mu"] == "32.7500"
    assert get(township_client, "/api/v1/parcels/?land_class=orchard")["count"] == 0


def test_contracts_filter_by_association_status_and_year_with_area_totals(world, township_client, association_b):
    page = get(township_client, "/api/v1/contracts/")
    first = page["results"][0]
    assert first["number"] == "HT-2021-001"
    assert (first["rent_per_mu"], first["rent_per_mu_fen"], first["area_mu"]) == ("600.00", 60000, "12.5000")
    assert first["lines"] == [{"parcel": first["lines"][0]["parcel"], "parcel_code": "P-01", "area_mu": "12.5000"}]
    assert page["totals"] == {"area_mu": "40.7500", "contracts": 3}

    numbers = lambda url: [row["number"] for row in get(township_client, url)["results"]]  # noqa: E731
    assert numbers(f"/api/v1/contracts/?association={association_b.pk}") == ["HT-2022-003"]
    assert numbers("/api/v1/contracts/?year=2023") == ["HT-2021-001", "HT-2022-003"]
    assert get(township_client, "/api/v1/contracts/?year=2023")["totals"]["area_mu"] == "32.7500"
    land.terminate_contract(
        contract=LandTransferContract.objects.get(number="HT-2022-003"), terminated_on=date(2024, 12, 31), reason="退出"
    )
    assert numbers("/api/v1/contracts/?status=terminated") == ["HT-2022-003"]
    assert numbers("/api/v1/contracts/?year=2025") == ["HT-2021-001", "HT-2024-002"]
    assert township_client.get("/api/v1/contracts/?status=lost").status_code == 400


def test_rent_schedules_show_due_paid_and_outstanding(world, township_client):
    page = get(township_client, "/api/v1/rent-schedules/?year=2024")
    by_contract = {row["contract_number"]: row for row in page["results"]}
    paid = by_contract["HT-2021-001"]
    assert (paid["amount"], paid["paid"], paid["outstanding_fen"]) == ("7500.00", "7500.00", 0)
    assert by_contract["HT-2022-003"]["amount_fen"] == 1339538  # 20.25 mu * 661.50, as the run pays it
    assert by_contract["HT-2022-003"]["outstanding"] == "8395.38"
    assert page["totals"] == {"amount": "23308.49", "amount_fen": 2330849, "paid": "12500.00", "paid_fen": 1250000}
    contract = LandTransferContract.objects.get(number="HT-2024-002")
    only = get(township_client, f"/api/v1/rent-schedules/?contract={contract.pk}")["results"]
    assert [row["year"] for row in only] == list(range(2024, 2034))


def test_rent_payments_list_the_years_they_cover(world, township_client):
    page = get(township_client, "/api/v1/rent-payments/?year=2024")
    assert page["totals"] == {"amount": "12500.00", "amount_fen": 1250000}
    payment = page["results"][0]
    assert (payment["contract_number"], payment["reference"], payment["paid_on"]) == (
        "HT-2021-001",
        "BANK-1",
        "2024-12-20",
    )
    assert [(row["year"], row["amount"]) for row in payment["allocations"]] == [(2024, "7500.00")]
    contract = LandTransferContract.objects.get(number="HT-2022-003")
    only = get(township_client, f"/api/v1/rent-payments/?contract={contract.pk}")
    assert [row["amount_fen"] for row in only["results"]] == [500000]
    assert get(township_client, "/api/v1/rent-payments/?year=2023")["count"] == 0


def test_labour_records_carry_their_wages(world, township_client):
    page = get(township_client, "/api/v1/labour-records/?year=2024")
    assert [
        (row["household_code"], row["days"], row["day_wage"], row["wage"], row["wage_fen"]) for row in page["results"]
    ] == [
        ("A01-002", "12.00", "120.00", "1440.00", 144000),
        ("A02-002", "7.50", "120.00", "900.00", 90000),
    ]
    assert page["totals"] == {"days": "19.50"}
    household = world.scenario.household("A02-002")
    assert get(township_client, f"/api/v1/labour-records/?household={household.pk}")["count"] == 1
