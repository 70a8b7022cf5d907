# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The books' pages: who sees what, entering and reviewing a voucher, the statements as page, Excel and PDF."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from books import exports, reports, services
from books.models import Account, Voucher
from books.services import Line

pytestmark = pytest.mark.django_db


def acct(organisation, code):
    return Account.objects.get(organisation=organisation, code=code)


@pytest.fixture
def posted(accountant, second_accountant, company):
    voucher = services.enter_voucher(
        user=accountant,
        organisation=company,
        voucher_date=date(2024, 6, 30),
        summary="土地经营收入",
        lines=[
            Line(account=acct(company, "102"), debit_fen=9_000_000),
            Line(account=acct(company, "50101"), credit_fen=9_000_000),
        ],
    )
    services.review_voucher(user=second_accountant, voucher=voucher)
    return services.post_voucher(user=accountant, voucher=voucher)


def login(client, user):
    client.force_login(user)
    return client


def test_the_accountant_enters_a_voucher_in_yuan_and_a_second_person_reviews_it(
    client, accountant, second_accountant, company
):
    login(client, accountant)
    response = client.post(
        reverse("books:voucher-new") + f"?organisation={company.pk}",
        {
            "voucher_date": "2024-03-05",
            "summary": "收到市场管理权租金",
            "attachments": "2",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "2",
            "lines-MAX_NUM_FORMS": "40",
            "lines-0-account": acct(company, "102").pk,
            "lines-0-debit": "120,000.00",
            "lines-1-account": acct(company, "5010201").pk,
            "lines-1-credit": "120000",
        },
    )
    voucher = Voucher.objects.get()
    assert response.status_code == 302 and response.url == reverse("books:voucher-detail", args=[voucher.pk])
    assert [(x.account.code, x.debit_fen, x.credit_fen) for x in voucher.lines.all()] == [
        ("102", 12_000_000, 0),
        ("5010201", 0, 12_000_000),
    ]
    assert voucher.attachments == 2 and voucher.prepared_by == accountant
    own = client.get(reverse("books:voucher-detail", args=[voucher.pk])).content.decode()
    assert reverse("books:voucher-review", args=[voucher.pk]) not in own  # not to whoever entered it
    client.logout()
    login(client, second_accountant)
    client.post(reverse("books:voucher-review", args=[voucher.pk]))
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REVIEWED and voucher.reviewed_by == second_accountant


def test_an_unbalanced_voucher_page_says_why_and_keeps_what_was_typed(client, accountant, company):
    login(client, accountant)
    response = client.post(
        reverse("books:voucher-new"),
        {
            "voucher_date": "2024-03-05",
            "summary": "错账",
            "attachments": "0",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "2",
            "lines-MAX_NUM_FORMS": "40",
            "lines-0-account": acct(company, "102").pk,
            "lines-0-debit": "100.00",
            "lines-1-account": acct(company, "50101").pk,
            "lines-1-credit": "99.99",
        },
    )
    assert response.status_code == 200
    assert "借方合计（10000 分）与贷方合计（9999 分）不等：凭证不平衡。" in response.content.decode()
    assert 'value="99.99"' in response.content.decode()
    assert not Voucher.objects.exists()


def test_a_village_official_sees_only_their_own_vouchers(client, posted, village_official_a, association_a):
    login(client, village_official_a)
    page = client.get(reverse("books:voucher-list")).content.decode()
    assert posted.label not in page
    assert client.get(reverse("books:voucher-detail", args=[posted.pk])).status_code == 404
    response = client.get(reverse("books:balance-sheet"), {"organisation": posted.organisation_id})
    assert "兴绿" not in response.content.decode()


def test_a_farmer_has_no_access_to_the_books(client, farmer_a, posted):
    login(client, farmer_a)
    assert client.get(reverse("books:trial-balance")).status_code == 403


@pytest.mark.parametrize(
    "name", ["books:trial-balance", "books:balance-sheet", "books:income-statement", "books:chart", "books:ledger"]
)
def test_each_statement_is_a_page_an_excel_file_and_a_pdf(client, accountant, company, posted, name):
    login(client, accountant)
    query = {"organisation": company.pk, "start": "2024-01-01", "end": "2024-12-31"}
    page = client.get(reverse(name), query)
    assert page.status_code == 200
    if name != "books:chart":
        assert "¥90,000.00" in page.content.decode()
    excel = client.get(reverse(name), {**query, "format": "xlsx"})
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(excel.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    if name != "books:chart":
        assert Decimal("90000.00") in [Decimal(str(value)) for value in values if isinstance(value, int | float)]
    pdf = client.get(reverse(name), {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_balance_sheet_balances_and_says_so(client, accountant, company, posted):
    login(client, accountant)
    page = client.get(reverse("books:balance-sheet"), {"organisation": company.pk, "end": "2024-12-31"})
    assert "账目平衡" in page.content.decode()


def test_the_reconciliation_page_shows_the_adjusted_balances(client, accountant, company, posted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, accountant)
    csv = "交易日期,摘要,收入金额,支出金额,余额\n2024-06-30,收入,90000.00,,90000.00\n".encode()
    response = client.post(
        reverse("books:bank-reconciliation"),
        {
            "organisation": company.pk,
            "start": "2024-06-01",
            "end": "2024-06-30",
            "statement": SimpleUploadedFile("statement.csv", csv),
        },
    )
    page = response.content.decode()
    assert "调节后余额相符。" in page and "已匹配 1 行。" in page


def test_the_statements_read_in_chinese_with_the_statutory_wording(client, accountant, company, posted):
    from pypdf import PdfReader

    login(client, accountant)
    query = {"organisation": company.pk, "start": "2024-01-01", "end": "2024-12-31"}
    income = client.get(reverse("books:income-statement"), query).content.decode()
    for label in ("经营收入", "减：经营支出", "减：税金及附加", "加：投资收益", "减：所得税费用", "加：年初未分配收益"):
        assert f">{label}<" in income, label
    sheet = client.get(reverse("books:balance-sheet"), query).content.decode()
    assert ">货币资金<" in sheet and ">应付劳务费<" in sheet and ">未分配收益<" in sheet
    # The labels are English msgids: the page follows the reader's language, the PDF is Chinese whatever it is.
    with translation.override("en"):
        statement = reports.income_statement(organisation=company, start=date(2024, 1, 1), end=date(2024, 12, 31))
        assert [str(line.label) for line in statement.lines[:3]] == [
            "Operating income",
            "土地经营",
            "Less: operating expenses",
        ]
        pdf = exports.to_pdf(exports.income_statement_table(statement))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "减：经营支出" in text and "Less" not in text
