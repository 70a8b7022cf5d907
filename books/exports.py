"""Each book and statement as one table, which the page, the Excel file and the PDF all print.

Money cells are fen (int); they print as yuan with two decimals everywhere, to the fen.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from books import reports
from books.models import Account
from collective.money import fen_to_yuan_string, format_yuan
from collective.spreadsheets import safe_cell


@dataclass
class Column:
    label: str
    money: bool = False


@dataclass
class Row:
    cells: list
    total: bool = False
    indent: int = 0
    link: str = ""


@dataclass
class Table:
    title: str
    organisation: str
    period: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    slug: str = "report"

    def printed(self, row: Row) -> list[str]:
        """The row's cells as people read them."""
        return [
            (format_yuan(cell) if cell != "" and cell is not None else "") if column.money else str(cell)
            for column, cell in zip(self.columns, row.cells, strict=True)
        ]

    @property
    def printed_rows(self) -> list[tuple[Row, list[tuple[str, bool, bool]]]]:
        """Each row with its cells as (text, is money, is negative), for the page and the PDF."""
        return [
            (
                row,
                [
                    (text, column.money, isinstance(cell, int) and cell < 0)
                    for column, cell, text in zip(self.columns, row.cells, self.printed(row), strict=True)
                ],
            )
            for row in self.rows
        ]


def _period(start: date, end: date) -> str:
    return f"{start.isoformat()} 至 {end.isoformat()}"


def trial_balance_table(report: reports.TrialBalance) -> Table:
    table = Table(
        title=_("Trial balance"),
        organisation=report.organisation.name,
        period=_period(report.start, report.end),
        columns=[
            Column(_("Code")),
            Column(_("Account")),
            Column(_("Opening debit"), True),
            Column(_("Opening credit"), True),
            Column(_("Debits of the period"), True),
            Column(_("Credits of the period"), True),
            Column(_("Closing debit"), True),
            Column(_("Closing credit"), True),
        ],
        slug="trial-balance",
    )
    for row in report.rows:
        if row.level > 1 and not (row.opening_fen or row.debit_fen or row.credit_fen):
            continue
        table.rows.append(
            Row(
                [
                    row.account.code,
                    row.account.name,
                    row.opening_debit,
                    row.opening_credit,
                    row.debit_fen,
                    row.credit_fen,
                    row.closing_debit,
                    row.closing_credit,
                ],
                indent=row.level - 1,
            )
        )
    table.rows.append(
        Row(
            [
                "",
                _("Total"),
                report.total("opening_debit"),
                report.total("opening_credit"),
                report.total("debit_fen"),
                report.total("credit_fen"),
                report.total("closing_debit"),
                report.total("closing_credit"),
            ],
            total=True,
        )
    )
    return table


def ledger_table(ledger: reports.AccountLedger, title: str | None = None) -> Table:
    side = ledger.account.get_side_display()
    table = Table(
        title=title or _("Ledger of %(account)s") % {"account": f"{ledger.account.code} {ledger.account.full_name}"},
        organisation=ledger.account.organisation.name,
        period=_period(ledger.start, ledger.end),
        columns=[
            Column(_("Date")),
            Column(_("Voucher")),
            Column(_("Summary")),
            Column(_("Debit"), True),
            Column(_("Credit"), True),
            Column(_("Balance (%(side)s)") % {"side": side}, True),
        ],
        slug=f"ledger-{ledger.account.code}",
    )
    table.rows.append(Row(["", "", _("Opening balance"), "", "", ledger.opening_fen], total=True))
    for line in ledger.lines:
        table.rows.append(
            Row(
                [
                    line.voucher_date.isoformat(),
                    line.voucher_label,
                    line.summary,
                    line.debit_fen or "",
                    line.credit_fen or "",
                    line.balance_fen,
                ]
            )
        )
    table.rows.append(
        Row(["", "", _("Total of the period"), ledger.debit_fen, ledger.credit_fen, ledger.closing_fen], total=True)
    )
    return table


def _statement_rows(table: Table, lines: list[reports.StatementLine]) -> None:
    for line in lines:
        table.rows.append(
            Row([line.label, line.amount_fen, line.previous_fen], total=line.is_total, indent=line.indent)
        )


def balance_sheet_table(sheet: reports.BalanceSheet) -> Table:
    table = Table(
        title=_("Balance sheet"),
        organisation=sheet.organisation.name,
        period=sheet.as_of.isoformat(),
        columns=[Column(_("Item")), Column(_("End of the period"), True), Column(_("Start of the year"), True)],
        slug="balance-sheet",
    )
    table.rows.append(Row([_("Assets"), "", ""], total=True))
    _statement_rows(table, sheet.assets)
    table.rows.append(Row([_("Liabilities"), "", ""], total=True))
    _statement_rows(table, sheet.liabilities)
    table.rows.append(Row([_("Owners' equity"), "", ""], total=True))
    _statement_rows(table, sheet.equity)
    table.rows.append(
        Row(
            [
                _("Total liabilities and owners' equity"),
                sheet.total_liabilities_and_equity,
                sheet.liabilities[-1].previous_fen + sheet.equity[-1].previous_fen,
            ],
            total=True,
        )
    )
    return table


def income_statement_table(statement: reports.IncomeStatement) -> Table:
    table = Table(
        title=_("Statement of income and its distribution"),
        organisation=statement.organisation.name,
        period=_period(statement.start, statement.end),
        columns=[Column(_("Item")), Column(_("Amount"), True)],
        slug="income-statement",
    )
    for line in statement.lines:
        table.rows.append(Row([line.label, line.amount_fen], total=line.is_total, indent=line.indent))
    return table


def chart_table(accounts: list[Account], organisation_name: str) -> Table:
    table = Table(
        title=_("Chart of accounts"),
        organisation=organisation_name,
        period="",
        columns=[Column(_("Code")), Column(_("Account")), Column(_("Kind")), Column(_("Balance side"))],
        slug="chart",
    )
    for account in accounts:
        table.rows.append(
            Row(
                [account.code, account.name, account.get_kind_display(), account.get_side_display()],
                indent=len(account.code) // 2 - 2,
                total=account.parent_id is None,
            )
        )
    return table


# --- Files ----------------------------------------------------------------------------------------


def to_xlsx(table: Table) -> bytes:
    """The table as .xlsx, written in openpyxl's write-only mode; money as yuan numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.slug[:31])
    bold = Font(bold=True)
    title = WriteOnlyCell(sheet, value=safe_cell(table.title))
    title.font = bold
    sheet.append([title])
    sheet.append([safe_cell(table.organisation), safe_cell(table.period)])
    sheet.append([])
    sheet.append([safe_cell(column.label) for column in table.columns])
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row.cells, strict=True):
            if column.money and isinstance(value, int):
                # Yuan as an exact decimal from whole fen, never a float.
                cell = WriteOnlyCell(sheet, value=Decimal(fen_to_yuan_string(value)))
                cell.number_format = "#,##0.00"
            else:
                text = str(value if value is not None else "")
                if column is table.columns[0] and row.indent:
                    text = "  " * row.indent + text
                cell = WriteOnlyCell(sheet, value=safe_cell(text))
            if row.total:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(table: Table) -> bytes:
    """The table as a Chinese PDF (WeasyPrint, Noto CJK), as land's contract PDF is made."""
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("books/report_pdf.html", {"table": table})
    return HTML(string=html).write_pdf()
