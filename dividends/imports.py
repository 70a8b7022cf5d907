"""Import revenue and expense entries from .xlsx or .csv: all rows or none, and every bad row reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from books import services as books
from collective.models import Organisation, User
from collective.money import yuan_to_fen
from collective.spreadsheets import SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet
from dividends.models import LedgerEntry
from dividends.services.ledger import (
    COMPUTED_BY_RUN,
    check_keeps_books,
    computed_by_run_message,
    is_year_locked,
    single_entry,
)


class ImportRejected(Exception):
    """Nothing was imported; `errors` says what is wrong, row by row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


HEADERS = {
    "date": ("date", "entry_date", "日期"),
    "direction": ("direction", "revenue or expense", "收支", "收入/支出"),
    "category": ("category", "类别", "科目"),
    "rental_source": ("rental source", "rental_source", "租赁来源"),
    "amount": ("amount", "amount (yuan)", "金额", "金额(元)"),
    "counterparty": ("counterparty", "对方单位", "对方"),
    "source_reference": ("reference", "source document", "source_reference", "凭证号", "单据号"),
    "note": ("note", "备注"),
}
REQUIRED = ("date", "direction", "category", "amount")
# The names a village accountant writes, whatever language the interface is in.
DIRECTION_NAMES = {"收入": "revenue", "支出": "expense", "收": "revenue", "支": "expense"}
CATEGORY_NAMES = {
    "土地经营": "land_operation",
    "租赁": "rental",
    "租赁收入": "rental",
    "加工销售": "processing",
    "加工": "processing",
    "服务": "services",
    "补助": "subsidies",
    "补贴": "subsidies",
    "管理费用": "administration",
    "管理费": "administration",
    "其他": "other",
    "借款": "borrowing",
    "借入资金": "borrowing",
}
SOURCE_NAMES = {
    "绿荷市场": "lvhe_market",
    "绿荷市场经营管理权": "lvhe_market",
    "市场经营管理权": "lvhe_market",
    "乡镇食堂": "township_canteen",
    "乡政府食堂": "township_canteen",
    "食堂": "township_canteen",
    "其他租赁": "other",
}


def _choice_lookup(choices) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = value
    return lookup


def _rows_of(upload, filename: str) -> Iterator[tuple[int, list]]:
    """The file's rows that are not blank, with their numbers as the accountant sees them."""
    try:
        for number, cells in read_sheet(upload, filename):
            if any(cell_text(cell) for cell in cells):
                yield number, cells
    except SpreadsheetUnreadable as error:
        raise ImportRejected(error.messages) from error


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date such as 2024-03-31.") % {"value": text})


def _parse_amount(value) -> int:
    try:
        return yuan_to_fen(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None


@transaction.atomic
def import_entries(*, user: User, organisation: Organisation, upload, filename: str) -> int:
    """Import entries from an .xlsx or .csv file: all rows or none; every bad row is reported."""
    check_keeps_books(user, organisation)
    rows = _rows_of(upload, filename)
    first = next(rows, None)
    if first is None:
        raise ImportRejected([_("The file is empty.")])
    header = [normalise_heading(cell) for cell in first[1]]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        accepted = {normalise_heading(name) for name in names}
        for index, title in enumerate(header):
            if title in accepted:
                columns[key] = index
                break
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ImportRejected(
            [_("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    directions = {**_choice_lookup(LedgerEntry.Direction.choices), **DIRECTION_NAMES}
    categories = {**_choice_lookup(LedgerEntry.Category.choices), **CATEGORY_NAMES}
    sources = {**_choice_lookup(LedgerEntry.RentalSource.choices), **SOURCE_NAMES}
    errors: list[str] = []
    entries: list[LedgerEntry] = []
    locked_years: dict[int, bool] = {}
    for number, row in rows:

        def cell(key: str, row=row) -> str:
            index = columns.get(key)
            value = row[index] if index is not None and index < len(row) else None
            return value if isinstance(value, date | datetime | int | float) else cell_text(value)

        problems: list[str] = []
        try:
            entry_date = _parse_date(cell("date"))
        except ValueError as error:
            problems.append(str(error))
            entry_date = None
        direction = directions.get(str(cell("direction")).lower())
        if direction is None:
            problems.append(_("“%(value)s” is neither revenue nor expense.") % {"value": cell("direction")})
        category_text = str(cell("category")).lower()
        category = categories.get(category_text)
        if category_text in COMPUTED_BY_RUN:
            problems.append(computed_by_run_message(COMPUTED_BY_RUN[category_text]))
            category = None
        elif category is None:
            problems.append(_("“%(value)s” is not a category.") % {"value": cell("category")})
        source_text = str(cell("rental_source")).lower()
        rental_source = sources.get(source_text, "") if source_text else ""
        if source_text and not rental_source:
            problems.append(_("“%(value)s” is not a rental source.") % {"value": cell("rental_source")})
        try:
            amount_fen = _parse_amount(cell("amount"))
        except ValueError as error:
            problems.append(str(error))
            amount_fen = None
        if not problems:
            entry = LedgerEntry(
                organisation=organisation,
                direction=direction,
                category=category,
                rental_source=rental_source,
                entry_date=entry_date,
                amount_fen=amount_fen,
                counterparty=str(cell("counterparty"))[:200],
                source_reference=str(cell("source_reference"))[:100],
                note=str(cell("note"))[:200],
                recorded_by=user,
            )
            try:
                entry.full_clean(validate_constraints=False, exclude=["organisation", "recorded_by"])
            except ValidationError as error:
                problems += [message for messages in error.message_dict.values() for message in messages]
            year = entry_date.year
            if year not in locked_years:
                locked_years[year] = is_year_locked(organisation=organisation, year=year)
            if locked_years[year]:
                problems.append(_("The distribution of %(year)s is approved; its entries are locked.") % {"year": year})
            if not problems:
                entries.append(entry)
        errors += [_("Row %(row)s: %(problem)s") % {"row": number, "problem": problem} for problem in problems]
    if errors:
        raise ImportRejected(errors)
    bulk_create_with_history(entries, LedgerEntry, batch_size=1000, default_user=user)
    books.book_new_single_entries(entries=[single_entry(entry) for entry in entries], user=user)
    return len(entries)
