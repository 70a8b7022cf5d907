"""Every route of the router answers its `.csv` and `.json` suffix (docs/api.md), for every list and detail."""

import csv
import io

import pytest
from django.urls import reverse

from config.api import router
from dividends.models import DistributionRun

# docs/api.md: the inputs document of a run is JSON only; its `.csv` is a clear 404, never a 500.
JSON_ONLY = {"distribution-run-inputs"}
QUERIES = {"income-statement": "?year=2024", "annual-report": "?year=2024"}


def suffix_routes() -> list[tuple[str, bool]]:
    """(url name, takes a pk) of every route the router serves with a format suffix."""
    routes = []
    for pattern in router.urls:
        name = pattern.name
        if not name or name == "api-root" or "format" not in pattern.pattern.regex.groupindex:
            continue
        routes.append((name, "pk" in pattern.pattern.regex.groupindex))
    return sorted(set(routes))


ROUTES = suffix_routes()


def test_the_router_has_every_list_and_detail_with_a_suffix():
    names = {name for name, _detail in ROUTES}
    assert {"household-list", "household-detail", "distribution-run-inputs", "distribution-run-payouts"} <= names
    assert {"annual-report-list", "income-statement-detail"} <= names
    assert len(ROUTES) >= 40


def a_pk(client, name: str, world) -> int:
    """An object of the route that the township's key may see: the first row of its list, or the world's."""
    basename = name.rsplit("-", 1)[0]
    if basename == "distribution-run":
        return DistributionRun.objects.get(pk=world.run.pk).pk
    if basename == "income-statement":
        return world.scenario.company.pk
    data = client.get(reverse(f"{basename}-list") + QUERIES.get(basename, "")).json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return rows[0]["id"]


@pytest.mark.parametrize(("name", "detail"), ROUTES, ids=[name for name, _detail in ROUTES])
def test_every_route_answers_its_csv_and_json_suffix(world, township_client, name, detail):
    basename = name.rsplit("-", 1)[0]
    kwargs = {"pk": a_pk(township_client, name, world)} if detail else {}
    plain = reverse(name, kwargs=kwargs) + QUERIES.get(basename, "")
    expected = township_client.get(plain)
    assert expected.status_code == 200, (plain, expected.content[:300])

    as_json = township_client.get(reverse(name, kwargs={**kwargs, "format": "json"}) + QUERIES.get(basename, ""))
    assert as_json.status_code == 200, (name, as_json.content[:300])
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json() == expected.json()

    as_csv = township_client.get(reverse(name, kwargs={**kwargs, "format": "csv"}) + QUERIES.get(basename, ""))
    if name in JSON_ONLY:
        assert as_csv.status_code == 404, (name, as_csv.content[:300])
        assert as_csv["Content-Type"] == "application/json"
        return
    assert as_csv.status_code == 200, (name, as_csv.content[:300])
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    text = as_csv.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert rows, name
