# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The officials' registry pages: who sees what, masking, the forms, and the query counts."""

import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import urljoin

import openpyxl
import pytest
from django.urls import reverse

from collective import services
from collective.certificates import certificate_context
from collective.models import Household, Member, PiiReveal, ShareEvent
from collective.services import format_shares
from tests.collective.conftest import ACCOUNT, make_household
from tests.collective.factories import id_number_for
from tests.collective.test_imports import HEADERS, roster_rows, xlsx
from tests.pdf import pdf_pages, pdf_text, squeezed


def household_urls(household: Household) -> list[tuple[str, str]]:
    """Every page of one household, with the method that changes something there."""
    member = household.members.first()
    urls = [
        ("get", reverse("collective:household-detail", args=[household.pk])),
        ("get", reverse("collective:household-certificate", args=[household.pk])),
        ("post", reverse("collective:household-edit", args=[household.pk])),
        ("post", reverse("collective:household-reveal", args=[household.pk])),
        ("post", reverse("collective:member-create", args=[household.pk])),
        ("post", reverse("collective:member-edit", args=[member.pk])),
        ("post", reverse("collective:member-cease", args=[member.pk])),
        ("post", reverse("collective:member-move", args=[member.pk])),
        ("post", reverse("collective:member-reveal", args=[member.pk])),
    ]
    urls += [
        ("post", reverse("collective:household-event", args=[household.pk, kind]))
        for kind in ("issue", "transfer", "inheritance", "split", "merge", "cancellation")
    ]
    return urls


# --- who sees what ----------------------------------------------------------------------------------


def test_another_associations_official_gets_404_for_every_page_of_a_household(client, village_official_b, registry_a):
    client.force_login(village_official_b)
    household = registry_a[0]
    before = (ShareEvent.objects.count(), Member.objects.count(), PiiReveal.objects.count())
    for method, url in household_urls(household):
        if method == "post":
            assert client.get(url).status_code in (404, 405), url
        response = getattr(client, method)(url, {"effective_date": "2022-01-01", "quantity": "1", "name": "x"})
        assert response.status_code == 404, url
    assert (ShareEvent.objects.count(), Member.objects.count(), PiiReveal.objects.count()) == before
    household.refresh_from_db()
    assert household.address == ""


def test_the_township_reads_every_association_but_changes_nothing(client, township_official, registry_a):
    client.force_login(township_official)
    household = registry_a[0]
    for url in (
        reverse("collective:household-list"),
        reverse("collective:household-detail", args=[household.pk]),
        reverse("collective:household-certificate", args=[household.pk]),
        reverse("collective:registry"),
        reverse("collective:registry-export"),
        reverse("collective:share-type-list"),
    ):
        assert client.get(url).status_code == 200, url
    for method, url in household_urls(household):
        if method == "post":
            assert client.post(url, {"effective_date": "2022-01-01"}).status_code == 403, url
    for url in (reverse("collective:import"), reverse("collective:quantify"), reverse("collective:household-create")):
        assert client.get(url).status_code == 403
    assert not PiiReveal.objects.exists()


