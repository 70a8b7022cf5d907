# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""Importing rosters from spreadsheets, and the spreadsheets the registry hands out."""

import codecs
import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from collective.imports import (
    COLUMNS,
    RosterInvalid,
    import_roster,
    read_rows,
    registry_workbook,
    template_csv,
    template_workbook,
)
from collective.models import Household, Member, ShareEvent, ShareEventLine
from collective.resident_id import make_id_number
from tests.collective.factories import id_number_for

HEADERS = [column.header for column in COLUMNS]


def row(**values) -> list:
    keys = [column.key for column in COLUMNS]
    holdings = [values.pop("population", None), values.pop("labour", None)]
    return [values.get(key) for key in keys] + holdings


def roster_rows() -> list[list]:
    """Two households: a couple with a child, and a widow alone, with opening holdings on the heads' rows."""
    return [
        [*HEADERS, "人口股", "劳龄股"],
        row(household_code="A01-101", village_group="一组", address="甘田村一组1号", established_on="1995-03-01",
            bank_name="农村信用社", bank_account="6217000012345678901", name="李国华", sex="男",
            birth_date=date(1965, 4, 12), id_number=id_number_for(date(1965, 4, 12)), relation="户主",
            phone="13912345678", population=3, labour="77"),
        row(household_code="A01-101", name="王秀英", sex="女", birth_date="1967/09/30",
            id_number=id_number_for(date(1967, 9, 30), male=False), relation="妻"),
        row(household_code="A01-101", name="李明", sex="男", birth_date="19920115",
            id_number=id_number_for(date(1992, 1, 15)), relation="长子"),
        [None] * (len(HEADERS) + 2),
        row(household_code="A01-102", village_group="二组", name="赵凤", sex="女", birth_date=datetime(1940, 2, 2),
            id_number=id_number_for(date(1940, 2, 2), male=False), relation="户主", population=1, labour="44"),
    ]  # fmt: skip


def xlsx(rows: list[list]) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(rows: list[list], encoding: str) -> io.BytesIO:
    text = "\n".join(",".join("" if cell is None else str(cell) for cell in cells) for cells in rows) + "\n"
    return io.BytesIO(text.encode(encoding))


def do_import(association, rows, *, name="roster.xlsx", opening_date=date(2021, 1, 1), **kwargs):
    upload = xlsx(rows) if name.endswith(".xlsx") else rows
    with translation.override("zh-hans"):
        return import_roster(association=association, rows=read_rows(upload, name), opening_date=opening_date, **kwargs)


def errors_of(association, rows, **kwargs) -> list[tuple[int, str, str]]:
    with pytest.raises(RosterInvalid) as caught:
        do_import(association, rows, **kwargs)
    return [(error.row, error.column, error.message) for error in caught.value.errors]


