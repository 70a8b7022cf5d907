# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""A member reads the association's published quarter on a 360 by 740 px phone in Debian's chromium."""

from datetime import date

import pytest
from django.urls import reverse

from books import services
from books.models import Account
from books.services import Line
from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_farmer_reads_the_published_quarter_on_a_phone(page, live_server, farmer_a, village_official_a):
    association = village_official_a.organisation
    services.post_system_voucher(
        organisation=association,
        voucher_date=date(2024, 2, 1),
        summary="收到财政补助",
        lines=[
            Line(account=Account.objects.get(organisation=association, code="102"), debit_fen=1_234_567),
            Line(account=Account.objects.get(organisation=association, code="50301"), credit_fen=1_234_567),
        ],
        source="test:subsidy",
    )
    services.publish_disclosure(user=village_official_a, organisation=association, year=2024, quarter=1)
    errors = collect_console_errors(page)
    log_in(page, live_server, farmer_a.username)
    page.click("a:has-text('集体账目公开')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("books:member-disclosures"))
    text = page.locator("#disclosure").inner_text()
    assert "2024年第1季度" in text
    assert "补助收入" in text and "¥12,345.67" in text
    assert "资产负债表" in text and "货币资金" in text
    check_phone_page(page, "books-member-disclosure")
    assert errors == []


def test_the_keeper_imports_opening_balances_on_a_phone(page, live_server, village_official_a, tmp_path):
    from openpyxl import Workbook

    association = village_official_a.organisation
    workbook = Workbook()
    workbook.active.append(["科目编码", "科目名称", "借方余额（元）", "贷方余额（元）", "户号或往来单位"])
    workbook.active.append(["102", "银行存款", "8,000.00", None, None])
    workbook.active.append(["301", "资本", None, "8,000.00", None])
    workbook.save(tmp_path / "期初余额.xlsx")
    errors = collect_console_errors(page)
    log_in(page, live_server, village_official_a.username)
    page.goto(live_server.url + reverse("books:opening-balances"))
    check_phone_page(page, "books-opening-balances")
    assert page.locator("#templates a").count() == 1
    page.select_option("select[name=organisation]", str(association.pk))
    page.fill("input[name=year]", "2024")
    page.set_input_files("input[name=balances]", str(tmp_path / "期初余额.xlsx"))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "2024 年期初余额已入账，凭证号 记-2023-12-001。" in page.content()
    assert Account.objects.get(organisation=association, code="102").lines.get().debit_fen == 800_000
    assert errors == []
