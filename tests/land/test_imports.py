"""Imports: every bad row reported by row, column and reason, and nothing written unless all are right."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from land import imports
from land.models import LandTransferContract, Parcel

# Full-width brackets, as people type them in Chinese spreadsheets; the import reads either form.
PARCEL_HEADER = ["地块编码", "合作社编码", "村民小组", "面积\uff08亩\uff09", "地类", "承包户编码", "承包期止"]
CONTRACT_HEADER = [
    "合同编号", "流出户编码", "签订日期", "起始日期", "终止日期", "保底租金(元/亩/年)",
    "递增比例(%)", "递增间隔(年)", "参与分红", "地块编码", "流转面积(亩)",
]  # fmt: skip


def csv_file(rows, name="file.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def xlsx_file(rows, name="file.xlsx") -> SimpleUploadedFile:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def test_good_parcels_import_from_xlsx(village_official_a, household_a):
    upload = xlsx_file(
        [
            PARCEL_HEADER,
            ["P-10", "A01", "一组", 12.5, "耕地", "A01-001", date(2057, 12, 31)],
            ["P-11", "A01", "二组", "3.0625", "orchard", "", None],
        ]
    )
    result = imports.import_parcels(upload=upload, user=village_official_a)
    assert result.errors == []
    assert result.created == 2
    first, second = Parcel.objects.order_by("code")
    assert (first.area_mu, first.contract_household, first.contract_right_end) == (
        Decimal("12.5"),
        household_a,
        date(2057, 12, 31),
    )
    assert (second.land_class, second.contract_household) == ("orchard", None)


def test_bad_parcel_rows_write_nothing_and_are_all_reported(village_official_a, household_a, association_b):
    upload = csv_file(
        [
            PARCEL_HEADER,
            ["P-10", "A01", "一组", "12.5", "耕地", "A01-001", "2057-12-31"],
            ["P-11", "A02", "一组", "abc", "稻田", "A01-001", "31/12/2057"],
            ["P-10", "A01", "", "-1", "", "A01-404", ""],
        ]
    )
    result = imports.import_parcels(upload=upload, user=village_official_a)
    assert Parcel.objects.count() == 0
    assert result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "合作社编码"),
        (3, "面积(亩)"),
        (3, "地类"),
        (3, "承包期止"),
        (4, "承包户编码"),
        (4, "地块编码"),
    ]
    assert result.errors[0].message == "No association A02 that you keep."
    assert result.errors[1].message == "“abc” is not a number."
    assert result.errors[5].message == "Parcel P-10 is also on row 2."


def test_a_parcel_rule_broken_in_the_service_rolls_back_the_whole_file(village_official_a, household_a):
    upload = csv_file(
        [
            PARCEL_HEADER,
            ["P-10", "A01", "一组", "12.5", "耕地", "A01-001", ""],
            ["P-11", "A01", "一组", "-1", "耕地", "A01-001", ""],
        ]
    )
    result = imports.import_parcels(upload=upload, user=village_official_a)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "面积(亩)", "The area must be more than 0 mu.")
    ]
    assert not Parcel.objects.exists()


def test_a_missing_column_is_reported_on_the_header_row(village_official_a):
    result = imports.import_parcels(upload=csv_file([["地块编码", "面积(亩)"], ["P-1", "1"]]), user=village_official_a)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(1, "合作社编码", "This column is missing.")]


def test_a_file_that_is_not_a_spreadsheet_is_refused_as_a_whole(village_official_a):
    with pytest.raises(ValidationError) as caught:
        imports.import_parcels(upload=SimpleUploadedFile("parcels.xlsx", b"not a workbook"), user=village_official_a)
    assert caught.value.messages == ["The file is not a readable .xlsx workbook."]
    assert not Parcel.objects.exists()


def test_contracts_import_one_row_per_parcel_and_sign_dated_rows(village_official_a, company, parcel_a, household_a):
    second = Parcel.objects.create(
        code="P-02", association=parcel_a.association, area_mu=4, contract_household=household_a
    )
    upload = csv_file(
        [
            CONTRACT_HEADER,
            ["HT-1", "A01-001", "2020-12-15", "2021-01-01", "2030-12-31", "600", "5", "3", "是", "P-01", "12.5"],
            ["HT-1", "A01-001", "2020-12-15", "2021-01-01", "2030-12-31", "600", "5", "3", "是", "P-02", "4"],
        ]
    )
    result = imports.import_contracts(upload=upload, user=village_official_a, today=date(2024, 6, 15))
    assert result.errors == []
    contract = LandTransferContract.objects.get()
    assert (contract.status, contract.transferee, contract.escalation_every_years) == ("active", company, 3)
    assert sorted((line.parcel.code, line.area_mu) for line in contract.lines.all()) == [
        ("P-01", Decimal("12.5")),
        ("P-02", Decimal(4)),
    ]
    assert second.contract_lines.get().binding is True


def test_bad_contract_rows_write_nothing_and_are_all_reported(village_official_a, company, parcel_a, household_b):
    upload = csv_file(
        [
            CONTRACT_HEADER,
            ["HT-1", "A01-001", "2020-12-15", "2021-01-01", "2030-12-31", "600", "", "", "是", "P-01", "10"],
            ["HT-1", "A01-001", "2020-12-15", "2021-01-01", "2031-12-31", "600", "", "", "是", "P-01", "1"],
            ["HT-2", "A02-001", "", "2021-01-01", "2030-12-31", "600.001", "5", "", "也许", "P-03", "1"],
            ["HT-3", "A01-001", "2020-12-15", "2025-01-01", "2026-12-31", "600", "", "", "否", "P-01", "20"],
        ]
    )
    result = imports.import_contracts(upload=upload, user=village_official_a, today=date(2024, 6, 15))
    reported = [(e.row, e.column) for e in result.errors]
    assert (3, "终止日期") in reported  # the rows of HT-1 disagree on the end date
    assert (4, "流出户编码") in reported  # A02-001 is not this official's
    assert (4, "保底租金(元/亩/年)") in reported
    assert (4, "递增间隔(年)") in reported
    assert (4, "参与分红") in reported
    assert (4, "地块编码") in reported
    assert LandTransferContract.objects.count() == 0


def test_service_errors_of_one_contract_undo_the_others(village_official_a, company, parcel_a):
    upload = csv_file(
        [
            CONTRACT_HEADER,
            ["HT-1", "A01-001", "2020-12-15", "2021-01-01", "2030-12-31", "600", "", "", "是", "P-01", "10"],
            ["HT-2", "A01-001", "2020-12-15", "2025-01-01", "2026-12-31", "600", "", "", "否", "P-01", "20"],
        ]
    )
    result = imports.import_contracts(upload=upload, user=village_official_a, today=date(2024, 6, 15))
    assert [(e.row, e.column) for e in result.errors] == [(3, "地块编码"), (3, "地块编码")]
    assert {e.message for e in result.errors} == {
        "Parcel P-01: 20 mu is more than the parcel's 12.5 mu.",
        "Parcel P-01 is already under contract HT-1 from 2021-01-01 to 2030-12-31.",
    }
    assert LandTransferContract.objects.count() == 0


def test_the_import_page_lists_the_errors_and_keeps_nothing(client, village_official_a, household_a):
    client.force_login(village_official_a)
    upload = csv_file([PARCEL_HEADER, ["P-10", "A01", "一组", "x", "耕地", "A01-001", ""]])
    response = client.post(reverse("land:import", args=["parcels"]), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved: 1 problem." in page
    assert "“x” is not a number." in page
    assert not Parcel.objects.exists()
    template = client.get(reverse("land:import-template", args=["contracts"]))
    assert template.content.decode("utf-8-sig").splitlines()[0].startswith("合同编号,流出户编码")


def test_township_officials_cannot_import(client, township_official):
    client.force_login(township_official)
    assert client.get(reverse("land:import", args=["parcels"])).status_code == 403