def test_a_good_file_writes_households_members_heads_and_opening_holdings(
    association_a, share_types, township_official
):
    result = do_import(association_a, roster_rows(), recorded_by=township_official)
    assert (result.households, result.members, result.holding_lines) == (2, 4, 4)
    first = Household.objects.get(code="A01-101")
    assert first.head.name == "李国华"
    assert first.masked_bank_account == "6217***********8901"
    assert first.established_on == date(1995, 3, 1)
    assert set(first.members.values_list("name", "relation")) == {
        ("李国华", "head"), ("王秀英", "spouse"), ("李明", "child"),
    }  # fmt: skip
    assert Member.objects.get(name="王秀英").birth_date == date(1967, 9, 30)
    assert Member.objects.get(name="赵凤").birth_date == date(1940, 2, 2)
    event = ShareEvent.objects.get()
    assert event.effective_date == date(2021, 1, 1) and event.recorded_by == township_official
    assert sorted(event.lines.values_list("household__code", "share_type__code", "quantity_delta")) == [
        ("A01-101", "labour", Decimal(77)), ("A01-101", "population", Decimal(3)),
        ("A01-102", "labour", Decimal(44)), ("A01-102", "population", Decimal(1)),
    ]  # fmt: skip
    # The audit trail has the final state of every row, written by the importer.
    assert Household.history.filter(code="A01-101").get().head_id == first.head_id
    assert Member.history.filter(household_id=first.pk).count() == 3
    assert set(Member.history.values_list("history_user", flat=True)) == {township_official.pk}


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_bad_row(association_a, share_types, households):
    rows = roster_rows()
    rows[1][HEADERS.index("身份证号")] = rows[1][HEADERS.index("身份证号")][:17] + (
        "0" if rows[1][HEADERS.index("身份证号")][17] != "0" else "1"
    )  # wrong check character
    rows[2][HEADERS.index("身份证号")] = 530102196709301234  # stored as a number
    rows[3][HEADERS.index("姓名")] = None
    rows[3][HEADERS.index("性别")] = "未知"
    rows[5][HEADERS.index("出生日期")] = "1940-02-30"
    rows.append(row(household_code="A01-001", name="重复户", sex="男", birth_date=date(1970, 1, 1),
                    id_number=id_number_for(date(1970, 1, 1)), relation="户主"))  # fmt: skip
    rows.append(row(household_code="A01-103", name="无户主", sex="男", birth_date=date(1992, 1, 15),
                    id_number=rows[3][HEADERS.index("身份证号")], relation="子女", population=2))  # fmt: skip
    before = (Household.objects.count(), Member.objects.count(), ShareEvent.objects.count())
    errors = errors_of(association_a, rows)
    assert errors == [
        (2, "身份证号", "校验码（最后一位）不符，号码有输入错误。"),
        (3, "身份证号", "身份证号被存成了数字，Excel 已丢失部分位数：请把该列设为文本格式。"),
        (4, "姓名", "此列必须填写。"),
        (4, "性别", "请填写 男 或 女。"),
        (6, "出生日期", "请输入日期，例如 1985-03-07。"),
        (7, "户编号", "农户 A01-001 已存在；导入只能新增农户。"),
        (8, "身份证号", "第 4 行已有相同的身份证号。"),
        (8, "人口股", "期初持股只能填在户主所在的行。"),
        (8, "与户主关系", "农户 A01-103 没有户主。"),
    ]
    assert (Household.objects.count(), Member.objects.count(), ShareEvent.objects.count()) == before


def test_errors_are_reported_in_the_users_language(association_a, share_types):
    rows = roster_rows()
    rows[3][HEADERS.index("性别")] = "女"
    with pytest.raises(RosterInvalid) as caught, translation.override("en"):
        import_roster(association=association_a, rows=read_rows(xlsx(rows), "r.xlsx"), opening_date=date(2021, 1, 1))
    assert [(e.row, e.message) for e in caught.value.errors] == [
        (4, "The sex does not match the ID number (its 17th digit).")
    ]


def test_a_missing_or_unknown_column_is_reported_on_the_header_row(association_a, share_types):
    rows = roster_rows()
    header = rows[0]
    header[HEADERS.index("身份证号")] = "证件号码"
    errors = errors_of(association_a, rows)
    assert (1, "证件号码", "无法识别的列。请使用模板中的列；持股列以本合作社的股份类型命名。") in errors
    assert (1, "身份证号", "缺少此必填列。") in errors
    assert not Household.objects.exists()


def test_a_second_head_and_a_member_already_registered_are_refused(association_a, share_types):
    rows = roster_rows()
    do_import(association_a, rows)
    for cells in rows[1:]:
        if cells[0]:
            cells[0] = cells[0].replace("A01-1", "A01-2")
    rows[2][HEADERS.index("与户主关系")] = "户主"
    errors = errors_of(association_a, rows)
    assert (3, "与户主关系", "农户 A01-201 有不止一名户主。") in errors
    assert (2, "身份证号", "本合作社已有成员使用此身份证号。") in errors
    assert Household.objects.count() == 2


