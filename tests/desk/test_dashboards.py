"""The dashboards: the annual report's figures, by the village, for exactly who may see them."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from collective.models import Organisation, User
from collective.money import format_yuan
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def figures(html: str, association_code: str) -> dict[str, str]:
    """The figures of one association's row of the dashboard's table: {data-figure: text}."""
    row = re.search(rf'<tr data-association="{association_code}">(.*?)</tr>', html, re.S).group(1)
    return {
        name: re.sub(r"<[^>]+>", "", text).strip()
        for name, text in re.findall(r'data-figure="([a-z_]+)"[^>]*>(.*?)</(?:a|span|td)>', row, re.S)
    }


def test_the_township_dashboard_shows_the_api_annual_report_of_the_demo_to_the_fen(client):
    call_command("load_gantian_demo", verbosity=0)
    township = User.objects.get(username="township")
    client.force_login(township)

    page = client.get(reverse("desk:dashboard"), {"year": 2024})
    report = client.get("/api/v1/reports/annual/", {"year": 2024}).json()

    assert page.status_code == 200
    html = page.content.decode()
    assert len(report["associations"]) == 9
    for row in report["associations"]:
        shown = figures(html, row["association_code"])
        assert shown["collective_income"] == format_yuan(row["collective_income_fen"]), row["association_code"]
        assert shown["income_from_company"] == format_yuan(row["income_from_company_fen"])
        assert Decimal(shown["area_transferred_mu"]) == Decimal(row["area_transferred_mu"])
    assert format_yuan(report["township"]["collective_income_fen"]) in html
    # Every figure links to the rows behind it.
    gt01 = Organisation.objects.get(code=report["associations"][0]["association_code"])
    assert f"/dividends/income-statement/?organisation={gt01.pk}&amp;year=2024" in html


def test_a_village_official_sees_only_their_village_and_what_to_do(client, appendix, compute, village_official_a):
    compute(appendix.policy)
    client.force_login(village_official_a)

    response = client.get(reverse("desk:dashboard"), {"year": 2024})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-association="A01"' in html
    assert 'data-association="A02"' not in html
    assert "绿荷村" not in html  # association B's name
    assert "待办事项" in html
    # A01's households in the appendix: A01-001, A01-002, A01-003, none with a farmer account yet.
    todo = response.context["todo"]
    assert todo.households_without_account_count == 3
    # Dividends of A01 (land dividend + share dividend), from DESIGN.md's appendix.
    village = response.context["villages"][0]
    assert village.dividends_fen == 1173253 + 377492 + 1853149 + 1111889 + 1853148
    assert village.wage_fen == 144000
    assert figures(html, "A01")["wages"] == "¥1,440.00"


def test_dividends_per_member_and_per_household_are_rounded_half_up(client, appendix, compute, township_official):
    from collective.models import Household, Member

    compute(appendix.policy)
    client.force_login(township_official)
    response = client.get(reverse("desk:dashboard"), {"year": 2024})
    village = next(v for v in response.context["villages"] if v.row["association_code"] == "A01")
    members = Member.objects.in_membership_on(date(2024, 12, 31)).filter(household__association__code="A01").count()
    households = Household.objects.active_on(date(2024, 12, 31)).filter(association__code="A01").count()
    dividends = 1173253 + 377492 + 1853149 + 1111889 + 1853148
    assert village.members == members
    assert village.dividends_per_household_fen == (2 * dividends + households) // (2 * households)
    if members:
        assert village.dividends_per_member_fen == (2 * dividends + members) // (2 * members)


@pytest.mark.parametrize("role", [User.Role.FARMER, User.Role.ASSOCIATION_STAFF])
def test_the_desk_is_closed_to_farmers_and_the_pear_association(client, role, household_a, pear_association):
    fields = {"household": household_a} if role == User.Role.FARMER else {"organisation": pear_association}
    client.force_login(make_user(f"user-{role}", role, **fields))
    for name in ("desk:dashboard", "desk:annual-report", "desk:notification-list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("desk:annual-report-xlsx", args=[2024])).status_code == 403


def test_a_village_official_cannot_download_another_village_s_workbook(client, village_official_a, association_b):
    client.force_login(village_official_a)
    assert client.get(reverse("desk:village-workbook", args=[association_b.pk, 2024])).status_code == 404


def test_an_unknown_year_is_not_found(client, township_official):
    client.force_login(township_official)
    assert client.get(reverse("desk:dashboard"), {"year": "abc"}).status_code == 404


def test_the_annual_report_api_defaults_to_the_latest_computed_year(client, appendix, compute, township_official):
    compute(appendix.policy)
    client.force_login(township_official)
    response = client.get("/api/v1/reports/annual/")
    assert response.status_code == 200
    assert response.json()["year"] == 2024
