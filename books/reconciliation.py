"""Bank reconciliation: a bank statement (.xlsx/.csv as Chinese banks export it) against the bank journal.

Nothing is stored: the statement is read, matched to the posted lines of 银行存款 and its sub-accounts,
and the 余额调节表 shows what one side has and the other has not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from books.chart import BANK
from books.models import VoucherLine
from collective.models import Organisation
from collective.money import yuan_to_fen
from collective.spreadsheets import SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet

# Column names in the exports of the large Chinese banks (工行, 农行, 建行, 中行, 农商行) and in English.
HEADERS = {
    "date": ("交易日期", "记账日期", "日期", "交易时间", "date"),
    "summary": ("摘要", "交易摘要", "用途", "附言", "summary"),
    "income": ("收入金额", "贷方发生额", "贷方金额", "收入", "存入金额", "credit"),
    "expense": ("支出金额", "借方发生额", "借方金额", "支出", "支取金额", "debit"),
    "amount": ("交易金额", "发生额", "金额", "amount"),
    "balance": ("余额", "账户余额", "balance"),
    "reference": ("流水号", "交易流水号", "凭证号", "reference"),
}
MATCH_DAYS = 5


@dataclass
class StatementLine:
    row: int
    day: date
    amount_fen: int  # money in is positive, money out negative
    summary: str
    reference: str
    balance_fen: int | None


@dataclass
class JournalLine:
    day: date
    amount_fen: int
    summary: str
    voucher_label: str


@dataclass
class Reconciliation:
    start: date
    end: date
    book_balance_fen: int
    bank_balance_fen: int
    matched: list[tuple[StatementLine, JournalLine]] = field(default_factory=list)
    bank_only: list[StatementLine] = field(default_factory=list)  # 银行已收/已付, 单位未入账
    book_only: list[JournalLine] = field(default_factory=list)  # 单位已收/已付, 银行未入账

    @property
    def adjusted_book_fen(self) -> int:
        return self.book_balance_fen + sum(line.amount_fen for line in self.bank_only)

    @property
    def adjusted_bank_fen(self) -> int:
        return self.bank_balance_fen + sum(line.amount_fen for line in self.book_only)

    @property
    def reconciles(self) -> bool:
        return self.adjusted_book_fen == self.adjusted_bank_fen


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).strip()[:10]
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date such as 2024-03-31.") % {"value": text})


def _fen(value) -> int:
    if value is None or cell_text(value).strip() in ("", "-"):
        return 0
    if isinstance(value, float):
        value = repr(value)
    try:
        return yuan_to_fen(Decimal(cell_text(value).replace(",", "").replace("¥", "").strip()))
    except (InvalidOperation, ValidationError):
        raise ValueError(_("“%(value)s” is not an amount in yuan such as 1200.50.") % {"value": value}) from None


def read_statement(*, upload, filename: str) -> list[StatementLine]:
    """The statement's lines; every bad row is reported, and nothing is returned then."""
    try:
        rows = [(n, cells) for n, cells in read_sheet(upload, filename) if any(cell_text(c) for c in cells)]
    except SpreadsheetUnreadable as error:
        raise ValidationError(error.messages) from error
    # Banks put an account header above the table: the header row is the first that names a date column.
    columns: dict[str, int] = {}
    start = None
    for index, (_number, cells) in enumerate(rows):
        titles = [normalise_heading(cell) for cell in cells]
        found = {}
        for key, names in HEADERS.items():
            accepted = {normalise_heading(name) for name in names}
            for position, title in enumerate(titles):
                if title in accepted:
                    found[key] = position
                    break
        if "date" in found and ({"income", "expense"} <= found.keys() or "amount" in found):
            columns, start = found, index
            break
    if start is None:
        raise ValidationError(_("No row names the columns: a date and either income and expense, or an amount."))
    lines, errors = [], []
    for number, cells in rows[start + 1 :]:

        def cell(key, cells=cells):
            position = columns.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        try:
            amount = _fen(cell("income")) - _fen(cell("expense")) if "income" in columns else _fen(cell("amount"))
            balance = _fen(cell("balance")) if "balance" in columns and cell_text(cell("balance")) else None
            summary, reference = cell_text(cell("summary")), cell_text(cell("reference"))
            lines.append(StatementLine(number, _date(cell("date")), amount, summary, reference, balance))
        except ValueError as error:
            errors.append(_("Row %(row)s: %(problem)s") % {"row": number, "problem": error})
    if errors:
        raise ValidationError(errors)
    return lines


def reconcile(*, organisation: Organisation, statement: list[StatementLine], start: date, end: date) -> Reconciliation:
    """Match each statement line to a journal line of the same amount within a few days, nearest first."""
    lines = (
        VoucherLine.objects.posted()
        .filter(Q(account__code=BANK) | Q(account__code__startswith=BANK), voucher__organisation=organisation)
        .select_related("voucher")
    )
    before = sum(x.debit_fen - x.credit_fen for x in lines.filter(voucher__voucher_date__lte=end))
    journal = [
        JournalLine(x.voucher.voucher_date, x.debit_fen - x.credit_fen, x.summary, x.voucher.label)
        for x in lines.filter(voucher__voucher_date__gte=start, voucher__voucher_date__lte=end).order_by(
            "voucher__voucher_date", "voucher__number", "position"
        )
    ]
    in_period = [line for line in statement if start <= line.day <= end]
    with_balance = [line for line in in_period if line.balance_fen is not None]
    bank_balance = with_balance[-1].balance_fen if with_balance else 0
    result = Reconciliation(start=start, end=end, book_balance_fen=before, bank_balance_fen=bank_balance)
    free = list(journal)
    for line in in_period:
        candidates = [j for j in free if j.amount_fen == line.amount_fen and abs((j.day - line.day).days) <= MATCH_DAYS]
        if candidates:
            best = min(candidates, key=lambda j: abs((j.day - line.day).days))
            free.remove(best)
            result.matched.append((line, best))
        else:
            result.bank_only.append(line)
    result.book_only = free
    return result
