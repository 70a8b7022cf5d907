# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""Opening balances from the Excel template: a good file posts them, a wrong row refuses the whole file."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from books import opening_balances, reports
from books.models import Account, Voucher, VoucherLine

pytestmark = pytest.mark.django_db

HEADER = ["科目编码", "科目名称", "借方余额（元）", "贷方余额（元）", "户号或往来单位"]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("期初余额.xlsx", buffer.getvalue())


def post(client, user, organisation, upload, year=2024):
    client.force_login(user)
    return client.post(
        reverse("books:opening-balances"), {"organisation": organisation.pk, "year": year, "balances": upload}
    )


def test_the_template_lists_the_accounts_that_open_a_year(client, village_official_a, association_a):
    client.force_login(village_official_a)
    response = client.get(reverse("books:opening-balances-template"), {"organisation": association_a.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    codes = [row[0] for row in rows[1:]]
    assert ("102", "银行存款") in [(row[0], row[1]) for row in rows[1:]]
    assert "301" in codes and "32201" in codes
    # Income and expense accounts start a year at nil; accounts with sub-accounts take no balance themselves.
    assert not {"501", "50101", "511", "112", "322"} & set(codes)


def test_a_good_file_posts_the_opening_balances_and_the_trial_balance_shows_them(
    client, village_official_a, association_a, household_a
):
    upload = xlsx(
        [
            ["102", "银行存款", "12,345.67", None, None],
            [112, "应收款", 1000, None, "A01-001"],
            ["211", "应付款", None, "3345.67", "云南丰收农资有限公司"],
            ["20101", "短期借款—借入资金", None, 500, None],
            ["301", "资本", None, 9500, None],
            ["151", "固定资产", None, None, None],  # a template row left blank
        ]
    )
    response = post(client, village_official_a, association_a, upload)
    assert response.status_code == 302
    voucher = Voucher.objects.get(source=f"opening:{association_a.pk}:2024")
    assert voucher.is_posted and voucher.voucher_date == date(2023, 12, 31) and voucher.summary == "2024 年期初余额"
    household_account = Account.objects.get(organisation=association_a, parent__code="112", household=household_a)
    supplier = Account.objects.get(organisation=association_a, parent__code="211", counterparty="云南丰收农资有限公司")
    report = reports.trial_balance(organisation=association_a, start=date(2024, 1, 1), end=date(2024, 12, 31))
    rows = {row.account.code: row for row in report.rows}
    assert rows["102"].opening_debit == 1_234_567
    assert rows["112"].opening_debit == rows[household_account.code].opening_debit == 100_000
    assert rows["211"].opening_credit == rows[supplier.code].opening_credit == 334_567
    assert rows["301"].opening_credit == 950_000 and rows["201"].opening_credit == 50_000
    assert rows["102"].debit_fen == rows["102"].credit_fen == 0  # nothing of 2024 itself moved
    assert report.balances and report.total("opening_debit") == report.total("opening_credit") == 1_334_567
    sheet = reports.balance_sheet(organisation=association_a, as_of=date(2024, 12, 31))
    assert sheet.balances and sheet.assets[0].previous_fen == sheet.assets[0].amount_fen == 1_234_567
    # An opening balance of borrowed funds is not money borrowed in 2023: the distribution of 2023 does not see it.
    assert reports.year_figures(organisation=association_a, year=2023) == ({}, {})
    # Imported once: a second upload is refused, and nothing more is posted.
    again = post(client, village_official_a, association_a, xlsx([["102", "", 1, None, None]]))
    assert "2024 年的期初余额已经入账（记-2023-12-001），如需更正，请填制凭证。" in again.content.decode()
    assert Voucher.objects.filter(organisation=association_a).count() == 1


def test_wrong_rows_are_refused_each_with_its_row_and_nothing_is_saved(client, village_official_a, association_a):
    accounts = Account.objects.count()
    upload = xlsx(
        [
            ["999", "", 100, None, None],
            ["102", "银行存款", 100, 100, None],
            ["501", "经营收入", None, 100, None],
            ["112", "应收款", 100, None, None],
            ["102", "", "12.345", None, None],
            ["101", "银行存款", 100, None, None],
            ["301", "资本", None, 100, "A01-001"],
            ["", "", 5, None, None],
            ["121", "库存物资", 50, None, None],
            ["121", "库存物资", 50, None, None],
            ["211", "应付款", None, 100, "某供销社"],
        ]
    )
    response = post(client, village_official_a, association_a, upload)
    assert response.status_code == 200
    page = response.content.decode()
    for message in [
        "第 2 行：甘田村股份经济合作社 的科目表中没有科目 999。",
        "第 3 行：借方余额和贷方余额只能填写其一。",
        "第 4 行：501 经营收入 是损益类科目，年初没有余额。",
        "第 5 行：112 应收款 设有明细科目，请把余额填在明细科目上。",
        "第 6 行：金额最多保留两位小数（到分）。",
        "第 7 行：科目 101 是“库存现金”，不是“银行存款”。",
        "第 8 行：301 资本 不设农户或往来单位明细账，最后一列请留空。",
        "第 9 行：请填写科目编码。",
        "第 11 行：与第 10 行是同一科目。",
    ]:
        assert message in page, message
    assert "第 10 行" not in page.replace("与第 10 行", "") and "第 12 行" not in page
    assert not Voucher.objects.exists() and not VoucherLine.objects.exists()
    assert Account.objects.count() == accounts  # not even the counterparty's account of row 12


def test_unequal_totals_are_refused_and_nothing_is_saved(village_official_a, association_a, household_a):
    accounts = Account.objects.count()
    upload = xlsx([["102", "", 1000, None, None], ["112", "", 1, None, "A01-001"], ["301", "", None, 1000, None]])
    with pytest.raises(Exception) as refused:
        opening_balances.import_opening_balances(
            user=village_official_a, organisation=association_a, year=2024, upload=upload, filename=upload.name
        )
    assert refused.value.messages == ["借方余额合计 ¥1,001.00，贷方余额合计 ¥1,000.00，二者必须相等。"]
    assert not Voucher.objects.exists() and Account.objects.count() == accounts


def test_books_that_already_run_need_no_opening_balances(village_official_a, association_a):
    from books import services
    from books.services import Line

    services.post_system_voucher(
        organisation=association_a,
        voucher_date=date(2023, 6, 1),
        summary="2023 年的收入",
        lines=[
            Line(account=services.account(organisation=association_a, code="102"), debit_fen=100),
            Line(account=services.account(organisation=association_a, code="50301"), credit_fen=100),
        ],
        source="test:2023",
    )
    upload = xlsx([["102", "", 1, None, None], ["301", "", None, 1, None]])
    with pytest.raises(Exception) as refused:
        opening_balances.import_opening_balances(
            user=village_official_a, organisation=association_a, year=2024, upload=upload, filename=upload.name
        )
    assert refused.value.messages == [
        "甘田村股份经济合作社 的账簿在 2024-01-01 之前已有凭证，其余额会结转到 2024 年，无需导入期初余额。"
    ]


def test_only_the_keeper_of_the_books_imports_them(client, farmer_a, village_official_a, association_b):
    client.force_login(farmer_a)
    assert client.get(reverse("books:opening-balances")).status_code == 403
    client.force_login(village_official_a)
    response = client.get(reverse("books:opening-balances-template"), {"organisation": association_b.pk})
    assert response.status_code == 404
