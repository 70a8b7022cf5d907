# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""Revenue and expense entries: recording, refusals, the year lock, the import and the income statement."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from dividends import imports, services
from dividends.models import LedgerEntry
from land.models import LandTransferContract, Parcel

Category = LedgerEntry.Category
REVENUE = LedgerEntry.Direction.REVENUE
EXPENSE = LedgerEntry.Direction.EXPENSE


def entry(user, organisation, direction, category, fen, on, **extra):
    return services.record_entry(
        user=user,
        organisation=organisation,
        direction=direction,
        category=category,
        entry_date=on,
        amount_fen=fen,
        **extra,
    )


def test_the_accountant_records_the_companys_entries_and_a_village_official_their_associations(
    company, association_a, association_b, accountant, village_official_a, township_official
):
    revenue = entry(
        accountant,
        company,
        REVENUE,
        Category.RENTAL,
        15000000,
        date(2024, 6, 30),
        rental_source=LedgerEntry.RentalSource.LVHE_MARKET,
        counterparty="绿荷市场",
    )
    assert revenue.recorded_by == accountant and revenue.amount_fen == 15000000
    entry(village_official_a, association_a, EXPENSE, Category.ADMINISTRATION, 120000, date(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        entry(village_official_a, association_b, EXPENSE, Category.ADMINISTRATION, 1, date(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        entry(village_official_a, company, EXPENSE, Category.ADMINISTRATION, 1, date(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        entry(township_official, company, EXPENSE, Category.ADMINISTRATION, 1, date(2024, 3, 1))
    assert set(LedgerEntry.objects.visible_to(village_official_a)) == {
        LedgerEntry.objects.get(organisation=association_a)
    }


@pytest.mark.parametrize(("category", "fragment"), [("rent", "Guaranteed land rent"), ("wages", "Wages of the land")])
def test_rent_and_wages_cannot_be_entered_as_expenses(company, accountant, category, fragment):
    with pytest.raises(ValidationError, match=fragment):
        entry(accountant, company, EXPENSE, category, 100, date(2024, 1, 1))


def test_an_entry_needs_a_category_of_its_direction_and_rental_income_its_source(company, accountant):
    with pytest.raises(ValidationError, match="not a category of"):
        entry(accountant, company, EXPENSE, Category.SUBSIDIES, 100, date(2024, 1, 1))
    with pytest.raises(ValidationError, match="rental income comes from"):
        entry(accountant, company, REVENUE, Category.RENTAL, 100, date(2024, 1, 1))
    with pytest.raises(ValidationError):
        entry(accountant, company, REVENUE, Category.LAND_OPERATION, 0, date(2024, 1, 1))


def test_entries_of_an_approved_year_are_locked_and_corrections_go_into_the_open_year(
    appendix, compute, accountant, township_official
):
    run = compute(appendix.policy)
    services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))
    services.approve_run(
        user=township_official, run=run, resolution_date=date(2025, 1, 12), resolution_reference="决议1号"
    )
    locked = appendix.company.ledger_entries.get(category=Category.ADMINISTRATION)
    for change in (
        lambda: services.update_entry(user=accountant, entry=locked, amount_fen=1),
        lambda: services.delete_entry(user=accountant, entry=locked),
        lambda: entry(accountant, appendix.company, EXPENSE, Category.OTHER, 100, date(2024, 12, 31)),
    ):
        with pytest.raises(ValidationError, match="locked"):
            change()
    # Nor may an open year's entry be moved into the locked year.
    correction = entry(
        accountant, appendix.company, EXPENSE, Category.OTHER, 100, date(2025, 1, 15), note="更正2024年管理费用"
    )
    with pytest.raises(ValidationError, match="locked"):
        services.update_entry(user=accountant, entry=correction, entry_date=date(2024, 12, 1))
    # The associations that shared in the run are locked for the year too.
    assert services.is_year_locked(organisation=appendix.associations["A01"], year=2024)
    assert not services.is_year_locked(organisation=appendix.associations["A01"], year=2025)


def xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile("entries.xlsx", output.getvalue())


def test_an_import_is_all_or_nothing_and_reports_every_bad_row(company, accountant):
    rows = [
        ["日期", "收支", "类别", "租赁来源", "金额", "对方单位", "凭证号", "备注"],
        [date(2024, 3, 1), "收入", "土地经营", "", 90000, "果品公司", "记-001", ""],
        [date(2024, 3, 2), "支出", "租金", "", 100, "", "", ""],
        ["2024-13-01", "支出", "管理费用", "", 1, "", "", ""],
        [date(2024, 3, 4), "收入", "租赁", "绿荷市场经营管理权", "12.345", "", "", ""],
        [date(2024, 3, 5), "支出", "工资", "", 1, "", "", ""],
        [date(2024, 3, 6), "收入", "Rental", "township_canteen", "50000.00", "乡政府", "记-006", ""],
    ]
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_entries(user=accountant, organisation=company, upload=xlsx(rows), filename="entries.xlsx")
    errors = rejected.value.errors
    assert [error.split(":")[0] for error in errors] == ["Row 3", "Row 4", "Row 5", "Row 6"]
    assert "Guaranteed land rent" in errors[0]
    assert "not a date" in errors[1]
    assert "more than two decimals" in errors[2]
    assert "Wages" in errors[3]
    assert not LedgerEntry.objects.exists()

    good = [rows[0], rows[1], rows[6]]
    count = imports.import_entries(user=accountant, organisation=company, upload=xlsx(good), filename="e.xlsx")
    assert count == 2
    imported = {e.category: (e.amount_fen, e.rental_source, e.recorded_by) for e in LedgerEntry.objects.all()}
    assert imported == {
        "land_operation": (9000000, "", accountant),
        "rental": (5000000, "township_canteen", accountant),
    }
    assert LedgerEntry.history.count() == 2


def test_a_csv_import_reads_english_headers(company, accountant):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "direction", "category", "rental source", "amount", "counterparty", "reference", "note"])
    writer.writerow(["2023-05-01", "expense", "administration", "", "1,200.50", "", "V-9", ""])
    upload = SimpleUploadedFile("e.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    assert imports.import_entries(user=accountant, organisation=company, upload=upload, filename="e.csv") == 1
    assert LedgerEntry.objects.get().amount_fen == 120050


def test_a_gb18030_csv_is_read_and_rows_keep_the_numbers_the_sheet_shows(company, accountant):
    text = "日期,收支,类别,金额\r\n2024-03-01,收入,土地经营,100\r\n,,,\r\n2024-13-01,支出,管理费用,1\r\n"
    upload = SimpleUploadedFile("e.csv", text.encode("gb18030"))
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_entries(user=accountant, organisation=company, upload=upload, filename="e.csv")
    assert [error.split(":")[0] for error in rejected.value.errors] == ["Row 4"]
    assert not LedgerEntry.objects.exists()


def test_the_income_statement_shows_each_category_beside_the_year_before(appendix, compute, accountant):
    entry(accountant, appendix.company, REVENUE, Category.LAND_OPERATION, 7000000, date(2023, 10, 1))
    entry(accountant, appendix.company, EXPENSE, Category.ADMINISTRATION, 2500000, date(2023, 12, 1))
    entry(accountant, appendix.company, REVENUE, Category.BORROWING, 10000000, date(2024, 2, 1))
    compute(appendix.policy)
    statement = services.income_statement(organisation=appendix.company, year=2024)
    revenue = {line.key: (line.amount_fen, line.previous_fen) for line in statement.revenue}
    assert revenue["land_operation"] == (9000000, 7000000)
    assert revenue["rental"] == (20000000, 0)
    assert revenue["rental:lvhe_market"] == (15000000, 0)
    assert revenue["rental:township_canteen"] == (5000000, 0)
    expenses = {line.key: (line.amount_fen, line.previous_fen) for line in statement.expenses}
    assert expenses["administration"] == (3000000, 2500000)
    assert (statement.revenue_total.amount_fen, statement.expense_total.amount_fen) == (29000000, 6500000)
    computed = {line.key: line.amount_fen for line in statement.computed}
    assert computed == {"rent_fen": 2330849, "wages_fen": 234000, "land_pool_fen": 1550745}
    assert statement.net.amount_fen == 18384406
    assert statement.net.previous_fen == 7000000 - 2500000
    assert statement.below_the_line[0].amount_fen == 10000000
    association = services.income_statement(organisation=appendix.associations["A01"], year=2024)
    assert association.computed[0].amount_fen == 6177161


def test_ledger_pages(client, appendix, accountant, village_official_a):
    client.force_login(accountant)
    response = client.get(reverse("dividends:ledger-list"), {"year": 2024})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 6
    response = client.get(reverse("dividends:income-statement"), {"organisation": appendix.company.pk, "year": 2024})
    assert "¥290,000.00" in response.content.decode()
    response = client.post(
        reverse("dividends:ledger-create"),
        {
            "organisation": appendix.company.pk,
            "direction": "expense",
            "category": "other",
            "entry_date": "2024-05-05",
            "amount": "12.34",
        },
    )
    assert response.status_code == 302
    assert appendix.company.ledger_entries.filter(amount_fen=1234).exists()
    entry_ = appendix.company.ledger_entries.get(amount_fen=1234)
    client.force_login(village_official_a)
    assert client.get(reverse("dividends:ledger-update", args=[entry_.pk])).status_code == 404
    response = client.get(reverse("dividends:income-statement"), {"organisation": appendix.company.pk, "year": 2024})
    assert response.context["statement"] is None  # the company's books are not a village official's


FULL_WIDTH_100 = "\uff11\uff10\uff10"


@pytest.mark.parametrize(
    ("typed", "fen", "message"),
    [
        ("1,000.00", 100000, None),
        ("1000", 100000, None),
        (FULL_WIDTH_100, 10000, None),
        ("12.345", None, "金额最多保留两位小数（到分）。"),
        ("1,00", None, "请输入以元为单位的金额，例如 1200.50 或 1,200.50。"),
        ("1000000000000", None, "金额不能超过¥999,999,999,999.99。"),
    ],
)
def test_the_ledger_form_and_the_imports_read_an_amount_alike(
    client, company, accountant, village_official_a, household_a, typed, fen, message
):
    """Today's main: the form refused "1,000.00" that the import took; one parser now answers both."""
    from land import imports as land_imports

    Parcel.objects.create(
        code="P-01", association=household_a.association, area_mu=Decimal("12.5"), contract_household=household_a
    )

    client.force_login(accountant)
    response = client.post(
        reverse("dividends:ledger-create"),
        {
            "organisation": company.pk,
            "direction": "expense",
            "category": "other",
            "entry_date": "2024-05-05",
            "amount": typed,
        },
    )
    # Pages, services and imports answer in Chinese, the users' language.
    with translation.override("zh-hans"):
        header = ["date", "direction", "category", "rental source", "amount"]
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, ["2024-05-05", "expense", "other", "", typed]])
        upload = SimpleUploadedFile("e.csv", buffer.getvalue().encode("utf-8"))
        contracts = io.StringIO()
        csv.writer(contracts).writerows(
            [
                [
                    "合同编号",
                    "流出户编码",
                    "签订日期",
                    "起始日期",
                    "终止日期",
                    "保底租金(元/亩/年)",
                    "地块编码",
                    "流转面积(亩)",
                ],
                ["HT-1", "A01-001", "", "2021-01-01", "2030-12-31", typed, "P-01", "10"],
            ]
        )
        contract_upload = SimpleUploadedFile("c.csv", contracts.getvalue().encode("utf-8"))
        contract_result = land_imports.import_contracts(
            upload=contract_upload, user=village_official_a, today=date(2024, 6, 15)
        )
        if message is None:
            assert response.status_code == 302
            assert imports.import_entries(user=accountant, organisation=company, upload=upload, filename="e.csv") == 1
            assert list(LedgerEntry.objects.values_list("amount_fen", flat=True)) == [fen, fen]
            assert contract_result.errors == []
            assert LandTransferContract.objects.get().rent_per_mu_fen == fen
        else:
            assert response.context["form"].errors["amount"] == [message]
            with pytest.raises(imports.ImportRejected) as rejected:
                imports.import_entries(user=accountant, organisation=company, upload=upload, filename="e.csv")
            assert message in rejected.value.errors[0]
            assert [error.message for error in contract_result.errors] == [message]
            assert not LedgerEntry.objects.exists()


def test_a_formula_cell_is_reported_as_a_formula_not_as_an_empty_cell(company, accountant):
    rows = [
        ["日期", "收支", "类别", "租赁来源", "金额"],
        [date(2024, 3, 1), "支出", "管理费用", "", "=SUM(100,200)"],
    ]
    with translation.override("zh-hans"), pytest.raises(imports.ImportRejected) as rejected:
        imports.import_entries(user=accountant, organisation=company, upload=xlsx(rows), filename="e.xlsx")
    assert rejected.value.errors == ["第 2 行：此单元格是公式（=SUM(100,200)），不是金额：请直接填写金额。"]