def test_check_only_validates_without_writing(association_a, share_types):
    result = do_import(association_a, roster_rows(), check_only=True)
    assert (result.households, result.members) == (2, 4)
    assert not Household.objects.exists() and not ShareEvent.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_the_encodings_excel_writes(association_a, share_types, encoding):
    result = do_import(association_a, csv_bytes(roster_rows(), encoding), name="roster.csv")
    assert result.members == 4
    assert Member.objects.get(relation="head", household__code="A01-101").name == "李国华"


def test_other_files_are_refused(association_a):
    with pytest.raises(RosterInvalid):
        list(read_rows(io.BytesIO(b"not a workbook"), "roster.xlsx"))
    with pytest.raises(RosterInvalid):
        list(read_rows(io.BytesIO(b""), "roster.pdf"))


def test_a_large_workbook_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "large.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([*HEADERS, "人口股"])
    for number in range(5_000):
        sheet.append([f"A01-{number:05d}", "一组", "甘田村", None, None, None, None, f"成员{number}", "男",
                      "1980-01-01", "530102198001010011", "户主", None, None, 1])  # fmt: skip
    workbook.save(path)
    tracemalloc.start()
    with path.open("rb") as upload:
        count = sum(1 for _row in read_rows(upload, "large.xlsx"))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 5_001
    # Measured: openpyxl's normal mode peaks at about 24 MB for this file, streaming at about 1 MB.
    assert peak < 6 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_thousand_households_import_in_one_go(association_a, share_types, django_assert_max_num_queries):
    rows = [[*HEADERS, "人口股"]]
    for number in range(1000):
        born = date(1950 + number % 50, 1 + number % 12, 1 + number % 28)
        # A sequence of its own per household, so no two numbers repeat.
        id_number = make_id_number("530102", born, (number % 500) * 2 + 1)
        rows.append(row(household_code=f"A01-{number:04d}", name=f"户主{number}", sex="男", birth_date=born,
                        id_number=id_number, relation="户主", population=2))  # fmt: skip
    with django_assert_max_num_queries(40):
        result = do_import(association_a, rows)
    assert (result.households, result.members) == (1000, 1000)
    assert ShareEventLine.objects.count() == 1000


def test_the_registry_workbook_escapes_and_masks(association_a, share_types):
    rows = [
        {"household_id": 1, "code": "A01-001", "group": "=1+1", "head_name": "@evil", "masked_id": "530102********0114",
         "quantities": {share_types["population"].pk: Decimal(3)}, "weighted": Decimal(3)},
    ]  # fmt: skip
    workbook = registry_workbook(
        association=association_a,
        as_of=date(2024, 1, 1),
        share_types=list(share_types.values()),
        rows=rows,
        totals={share_types["population"].pk: Decimal(3)},
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    values = list(openpyxl.load_workbook(buffer).active.iter_rows(values_only=True))
    assert values[2][:5] == ("A01-001", "'=1+1", "'@evil", "530102********0114", 3)


def test_the_templates_have_the_chinese_headers_and_the_share_types(association_a, share_types):
    workbook = template_workbook(share_types=list(share_types.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    header = next(openpyxl.load_workbook(buffer).worksheets[0].iter_rows(values_only=True))
    assert list(header) == [*HEADERS, "人口股", "劳龄股"]
    content = template_csv(share_types=list(share_types.values()))
    assert content.startswith(codecs.BOM_UTF8)
    assert content.decode("utf-8-sig").strip() == ",".join([*HEADERS, "人口股", "劳龄股"])


def test_the_template_formats_the_id_and_bank_columns_as_text(share_types):
    """Its own instructions ask for text: an 18-digit ID typed into a General cell loses its last digits."""
    buffer = io.BytesIO()
    template_workbook(share_types=list(share_types.values())).save(buffer)
    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for title in ("身份证号", "银行账号"):
        letter = openpyxl.utils.get_column_letter(header.index(title) + 1)
        assert sheet.column_dimensions[letter].number_format == "@"
        assert sheet[f"{letter}2"].number_format == "@"
        assert sheet[f"{letter}500"].number_format == "@"
    name_letter = openpyxl.utils.get_column_letter(header.index("姓名") + 1)
    assert sheet[f"{name_letter}2"].number_format == "General"
