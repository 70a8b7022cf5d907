"""Who sees what: a key for one association sees nothing of another; a farmer only their household."""

import json

import pytest

from collective.models import Household, Member
from dividends.models import Payout
from land.models import LandTransferContract, Parcel, RentInstallment
from tests.api.conftest import session_client

# Every list, with the parameters it needs. The company's equity is public among its shareholders.
LISTS = [
    "/api/v1/associations/",
    "/api/v1/households/",
    "/api/v1/members/",
    "/api/v1/share-types/",
    "/api/v1/share-events/",
    "/api/v1/share-holdings/",
    "/api/v1/parcels/",
    "/api/v1/contracts/",
    "/api/v1/rent-schedules/",
    "/api/v1/rent-payments/",
    "/api/v1/labour-records/",
    "/api/v1/ledger-entries/",
    "/api/v1/distribution-policies/",
    "/api/v1/distribution-runs/",
    "/api/v1/payouts/",
    "/api/v1/objections/",
    "/api/v1/reports/annual/?year=2024",
    "/api/v1/pear/trainings/",
    "/api/v1/pear/harvests/",
    "/api/v1/pear/cold-stores/",
]
COLLECTIVE_LISTS = LISTS[:12] + LISTS[14:16]
PEAR_LISTS = LISTS[-3:]


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return json.dumps(response.json(), ensure_ascii=False)


def results(client, url: str) -> list:
    return client.get(url).json()["results"]


@pytest.mark.parametrize("url", LISTS)
def test_a_key_for_one_association_sees_nothing_of_another(world, client_a, township_client, url):
    assert "A02" not in body(client_a, url)


@pytest.mark.parametrize("url", COLLECTIVE_LISTS)
def test_the_township_key_sees_both_associations(world, township_client, url):
    text = body(township_client, url)
    assert "A01" in text and "A02" in text


@pytest.mark.parametrize("url", LISTS)
def test_a_farmer_sees_only_their_household(world, farmer_a, url):
    text = body(session_client(farmer_a), url)
    for other in ("A01-002", "A01-003", "A02-001", "A02-002"):
        assert other not in text


def test_a_farmer_sees_their_household_its_members_holdings_payouts_and_objections(world, farmer_a):
    client = session_client(farmer_a)
    assert [row["code"] for row in results(client, "/api/v1/households/")] == ["A01-001"]
    assert [row["household_code"] for row in results(client, "/api/v1/members/")] == ["A01-001"]
    assert {row["household_code"] for row in results(client, "/api/v1/share-holdings/")} == {"A01-001"}
    assert [row["total_fen"] for row in results(client, "/api/v1/payouts/")] == [3776402]
    assert len(results(client, "/api/v1/objections/")) == 1
    # Farmers have no association records and no land pages (land's own scoping).
    assert results(client, "/api/v1/associations/") == []
    assert results(client, "/api/v1/contracts/") == []


def test_a_key_for_one_association_gets_its_own_rows(world, client_a):
    assert [row["code"] for row in results(client_a, "/api/v1/associations/")] == ["A01"]
    assert [row["code"] for row in results(client_a, "/api/v1/households/")] == ["A01-001", "A01-002", "A01-003"]
    assert [row["number"] for row in results(client_a, "/api/v1/contracts/")] == ["HT-2021-001", "HT-2024-002"]
    assert len(results(client_a, "/api/v1/payouts/")) == 3
    assert {row["organisation_code"] for row in results(client_a, "/api/v1/ledger-entries/")} == {"A01"}
    assert results(client_a, "/api/v1/pear/trainings/") == []


def test_an_object_outside_the_key_scope_is_404(world, client_a):
    other = Household.objects.get(code="A02-001")
    own = Household.objects.get(code="A01-001")
    cases = [
        ("households", own.pk, other.pk),
        ("members", Member.objects.filter(household=own).first().pk, Member.objects.filter(household=other).first().pk),
        ("parcels", Parcel.objects.get(code="P-01").pk, Parcel.objects.get(code="P-03").pk),
        (
            "contracts",
            LandTransferContract.objects.get(number="HT-2021-001").pk,
            LandTransferContract.objects.get(number="HT-2022-003").pk,
        ),
        (
            "rent-schedules",
            RentInstallment.objects.filter(contract__household=own).first().pk,
            RentInstallment.objects.filter(contract__household=other).first().pk,
        ),
        ("payouts", Payout.objects.get(household=own).pk, Payout.objects.get(household=other).pk),
        ("associations", own.association_id, other.association_id),
    ]
    for resource, mine, theirs in cases:
        assert client_a.get(f"/api/v1/{resource}/{mine}/").status_code == 200, resource
        response = client_a.get(f"/api/v1/{resource}/{theirs}/")
        assert response.status_code == 404, resource
        assert set(response.json()) == {"detail"}


def test_a_key_cannot_filter_by_another_associations_objects(world, client_a, association_b):
    other = Household.objects.get(code="A02-001")
    assert client_a.get(f"/api/v1/households/?association={association_b.pk}").status_code == 400
    assert client_a.get(f"/api/v1/payouts/?household={other.pk}").status_code == 400


def test_the_pear_associations_key_sees_its_figures_and_no_village(world, pear_client):
    for url in COLLECTIVE_LISTS:
        response = pear_client.get(url)
        assert response.status_code == 200, url
        assert response.json()["results"] == [], url
    assert len(results(pear_client, "/api/v1/pear/trainings/")) == 2


def test_run_documents_are_scoped_to_the_key(world, client_a, township_client):
    run = world.run.pk
    inputs = client_a.get(f"/api/v1/distribution-runs/{run}/inputs/").json()
    assert {line["household_code"] for line in inputs["contract_lines"]} == {"A01-001", "A01-002"}
    assert {holding["association_code"] for holding in inputs["holdings"]} == {"A01"}
    assert inputs["complete"] is False
    text = json.dumps({key: value for key, value in inputs.items() if key != "equity"}, ensure_ascii=False)
    assert "A02" not in text
    results_ = client_a.get(f"/api/v1/distribution-runs/{run}/payouts/").json()
    assert {payout["household_code"] for payout in results_["payouts"]} == {"A01-001", "A01-002", "A01-003"}
    assert "A02" not in json.dumps(results_, ensure_ascii=False)
    assert township_client.get(f"/api/v1/distribution-runs/{run}/inputs/").json()["complete"] is True


def test_a_farmer_reads_the_run_documents_of_their_own_household(world, farmer_a):
    client = session_client(farmer_a)
    inputs = client.get(f"/api/v1/distribution-runs/{world.run.pk}/inputs/").json()
    assert [line["household_code"] for line in inputs["contract_lines"]] == ["A01-001"]
    assert {holding["household_code"] for holding in inputs["holdings"]} == {"A01-001"}
    payouts = client.get(f"/api/v1/distribution-runs/{world.run.pk}/payouts/").json()
    assert [payout["household_code"] for payout in payouts["payouts"]] == ["A01-001"]
    assert {pool["association_code"] for pool in payouts["pools"]} == {None}
