"""What a village sees of a distribution run: the same on its run page and through its API key.

The company-level pools are public (they are in the notice); another village's association pools,
its collective line and its households' lines never are.
"""

from django.urls import reverse


def page_pools(client, run) -> set[tuple[str, str | None]]:
    response = client.get(reverse("dividends:run-detail", args=[run.pk]))
    assert response.status_code == 200
    context = response.context
    pools = {(pool.kind, None) for pool in context["company_pools"]}
    for entry in context["association_pools"]:
        code = entry["association"].code
        pools |= {(kind, code) for kind, pool in entry.items() if kind not in ("association", "collective") and pool}
    return pools


def api_pools(client, run) -> set[tuple[str, str | None]]:
    response = client.get(f"/api/v1/distribution-runs/{run.pk}/")
    assert response.status_code == 200, response.content
    return {(pool["kind"], pool["association_code"]) for pool in response.json()["pools"]}


def test_a_village_sees_the_company_pools_and_its_own_on_the_page_and_through_the_api(
    world, client, village_official_a, client_a
):
    client.force_login(village_official_a)
    on_page = page_pools(client, world.run)
    through_api = api_pools(client_a, world.run)
    assert on_page == through_api
    assert {code for _kind, code in on_page} == {None, "A01"}
    html = client.get(reverse("dividends:run-detail", args=[world.run.pk])).content.decode()
    assert "A02" not in html


def test_the_township_sees_every_pool_on_the_page_and_through_the_api(
    world, client, township_official, township_client
):
    client.force_login(township_official)
    on_page = page_pools(client, world.run)
    assert on_page == api_pools(township_client, world.run)
    assert {code for _kind, code in on_page} == {None, "A01", "A02"}