@pytest.mark.parametrize("persona", ["farmer_b", "accountant", "association_staff"])
def test_farmers_and_others_see_no_registry_page(client, request, persona, registry_a):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("collective:household-list"),
        reverse("collective:household-detail", args=[registry_a[0].pk]),
        reverse("collective:registry"),
        reverse("collective:registry-export"),
        reverse("collective:import"),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, registry_a):
    response = client.get(reverse("collective:household-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_shows_only_the_officials_association(client, village_official_a, registry_a, association_b):
    make_household(association_b, "A02-777")
    client.force_login(village_official_a)
    html = client.get(reverse("collective:household-list")).content.decode()
    assert "A01-001" in html and "A01-003" in html
    assert "A02-777" not in html


def test_each_row_of_the_list_links_to_its_households_page(client, village_official_a, registry_a):
    client.force_login(village_official_a)
    list_url = reverse("collective:household-list")
    html = client.get(list_url, {"page": "1"}).content.decode()
    for household in registry_a:
        href = re.search(rf'<a href="([^"]+)">{household.code}</a>', html).group(1)
        # Resolved as the browser resolves it against the list's address, query string and all.
        assert urljoin(f"http://testserver{list_url}?page=1", href) == (
            f"http://testserver{reverse('collective:household-detail', args=[household.pk])}"
        )


def test_the_township_sees_each_households_association_and_a_village_only_its_own(
    client, township_official, village_official_a, registry_a, association_a, association_b
):
    make_household(association_b, "A02-777")
    client.force_login(township_official)
    rows = client.get(reverse("collective:household-list")).content.decode().split("<tr>")
    row_b = next(row for row in rows if "A02-777" in row)
    row_a = next(row for row in rows if "A01-001" in row)
    assert association_b.name in row_b and association_a.name not in row_b
    assert association_a.name in row_a
    client.force_login(village_official_a)
    rows = client.get(reverse("collective:household-list")).content.decode().split("<tr>")
    assert association_a.name not in next(row for row in rows if "A01-001" in row)


# --- masking ----------------------------------------------------------------------------------------


def test_id_and_bank_numbers_are_masked_on_every_page_and_in_the_export(client, village_official_a, registry_a):
    household = registry_a[0]
    head = household.head
    plain_id = head.id_number
    client.force_login(village_official_a)
    pages = [
        reverse("collective:household-list"),
        reverse("collective:household-list") + f"?q={head.id_number_last4}",
        reverse("collective:household-detail", args=[household.pk]),
        reverse("collective:registry"),
        reverse("collective:household-edit", args=[household.pk]),
        reverse("collective:member-edit", args=[head.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert plain_id not in html, url
        assert ACCOUNT not in html, url
    assert head.masked_id_number in client.get(pages[2]).content.decode()
    assert "6217***********8901" in client.get(pages[2]).content.decode()
    export = client.get(reverse("collective:registry-export"))
    cells = [
        str(cell)
        for row in openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
        for cell in row
    ]
    assert plain_id not in " ".join(cells) and ACCOUNT not in " ".join(cells)
    assert head.masked_id_number in cells
    certificate = pdf_text(client.get(reverse("collective:household-certificate", args=[household.pk])).content)
    assert plain_id not in certificate and head.masked_id_number in certificate


def test_an_official_of_the_association_reveals_a_number_and_it_is_recorded(client, village_official_a, registry_a):
    household = registry_a[0]
    head = household.head
    client.force_login(village_official_a)
    assert client.get(reverse("collective:member-reveal", args=[head.pk])).status_code == 405
    response = client.post(reverse("collective:member-reveal", args=[head.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert head.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    response = client.post(reverse("collective:household-reveal", args=[household.pk]))
    assert ACCOUNT in response.content.decode()
    assert list(PiiReveal.objects.order_by("pk").values_list("user", "member", "field")) == [
        (village_official_a.pk, head.pk, "id_number"),
        (village_official_a.pk, None, "bank_account"),
    ]


# --- the forms ---------------------------------------------------------------------------------------


def test_a_transfer_through_the_form(client, village_official_a, registry_a, population):
    first, _second, _third = registry_a
    client.force_login(village_official_a)
    url = reverse("collective:household-event", args=[first.pk, "transfer"])
    response = client.post(
        url,
        {"to_household": "A01-002", "share_type": population.pk, "quantity": "2", "effective_date": "2022-03-15",
         "note": "转让"},
    )  # fmt: skip
    assert response.status_code == 302
    event = ShareEvent.objects.get(kind="transfer")
    assert event.recorded_by == village_official_a
    # Refused: more than is held, in Chinese, and nothing written.
    response = client.post(
        url, {"to_household": "A01-002", "share_type": population.pk, "quantity": "9", "effective_date": "2022-04-01"}
    )
    assert response.status_code == 200
    assert "A01-001 在 2022-04-01 只持有人口股 3 股，少于本次变动要减少的 9 股。" in response.content.decode()
    # A household of another association cannot be named.
    response = client.post(
        url, {"to_household": "A02-001", "share_type": population.pk, "quantity": "1", "effective_date": "2022-04-01"}
    )
    assert "本合作社没有户编号为 A02-001 的农户。" in response.content.decode()
    assert ShareEvent.objects.filter(kind="transfer").count() == 1


def test_an_inheritance_and_a_split_through_the_forms(client, village_official_a, registry_a, share_types):
    first, second, _third = registry_a
    population = share_types["population"]
    client.force_login(village_official_a)
    head = first.head
    response = client.post(
        reverse("collective:member-cease", args=[head.pk]),
        {"ceased_on": "2023-05-10", "reason": "death", "note": "病故"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("collective:household-event", args=[first.pk, "inheritance"]),
        {"deceased": head.pk, "heir": "A01-002", f"inherit_{population.pk}": "2", "effective_date": "2023-06-01"},
    )
    assert response.status_code == 302, response.content.decode()
    child = second.members.exclude(pk=second.head_id).first()
    response = client.post(
        reverse("collective:household-event", args=[second.pk, "split"]),
        {
            "new_code": "A01-020",
            "new_head": child.pk,
            "village_group": "二组",
            f"kept_{population.pk}": "4",
            f"moved_{population.pk}": "1",
            f"kept_{share_types['labour'].pk}": "0",
            f"moved_{share_types['labour'].pk}": "0",
            "effective_date": "2023-09-01",
        },
    )
    assert response.status_code == 302, response.content.decode()
    new = Household.objects.get(code="A01-020")
    assert new.head == child and new.village_group == "二组"
    registry = {
        (h.household_code, h.share_type_code): h.quantity
        for h in services.registry_as_of(association=first.association, as_of=date(2023, 9, 1))
    }
    assert registry[("A01-001", "population")] == 3
    assert registry[("A01-002", "population")] == 4
    assert registry[("A01-020", "population")] == 1


def test_member_form_errors_are_in_chinese_and_warnings_shown(client, village_official_a, registry_a):
    household = registry_a[0]
    client.force_login(village_official_a)
    url = reverse("collective:member-create", args=[household.pk])
    number = id_number_for(date(2001, 2, 3))
    data = {"name": "新成员", "sex": "male", "birth_date": "2001-02-03", "relation": "child"}
    response = client.post(url, {**data, "id_number": number[:17] + ("0" if number[17] != "0" else "1")})
    assert "校验码（最后一位）不符，号码有输入错误。" in response.content.decode()
    response = client.post(url, {**data, "id_number": number[:15]})  # a lower-case x is normalised, not refused
    assert response.status_code == 200
    response = client.post(url, {**data, "birth_date": "2001-02-04", "id_number": number})
    assert "身份证号中的出生日期为 2001-02-03，但填写的出生日期为 2001-02-04。" in response.content.decode()
    response = client.post(url, {**data, "id_number": number})
    assert response.status_code == 302
    assert Member.objects.with_id_number(number).get().name == "新成员"
    # An unknown region is accepted with a warning.
    odd = __import__("collective.resident_id", fromlist=["make_id_number"]).make_id_number(
        "990101", date(2001, 2, 3), 33
    )
    response = client.post(url, {**data, "id_number": odd}, follow=True)
    assert "身份证号的地区码 990101 不属于已知省份；号码已接受，请核对。" in response.content.decode()


def test_search_by_name_code_and_last_four_and_find_by_a_whole_number(client, village_official_a, registry_a):
    _first, second, third = registry_a
    client.force_login(village_official_a)
    url = reverse("collective:household-list")

    def codes(query: str) -> set[str]:
        html = client.get(url, {"q": query}).content.decode()
        return {h.code for h in registry_a if f">{h.code}</a>" in html}

    assert codes("A01-002户主") == {"A01-002"}
    assert codes("A01-003") == {"A01-003"}
    assert codes(second.head.id_number_last4) >= {"A01-002"}
    response = client.post(reverse("collective:household-find"), {"id_number": third.head.id_number})
    assert response["Location"] == reverse("collective:household-detail", args=[third.pk])
    html = client.get(url, {"status": "dissolved"}).content.decode()
    assert "A01-001" not in html


def test_the_household_page_shows_holdings_on_a_chosen_date_and_the_change_history(
    client, village_official_a, registry_a
):
    first = registry_a[0]
    client.force_login(village_official_a)
    response = client.post(
        reverse("collective:household-edit", args=[first.pk]),
        {"village_group": "三组", "address": "甘田村三组8号", "head": first.head_id, "bank_account": ""},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.bank_account == ACCOUNT  # left empty: kept
    html = client.get(reverse("collective:household-detail", args=[first.pk]), {"as_of": "2020-12-31"}).content.decode()
    assert "甘田村三组8号" in html
    assert "一组 → 三组" in html
    assert "village_a" in html
    response = client.get(reverse("collective:household-detail", args=[first.pk]), {"as_of": "2020-12-31"})
    holdings = response.context["holdings"]
    assert [(row["share_type"].code, row["now"], row["then"]) for row in holdings] == [("population", 5, None)]


def test_the_certificate_is_a_chinese_pdf_with_its_number_holder_and_holdings(client, village_official_a, registry_a):
    first = registry_a[0]
    client.force_login(village_official_a)
    response = client.get(reverse("collective:household-certificate", args=[first.pk]), {"as_of": "2021-06-01"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="GQZ-A01-001.pdf"'
    assert response.content.startswith(b"%PDF-")
    pages = [squeezed(page) for page in pdf_pages(response.content)]
    assert len(pages) == 1
    assert "股权证" in pages[0] and "证书编号：GQZ-A01-001" in pages[0]
    assert "持有人：A01-001户主（农户A01-001）" in pages[0]
    assert "2021-06-01的持股" in pages[0]
    holdings = {
        row["share_type"].name: row["quantity"]
        for row in certificate_context(household=first, as_of=date(2021, 6, 1))["holdings"]
    }
    assert holdings  # the registry fixture issued shares by then
    for name, quantity in holdings.items():
        assert f"{name}{format_shares(quantity)}" in pages[0]


def test_quantification_is_refused_without_a_final_membership_list(
    client, village_official_a, association_a, households, share_types
):
    """membership's check (collective.hooks) holds on the registry's own page; tests/membership has the way through."""
    client.force_login(village_official_a)
    data = {
        "base_date": "2021-01-01",
        "population_type": share_types["population"].pk,
        "population_per_member": "1",
        "labour_type": share_types["labour"].pk,
        "labour_from_age": "16",
        "labour_to_age": "60",
        "labour_per_year": "1",
        "collective_type": share_types["collective"].pk,
        "collective_quantity": "3",
    }
    message = (
        "股权量化只能使用最终成员名单：甘田村股份经济合作社在基准日 2021-01-01 没有已完成的成员身份确认。"
        "请以该日为基准日完成一轮确认（三榜公示后应用最终名单），再按其最终名单量化。"
    )
    for action in ("preview", "commit"):
        response = client.post(reverse("collective:quantify"), {**data, "action": action})
        assert response.status_code == 200 and response.context["preview"] is None
        assert message in response.content.decode()
    assert not ShareEvent.objects.exists()


def test_the_import_page_lists_every_bad_row_and_imports_a_good_file(client, village_official_a, share_types):
    client.force_login(village_official_a)
    rows = roster_rows()
    rows[3][HEADERS.index("姓名")] = None
    rows[5][HEADERS.index("出生日期")] = "昨天"
    upload = xlsx(rows)
    upload.name = "roster.xlsx"
    response = client.post(reverse("collective:import"), {"file": upload, "opening_date": "2021-01-01"})
    html = response.content.decode()
    assert "文件有 2 处错误，未导入任何数据。" in html
    assert "此列必须填写。" in html and "请输入日期，例如 1985-03-07。" in html
    assert not Household.objects.exists()
    upload = xlsx(roster_rows())
    upload.name = "roster.xlsx"
    response = client.post(reverse("collective:import"), {"file": upload, "opening_date": "2021-01-01"}, follow=True)
    assert "已导入 2 户，4 名成员。" in response.content.decode()
    assert Household.objects.filter(association=village_official_a.organisation).count() == 2
    template = client.get(reverse("collective:import-template", args=["xlsx"]))
    assert template.status_code == 200
    assert client.get(reverse("collective:import-template", args=["pdf"])).status_code == 404


# --- query counts ------------------------------------------------------------------------------------


def populate(association, population, start: int, count: int) -> None:
    for number in range(start, start + count):
        household = make_household(association, f"A01-{number:03d}", members=2)
        services.issue_shares(
            association=association, household=household, share_type=population, quantity=Decimal(2),
            effective_date=date(2021, 1, 1),
        )  # fmt: skip


@pytest.mark.parametrize("url_name", ["collective:registry", "collective:household-list", "collective:registry-export"])
def test_the_page_query_count_does_not_grow_with_the_households(
    client, village_official_a, association_a, share_types, django_assert_max_num_queries, url_name
):
    client.force_login(village_official_a)
    populate(association_a, share_types["population"], 1, 10)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse(url_name)).status_code == 200
    populate(association_a, share_types["population"], 11, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "collective:registry":
        assert response.context["holder_count"] == 30


def test_the_share_type_list_names_its_name_column_as_a_things_name(client, village_official_a, share_types):
    """A share type has a 名称, not a person's 姓名."""
    client.force_login(village_official_a)
    html = client.get(reverse("collective:share-type-list")).content.decode()
    assert "<th>名称</th>" in html
    assert "姓名" not in html
