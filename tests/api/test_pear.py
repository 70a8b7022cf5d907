"""The pear association's figures: trainings per year, harvests per season, cold stores."""

from tests.api.conftest import session_client


def results(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_training_counts_per_year(world, township_client, pear_association):
    rows = results(township_client, "/api/v1/pear/trainings/")
    assert [(row["association_code"], row["year"], row["sessions"], row["attendances"]) for row in rows] == [
        ("PEAR", 2023, 2, 4),
        ("PEAR", 2024, 1, 2),
    ]
    assert [row["year"] for row in results(township_client, "/api/v1/pear/trainings/?year=2024")] == [2024]
    only = results(township_client, f"/api/v1/pear/trainings/?association={pear_association.pk}")
    assert len(only) == 2


def test_harvest_totals_per_season(world, township_client):
    rows = results(township_client, "/api/v1/pear/harvests/")
    assert rows == [
        {
            "association": rows[0]["association"],
            "association_code": "PEAR",
            "season": 2024,
            "premium_kg": 1200,
            "standard_kg": 800,
            "substandard_kg": 100,
            "total_kg": 2100,
            "growers": 1,
        }
    ]
    assert results(township_client, "/api/v1/pear/harvests/?season=2023") == []


def test_cold_store_stock(world, township_client):
    [store] = results(township_client, "/api/v1/pear/cold-stores/")
    assert (store["code"], store["capacity_kg"], store["stock_kg"], store["free_kg"]) == (
        "PEAR-CS1",
        500000,
        2000,
        498000,
    )
    assert (store["fill_percent"], store["lots_in_stock"]) == ("0.4", 1)


def test_the_associations_staff_read_their_figures_and_villages_do_not(world, association_staff, client_a):
    staff = session_client(association_staff)
    assert len(results(staff, "/api/v1/pear/cold-stores/")) == 1
    assert results(staff, "/api/v1/households/") == []
    assert results(client_a, "/api/v1/pear/harvests/") == []
    assert results(client_a, "/api/v1/pear/cold-stores/") == []
