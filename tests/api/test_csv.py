"""Every list in CSV: the rows (not the pagination envelope), formula-like cells defused."""

import csv
import io

import pytest

from collective.api import csv_cell, flatten
from tests.api.test_scoping import LISTS


def parse(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),
        (-5, "-5"),
        ("90000.00", "90000.00"),
        ("甘田村", "甘田村"),
        (None, ""),
        (True, "true"),
        ([{"a": 1}], '[{"a": 1}]'),
    ],
)
def test_csv_cells_defuse_formulas_but_keep_numbers(value, cell):
    assert csv_cell(value) == cell


def test_nested_objects_become_dotted_columns():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": 3}}, "f": [1]}) == {"a": 1, "b.c": 2, "b.d.e": 3, "f": [1]}


@pytest.mark.parametrize("url", LISTS)
def test_every_list_has_a_csv_form_with_all_its_rows(world, township_client, url):
    separator = "&" if "?" in url else "?"
    data = township_client.get(f"{url}{separator}page_size=1000").json()
    rows = parse(township_client.get(f"{url}{separator}format=csv&page_size=1000"))
    if "results" in data:
        assert len(rows) == data["count"] > 0
        assert "results" not in rows[0] and "count" not in rows[0]
        first_column = next(iter(data["results"][0]))
        assert rows[0][first_column] == csv_cell(data["results"][0][first_column])
    else:  # the annual report: one row per association and the township's
        assert [row["association_code"] for row in rows] == ["A01", "A02", ""]


def test_a_paginated_csv_puts_the_pagination_in_headers(world, township_client):
    response = township_client.get("/api/v1/households/?format=csv&page_size=2")
    assert [row["code"] for row in parse(response)] == ["A01-001", "A01-002"]
    assert response["X-Total-Count"] == "5"
    assert 'rel="next"' in response["Link"] and "page=2" in response["Link"]
    second = township_client.get("/api/v1/households/?format=csv&page_size=2&page=2")
    assert [row["code"] for row in parse(second)] == ["A01-003", "A02-001"]
    assert 'rel="prev"' in second["Link"]


def test_the_csv_suffix_works_too(world, township_client):
    assert [row["code"] for row in parse(township_client.get("/api/v1/associations.csv"))] == ["A01", "A02"]


def test_money_is_in_yuan_and_fen_and_formula_cells_are_escaped(world, township_client):
    entries = parse(township_client.get("/api/v1/ledger-entries/?format=csv&category=services"))
    [entry] = entries
    assert (entry["amount"], entry["amount_fen"]) == ("60000.00", "6000000")
    assert entry["counterparty"] == '\'=HYPERLINK("http://evil")'
    objections = parse(township_client.get("/api/v1/objections/?format=csv"))
    assert objections[0]["text"] == "'@SUM(1+1) 租金面积不对"


def test_nested_figures_become_columns(world, township_client):
    run = parse(township_client.get("/api/v1/distribution-runs/?format=csv"))[0]
    assert run["figures.net_profit"] == "183844.06"
    assert run["figures.net_profit_fen"] == "18384406"


def test_the_runs_payouts_and_an_income_statement_have_csv_forms(world, township_client, company):
    payouts = parse(township_client.get(f"/api/v1/distribution-runs/{world.run.pk}/payouts/?format=csv"))
    assert (payouts[0]["household_code"], payouts[0]["total_fen"]) == ("A01-001", "3776402")
    assert len(payouts) == 5
    statement = parse(township_client.get(f"/api/v1/income-statements/{company.pk}/?year=2024&format=csv"))
    net = next(row for row in statement if row["section"] == "net")
    assert net["amount_fen"] == str(29000000 - 6500000 - 2330849 - 234000 - 1550745)


def test_the_inputs_document_is_json_only(world, township_client):
    assert township_client.get(f"/api/v1/distribution-runs/{world.run.pk}/inputs/?format=csv").status_code == 404
