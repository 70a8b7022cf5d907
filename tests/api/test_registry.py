"""The registry's endpoints: associations, households, members, share types, events, holdings, equity."""

from datetime import date
from decimal import Decimal

from collective import services as registry
from collective.models import Household, ShareType


def rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_associations_carry_household_member_and_share_totals(world, township_client):
    associations = {row["code"]: row for row in rows(township_client, "/api/v1/associations/")}
    assert list(associations) == ["A01", "A02"]
    a01 = associations["A01"]
    assert a01["households"] == 3
    assert a01["members"] == 3  # one head registered in each household
    # 4 population + 10 labour (A01-001), 3 (A01-002), 5 (A01-003) and the collective 2.
    assert a01["shares_total"] == "24.0000"
    assert a01["weighted_shares_total"] == "15.00000000"  # 4 + 10 * 0.1 + 3 + 5 + 2
    assert a01["collective_shares_total"] == "2.0000"
    assert a01["company_shares"] == 600
    assert associations["A02"]["company_shares"] == 400
    assert rows(township_client, "/api/v1/associations/?code=A02")[0]["name"] == "绿荷村股份经济合作社"


def test_households_are_masked_and_filtered(world, township_client, association_b):
    households = rows(township_client, "/api/v1/households/")
    assert [row["code"] for row in households] == ["A01-001", "A01-002", "A01-003", "A02-001", "A02-002"]
    first = households[0]
    assert first["masked_bank_account"] == "6222********1001"
    assert "bank_account" not in first and "bank_account_encrypted" not in first
    assert first["head_name"] == "户主A01-001"
    assert first["members"] == 1
    by_association = rows(township_client, f"/api/v1/households/?association={association_b.pk}")
    assert [row["code"] for row in by_association] == ["A02-001", "A02-002"]
    assert [row["code"] for row in rows(township_client, "/api/v1/households/?code=A01-003")] == ["A01-003"]
    Household.objects.filter(code="A01-003").update(established_on=date(2025, 1, 1))
    existing = rows(township_client, "/api/v1/households/?existing_on=2024-12-31")
    assert "A01-003" not in [row["code"] for row in existing]


def test_members_show_masked_id_numbers_only(world, township_client):
    members = rows(township_client, "/api/v1/members/")
    head = world.scenario.heads["A01-001"]
    row = next(member for member in members if member["id"] == head.pk)
    assert row["masked_id_number"] == head.masked_id_number
    assert row["masked_id_number"].count("*") == 8
    assert head.id_number not in str(members)
    assert row["birth_year"] == 1970
    assert "birth_date" not in row and "phone" not in row
    household = world.scenario.household("A02-002")
    only = rows(township_client, f"/api/v1/members/?household={household.pk}")
    assert [member["household_code"] for member in only] == ["A02-002"]
    assert rows(township_client, "/api/v1/members/?in_membership_on=1960-01-01") == []


def test_share_types_list_their_weights(world, township_client, association_a):
    types = rows(township_client, f"/api/v1/share-types/?association={association_a.pk}")
    assert [(row["code"], row["weight"], row["is_collective"]) for row in types] == [
        ("labour", "0.1000", False),
        ("population", "1.0000", False),
        ("collective", "1.0000", True),
    ]


def test_share_events_come_with_their_lines_and_filter_by_household_and_date(world, township_client):
    a1 = world.scenario.household("A01-001")
    events = rows(township_client, f"/api/v1/share-events/?household={a1.pk}")
    assert [
        (event["kind"], event["lines"][0]["share_type_code"], event["lines"][0]["quantity_delta"]) for event in events
    ] == [
        ("issue", "population", "4.0000"),
        ("issue", "labour", "10.0000"),
    ]
    assert rows(township_client, "/api/v1/share-events/?effective_from=2021-01-02") == []
    assert len(rows(township_client, "/api/v1/share-events/?kind=issue&effective_to=2021-01-01")) == 7


def test_holdings_as_of_a_date_come_from_the_share_ledger(world, township_client, association_a):
    population = ShareType.objects.get(association=association_a, code="population")
    registry.issue_shares(
        association=association_a,
        household=world.scenario.household("A01-003"),
        share_type=population,
        quantity=Decimal(2),
        effective_date=date(2025, 6, 1),
    )
    before = rows(township_client, f"/api/v1/share-holdings/?as_of=2024-12-31&association={association_a.pk}")
    assert [(row["household_code"], row["share_type_code"], row["quantity"], row["weighted"]) for row in before] == [
        ("A01-001", "labour", "10.0000", "1.00000000"),
        ("A01-001", "population", "4.0000", "4.00000000"),
        ("A01-002", "population", "3.0000", "3.00000000"),
        ("A01-003", "population", "5.0000", "5.00000000"),
        (None, "collective", "2.0000", "2.00000000"),
    ]
    after = rows(
        township_client, f"/api/v1/share-holdings/?as_of=2025-06-01&household={world.scenario.household('A01-003').pk}"
    )
    assert [(row["household_code"], row["quantity"]) for row in after] == [("A01-003", "7.0000")]
    assert rows(township_client, "/api/v1/share-holdings/?as_of=2020-12-31") == []
    assert township_client.get("/api/v1/share-holdings/?as_of=not-a-date").status_code == 400


def test_company_equity_as_of_a_date(world, township_client, company):
    equity = rows(township_client, "/api/v1/company-equity/?as_of=2024-12-31")
    assert [(row["company_code"], row["holder_code"], row["shares"], row["percent"]) for row in equity] == [
        ("XL", "A01", 600, "60.0000"),
        ("XL", "A02", 400, "40.0000"),
    ]
    assert rows(township_client, "/api/v1/company-equity/?as_of=2019-01-01") == []
    assert len(rows(township_client, f"/api/v1/company-equity/?company={company.pk}")) == 2
