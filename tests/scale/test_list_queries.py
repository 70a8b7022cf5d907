"""Every officials' list page reads a page of rows in a constant number of queries, whatever the registry's size.

A doubling test: the same page at N and at 2N rows runs the same number of queries, at most eight
(the session and the user are two of them); and django-zeal raises if a row lazily loads a
relation that the view did not fetch with its list (an N+1).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

MAX_PAGE_QUERIES = 8
N = 6


def _pages(county):
    run = county.run.pk
    return [
        ("village_a", "collective:household-list", {}),
        ("township", "collective:household-list", {}),
        ("village_a", "collective:registry", {}),
        ("village_a", "land:parcel-list", {}),
        ("township", "land:contract-list", {}),
        ("accountant", "land:contract-list", {}),
        ("village_a", "land:labour-list", {}),
        ("accountant", "dividends:ledger-list", {}),
        ("accountant", "dividends:run-list", {}),
        ("accountant", "dividends:payout-list", {"pk": run}),
        ("village_a", "dividends:payout-list", {"pk": run}),
        ("township", "dividends:payout-list", {"pk": run}),
        ("pear_staff", "association:grower-list", {}),
        ("pear_staff", "association:training-list", {}),
    ]


def _queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return len(captured), [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def officials(township_official, village_official_a, accountant, association_staff):
    return {
        "township": township_official,
        "village_a": village_official_a,
        "accountant": accountant,
        "pear_staff": association_staff,
    }


@pytest.mark.django_db
def test_each_list_page_runs_the_same_few_queries_at_n_and_2n_rows(client, county, officials, n_plus_one_raises):
    county.grow(N)
    pages = _pages(county)
    before = {}
    for username, name, kwargs in pages:
        client.force_login(officials[username])
        url = reverse(name, kwargs=kwargs)
        with n_plus_one_raises():
            before[(username, url)] = _queries(client, url)
    county.grow(N)
    problems = []
    for username, name, kwargs in pages:
        client.force_login(officials[username])
        url = reverse(name, kwargs=kwargs)
        with n_plus_one_raises():
            after, _queries_after = _queries(client, url)
        count, queries = before[(username, url)]
        if after != count:
            problems.append(f"{name} as {username}: {count} queries at {N} rows, {after} at {2 * N}")
        elif count > MAX_PAGE_QUERIES:
            problems.append(f"{name} as {username}: {count} queries\n    " + "\n    ".join(q[:160] for q in queries))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_detector_raises_on_a_lazy_load_per_row(county, n_plus_one_raises):
    """The guard itself: reading each household's head without select_related is an N+1, and raises."""
    from zeal import NPlusOneError

    from collective.models import Household

    county.grow(3)
    with n_plus_one_raises(), pytest.raises(NPlusOneError):
        [household.head.name for household in Household.objects.all()]
    with n_plus_one_raises():
        [household.head.name for household in Household.objects.select_related("head")]
