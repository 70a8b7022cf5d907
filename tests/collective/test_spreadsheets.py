# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""Reading uploaded spreadsheets, and the cells the exports write."""

import io
import re
import tracemalloc
import zipfile
from collections import deque
from datetime import date, datetime

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import translation

from collective.spreadsheets import (
    FORMULA_START,
    MAX_SHEET_ROWS,
    SpreadsheetUnreadable,
    cell_text,
    normalise_heading,
    read_sheet,
    safe_cell,
)

ROWS = [["户编号", "姓名", "面积(亩)"], ["A01-001", "李国华", "12.5"], ["A01-002", "赵凤", "3"]]


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str) -> bytes:
    return "".join(",".join(cells) + "\r\n" for cells in rows).encode(encoding)


def unreadable_message(upload, filename=None) -> str:
    with pytest.raises(SpreadsheetUnreadable) as caught, translation.override("zh-hans"):
        list(read_sheet(upload, filename))
    assert isinstance(caught.value, ValidationError)
    return caught.value.messages[0]


def test_an_xlsx_yields_typed_cells_numbered_as_the_spreadsheet_shows_them():
    rows = [
        ["户编号", "面积(亩)", "签订日期"],
        ["A01-001", 12.5, datetime(2024, 3, 1)],
        [None, None, None],
        ["A01-002", 3],
    ]
    upload = SimpleUploadedFile("roster.xlsx", xlsx_bytes(rows))
    read = list(read_sheet(upload))
    assert [number for number, _cells in read] == [1, 2, 3, 4]
    assert read[1][1] == ["A01-001", 12.5, datetime(2024, 3, 1)]
    assert not any(read[2][1])
    assert read[3][1][:2] == ["A01-002", 3]


def test_an_xlsx_with_a_wrong_recorded_size_is_read_whole():
    # Some programs record the sheet's size as A1; openpyxl's read-only mode would stop there.
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes(ROWS)))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            archive.writestr(item, data)
    patched.seek(0)
    assert [cells for _number, cells in read_sheet(patched, "roster.xlsx")] == ROWS


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_the_encodings_excel_writes(encoding):
    upload = SimpleUploadedFile("roster.csv", csv_bytes(ROWS, encoding))
    assert list(read_sheet(upload)) == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]
    assert not upload.closed, "the upload belongs to the caller"


def test_gb18030_is_recognised_after_a_long_ascii_start():
    rows = [["code", "name"]] + [[f"A01-{number:05d}", "x"] for number in range(10_000)] + [["A99-001", "李国华"]]
    read = list(read_sheet(io.BytesIO(csv_bytes(rows, "gb18030")), "roster.csv"))
    assert read[-1] == (10_002, ["A99-001", "李国华"])


def test_a_file_that_is_not_a_workbook_or_text_is_refused_in_the_users_language():
    assert (
        unreadable_message(SimpleUploadedFile("roster.xlsx", b"not a workbook")) == "该文件不是可读取的 .xlsx 工作簿。"
    )
    assert unreadable_message(io.BytesIO(b"a,b\r\n\x80\xff\r\n"), "roster.csv") == (
        "该文件既不是 UTF-8 也不是 GB 18030 编码的文本。"
    )
    assert unreadable_message(io.BytesIO(b"a," + b"x" * 200_000), "roster.csv") == "该文件不是可读取的 .csv 文件。"
    assert unreadable_message(SimpleUploadedFile("roster.pdf", b"%PDF-1.7")) == "请上传 .xlsx 或 .csv 文件。"
    with translation.override("en"), pytest.raises(SpreadsheetUnreadable, match=r"Upload an \.xlsx or \.csv file\."):
        next(read_sheet(io.BytesIO(b""), "roster.xls"))


def test_a_large_csv_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "large.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write("户编号,姓名,身份证号\r\n")
        for number in range(MAX_SHEET_ROWS - 1):
            out.write(f"A01-{number:06d},成员{number},530102198001010011\r\n")
    size = path.stat().st_size
    with path.open("rb") as raw:
        upload = UploadedFile(raw, name="large.csv")
        rows = read_sheet(upload)
        assert next(rows) == (1, ["户编号", "姓名", "身份证号"])
        assert raw.tell() < 128 * 1024 < size / 10, "reading the first row read the whole file"
        tracemalloc.start()
        last = deque(rows, maxlen=1).pop()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert last == (
        MAX_SHEET_ROWS,
        [f"A01-{MAX_SHEET_ROWS - 2:06d}", f"成员{MAX_SHEET_ROWS - 2}", "530102198001010011"],
    )
    assert peak < size / 10, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_cell_text():
    assert [cell_text(value) for value in (None, 12.0, 12.5, 0, "  李国华 ", date(2024, 3, 1))] == [
        "", "12", "12.5", "0", "李国华", "2024-03-01",
    ]  # fmt: skip


def test_normalise_heading():
    assert normalise_heading(" 面积（亩） ") == normalise_heading("面积(亩)") == "面积(亩)"
    assert normalise_heading("Grower Code") == normalise_heading("grower code") == "growercode"
    assert normalise_heading(None) == ""


def test_safe_cell_escapes_formula_like_text():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [safe_cell(v) for v in ("+1", "-2+3+cmd", "@SUM(A1)", "\tx", "\rx", "李国华", 12, None, "-12.50")] == [
        "'+1", "'-2+3+cmd", "'@SUM(A1)", "'\tx", "'\rx", "李国华", 12, None, "-12.50",
    ]  # fmt: skip
    assert all(safe_cell(start + "A1").startswith("'") for start in FORMULA_START)


def test_every_import_form_takes_its_file_through_the_one_spreadsheet_field():
    from association.forms import ImportForm as PearImportForm
    from collective.forms import ImportForm as RosterImportForm
    from collective.spreadsheets import SpreadsheetField
    from dividends.forms import LedgerImportForm
    from land.forms import ImportForm as LandImportForm

    for form in (RosterImportForm, LandImportForm, PearImportForm, LedgerImportForm):
        field = form.base_fields["file"]
        assert isinstance(field, SpreadsheetField), form
        assert field.widget.attrs["accept"] == ".xlsx,.csv"


def test_the_spreadsheet_field_refuses_other_types_and_files_over_10_mb_in_chinese():
    from collective.spreadsheets import SpreadsheetField

    field = SpreadsheetField()
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            field.clean(SimpleUploadedFile("roster.pdf", b"%PDF-1.7"))
        assert refused.value.messages == ["请上传 .xlsx 或 .csv 文件。"]
        with pytest.raises(ValidationError) as refused:
            field.clean(SimpleUploadedFile("roster.csv", b"x" * (10 * 1024 * 1024 + 1)))
        assert refused.value.messages == ["文件超过 10 MB，请拆分后上传。"]
    accepted = SimpleUploadedFile("Roster.XLSX", xlsx_bytes(ROWS))
    assert field.clean(accepted) is accepted
