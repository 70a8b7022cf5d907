"""What the posted vouchers say: balances, ledgers, journals and the two statements of the system.

Every figure is read from posted voucher lines only, summed in the database, in fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from books import chart
from books.models import Account, VoucherLine
from collective.models import Organisation


def _posted(organisation: Organisation):
    return VoucherLine.objects.posted().filter(voucher__organisation=organisation)


def _sums(queryset) -> dict[int, tuple[int, int]]:
    rows = queryset.values("account_id").annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen")).order_by()
    return {row["account_id"]: (row["debit"] or 0, row["credit"] or 0) for row in rows}


@dataclass
class BalanceRow:
    account: Account
    level: int
    opening_fen: int  # signed on the account's normal side
    debit_fen: int
    credit_fen: int
    closing_fen: int

    @property
    def opening_debit(self) -> int:
        return self._on(self.opening_fen, chart.DEBIT)

    @property
    def opening_credit(self) -> int:
        return self._on(self.opening_fen, chart.CREDIT)

    @property
    def closing_debit(self) -> int:
        return self._on(self.closing_fen, chart.DEBIT)

    @property
    def closing_credit(self) -> int:
        return self._on(self.closing_fen, chart.CREDIT)

    def _on(self, amount: int, side: str) -> int:
        """A balance shown on the column where it stands (a negative one goes to the other column)."""
        natural = self.account.side
        if amount >= 0:
            return amount if side == natural else 0
        return -amount if side != natural else 0


@dataclass
class TrialBalance:
    organisation: Organisation
    start: date
    end: date
    rows: list[BalanceRow] = field(default_factory=list)

    @property
    def top_rows(self) -> list[BalanceRow]:
        return [row for row in self.rows if row.level == 1]

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.top_rows)

    @property
    def balances(self) -> bool:
        return (
            self.total("opening_debit") == self.total("opening_credit")
            and self.total("debit_fen") == self.total("credit_fen")
            and self.total("closing_debit") == self.total("closing_credit")
        )


def _signed(account: Account, debit: int, credit: int) -> int:
    return debit - credit if account.side == chart.DEBIT else credit - debit


def trial_balance(*, organisation: Organisation, start: date, end: date) -> TrialBalance:
    """科目余额表: each account's opening balance, the period's debits and credits, its closing balance.

    Sub-accounts roll up into their parents; a parent's row is the sum of its children's.
    """
    accounts = list(Account.objects.filter(organisation=organisation).select_related("parent").order_by("code"))
    lines = _posted(organisation)
    before = _sums(lines.filter(voucher__voucher_date__lt=start))
    during = _sums(lines.filter(voucher__voucher_date__gte=start, voucher__voucher_date__lte=end))
    own: dict[int, list[int]] = {}
    for account in accounts:
        b_debit, b_credit = before.get(account.pk, (0, 0))
        debit, credit = during.get(account.pk, (0, 0))
        own[account.pk] = [b_debit, b_credit, debit, credit]
    # Roll each account into its ancestors (codes are ordered, children after parents).
    parent_of = {account.pk: account.parent_id for account in accounts}
    totals = {pk: list(values) for pk, values in own.items()}
    for pk, values in own.items():
        parent = parent_of[pk]
        while parent is not None:
            totals[parent] = [a + b for a, b in zip(totals[parent], values, strict=True)]
            parent = parent_of[parent]
    report = TrialBalance(organisation=organisation, start=start, end=end)
    for account in accounts:
        b_debit, b_credit, debit, credit = totals[account.pk]
        opening = _signed(account, b_debit, b_credit)
        level = 1
        parent = account.parent_id
        while parent is not None:
            level += 1
            parent = parent_of[parent]
        report.rows.append(
            BalanceRow(
                account=account,
                level=level,
                opening_fen=opening,
                debit_fen=debit,
                credit_fen=credit,
                closing_fen=opening + _signed(account, debit, credit),
            )
        )
    return report


@dataclass
class LedgerLine:
    voucher_date: date
    voucher_label: str
    voucher_id: int
    summary: str
    debit_fen: int
    credit_fen: int
    balance_fen: int


@dataclass
class AccountLedger:
    account: Account
    start: date
    end: date
    opening_fen: int
    lines: list[LedgerLine]
    debit_fen: int
    credit_fen: int
    closing_fen: int


def account_ledger(*, account: Account, start: date, end: date) -> AccountLedger:
    """明细账 (and, for 库存现金 / 银行存款, the cash and bank journals): every posted line, with the balance."""
    codes = Q(account=account) | Q(account__code__startswith=account.code)
    lines = VoucherLine.objects.posted().filter(codes, voucher__organisation_id=account.organisation_id)
    before = lines.filter(voucher__voucher_date__lt=start).aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    opening = _signed(account, before["d"] or 0, before["c"] or 0)
    balance = opening
    rows: list[LedgerLine] = []
    debit_total = credit_total = 0
    for line in (
        lines.filter(voucher__voucher_date__gte=start, voucher__voucher_date__lte=end)
        .select_related("voucher")
        .order_by("voucher__voucher_date", "voucher__number", "position")
    ):
        balance += _signed(account, line.debit_fen, line.credit_fen)
        debit_total += line.debit_fen
        credit_total += line.credit_fen
        rows.append(
            LedgerLine(
                voucher_date=line.voucher.voucher_date,
                voucher_label=line.voucher.label,
                voucher_id=line.voucher_id,
                summary=line.summary,
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                balance_fen=balance,
            )
        )
    return AccountLedger(account, start, end, opening, rows, debit_total, credit_total, balance)


# --- Statements -----------------------------------------------------------------------------------


@dataclass
class StatementLine:
    label: str  # lazy: read in the language the page, the file or the disclosure is made in
    amount_fen: int
    previous_fen: int = 0
    indent: int = 0
    is_total: bool = False


def _closing(balances: TrialBalance, code: str) -> int:
    return next((row.closing_fen for row in balances.rows if row.account.code == code), 0)


def _period_net(balances: TrialBalance, code: str) -> int:
    row = next((row for row in balances.rows if row.account.code == code), None)
    return _signed(row.account, row.debit_fen, row.credit_fen) if row else 0


# (label, codes): each line of the 资产负债表 sums the closing balances of these accounts, on the
# side the line stands (累计折旧 and the like are subtracted through their credit side). The labels are the
# statement's wording, in English for the catalogue; their Chinese is the statutory text.
BALANCE_SHEET_ASSETS = (
    (_("Cash and bank deposits"), ("101", "102")),
    (_("Short-term investments"), ("111",)),
    (_("Receivables (statement line)"), ("112", "113")),
    (_("Inventories"), ("121",)),
    (_("Consumable biological assets"), ("131",)),
    (_("Long-term investments"), ("141",)),
    (_("Productive biological assets, net"), ("132", "-133")),
    (_("Public-welfare biological assets"), ("134",)),
    (_("Fixed assets, net"), ("151", "-152")),
    (_("Construction in progress"), ("153",)),
    (_("Fixed assets in disposal"), ("154",)),
    (_("Intangible assets, net"), ("161", "-162")),
    (_("Long-term deferred expenses"), ("171",)),
    (_("Property losses and gains pending"), ("181",)),
)
BALANCE_SHEET_LIABILITIES = (
    (_("Short-term borrowings"), ("201",)),
    (_("Payables (statement line)"), ("211",)),
    (_("Wages payable (statement line)"), ("212",)),
    (_("Labour fees payable"), ("213",)),
    (_("Taxes payable"), ("214",)),
    (_("Long-term borrowings and payables"), ("221",)),
    (_("Funds of projects agreed case by case"), ("231",)),
    (_("Special payables"), ("241",)),
)
BALANCE_SHEET_EQUITY = (
    (_("Capital"), ("301",)),
    (_("Reserve and welfare fund"), ("311",)),
    (_("Undistributed income"), ("321", "322")),
)


@dataclass
class BalanceSheet:
    organisation: Organisation
    as_of: date
    assets: list[StatementLine]
    liabilities: list[StatementLine]
    equity: list[StatementLine]
    total_assets: int
    total_liabilities_and_equity: int

    @property
    def balances(self) -> bool:
        return self.total_assets == self.total_liabilities_and_equity


def _sheet_lines(balances_now, balances_then, spec) -> list[StatementLine]:
    lines = []
    for label, codes in spec:
        now = then = 0
        for code in codes:
            sign = -1 if code.startswith("-") else 1
            now += sign * _closing(balances_now, code.lstrip("-"))
            then += sign * _closing(balances_then, code.lstrip("-"))
        lines.append(StatementLine(label, now, then))
    return lines


def balance_sheet(*, organisation: Organisation, as_of: date) -> BalanceSheet:
    """资产负债表 on a day, with the start of its year beside it.

    Income and expense accounts not yet carried to 本年收益 at the year's end count in 未分配收益, so the
    sheet balances on any day of the year.
    """
    year_start = date(as_of.year, 1, 1)
    now = trial_balance(organisation=organisation, start=year_start, end=as_of)
    then = trial_balance(organisation=organisation, start=year_start, end=year_start - timedelta(days=1))
    assets = _sheet_lines(now, then, BALANCE_SHEET_ASSETS)
    liabilities = _sheet_lines(now, then, BALANCE_SHEET_LIABILITIES)
    equity = _sheet_lines(now, then, BALANCE_SHEET_EQUITY)
    # What the profit and loss and cost accounts hold until the year is closed into 本年收益.
    open_result_now = _open_result(now)
    open_result_then = _open_result(then)
    equity[-1].amount_fen += open_result_now
    equity[-1].previous_fen += open_result_then
    total_assets = sum(line.amount_fen for line in assets)
    total_le = sum(line.amount_fen for line in liabilities) + sum(line.amount_fen for line in equity)
    assets.append(StatementLine(_("Total assets"), total_assets, sum(x.previous_fen for x in assets), is_total=True))
    liabilities.append(
        StatementLine(
            _("Total liabilities"),
            sum(x.amount_fen for x in liabilities),
            sum(x.previous_fen for x in liabilities),
            is_total=True,
        )
    )
    equity.append(
        StatementLine(
            _("Total owners' equity"),
            sum(x.amount_fen for x in equity),
            sum(x.previous_fen for x in equity),
            is_total=True,
        )
    )
    return BalanceSheet(organisation, as_of, assets, liabilities, equity, total_assets, total_le)


def _open_result(balances: TrialBalance) -> int:
    """Income less expenses and costs still standing in their own accounts, as a credit amount."""
    result = 0
    for row in balances.top_rows:
        if row.account.kind in (chart.PROFIT_LOSS, chart.COST):
            result += row.closing_fen if row.account.side == chart.CREDIT else -row.closing_fen
    return result


INCOME_LINES = (
    (_("Operating income"), "501", 1),
    (_("Less: operating expenses"), "511", -1),
    (_("Less: taxes and surcharges"), "512", -1),
    (_("Less: administrative expenses"), "513", -1),
    (_("Less: public-welfare expenses"), "514", -1),
    (_("Add: investment income"), "502", 1),
    (_("Add: subsidy income"), "503", 1),
    (_("Add: other income"), "504", 1),
    (_("Less: other expenses"), "515", -1),
    (_("Less: income tax expense"), "521", -1),
)
OPENING_UNDISTRIBUTED = _("Add: undistributed income at the start of the year")
DISTRIBUTION_LINES = (
    (_("Less: set aside for the reserve and welfare fund"), "32202"),
    (_("Less: set aside for welfare payable"), "32203"),
    (_("Less: profit to investors"), "32204"),
    (_("Less: distribution to households"), "32205"),
    (_("Less: land dividends"), "32206"),
)


@dataclass
class IncomeStatement:
    organisation: Organisation
    start: date
    end: date
    lines: list[StatementLine]
    net_fen: int
    distributable_fen: int
    undistributed_fen: int
    sub_lines: dict[str, list[StatementLine]] = field(default_factory=dict)


def income_statement(*, organisation: Organisation, start: date, end: date) -> IncomeStatement:
    """收益及收益分配表 for a period: the period's income and expenses by account, then what was distributed.

    Year-end closing entries (into 本年收益) are left out of the income lines, so a closed year still shows
    its income and expenses; the distribution lines read the 收益分配 sub-accounts' debits.
    """
    balances = trial_balance(organisation=organisation, start=start, end=end)
    rows = {row.account.code: row for row in balances.rows}
    lines: list[StatementLine] = []
    net = 0
    for label, code, sign in INCOME_LINES:
        row = rows.get(code)
        amount = _flow(row) if row else 0
        lines.append(StatementLine(label, amount))
        for child in (r for r in balances.rows if r.account.parent_id == (row.account.pk if row else None)):
            if child.debit_fen or child.credit_fen:
                lines.append(StatementLine(child.account.name, _flow(child), indent=1))
        net += sign * amount
    lines.append(StatementLine(_("Net income of the period"), net, is_total=True))
    opening_undistributed = _closing_before(balances, chart.UNDISTRIBUTED)
    lines.append(StatementLine(OPENING_UNDISTRIBUTED, opening_undistributed))
    distributable = net + opening_undistributed
    lines.append(StatementLine(_("Income available for distribution"), distributable, is_total=True))
    distributed = 0
    for label, code in DISTRIBUTION_LINES:
        row = rows.get(code)
        amount = (row.debit_fen - row.credit_fen) if row else 0
        lines.append(StatementLine(label, amount))
        distributed += amount
    undistributed = distributable - distributed
    lines.append(StatementLine(_("Undistributed income at the end of the period"), undistributed, is_total=True))
    return IncomeStatement(organisation, start, end, lines, net, distributable, undistributed)


def _flow(row: BalanceRow) -> int:
    return _signed(row.account, row.debit_fen, row.credit_fen)


def _closing_before(balances: TrialBalance, code: str) -> int:
    return next((row.opening_fen for row in balances.rows if row.account.code == code), 0)


# --- For the distribution -------------------------------------------------------------------------


def year_figures(*, organisation: Organisation, year: int) -> tuple[dict[str, int], dict[str, int]]:
    """The year's revenue and expenses by distribution category, from the posted vouchers.

    Returns ({category: revenue fen}, {category: expense fen}) in the keys of dividends/engine.py
    (land_operation, rental, ..., borrowing), summed over every account whose category names them
    (a sub-account inherits its parent's category). Only what the accountant posted counts: the
    distribution's own vouchers (rent, wages, dividends) carry no category.
    """
    rows = (
        VoucherLine.objects.posted()
        .filter(voucher__organisation=organisation, voucher__year=year)
        .filter(Q(account__category__startswith="revenue:") | Q(account__category__startswith="expense:"))
        # Opening balances (books/opening_balances.py) are what a year starts with, not what the year before did.
        .exclude(voucher__source__startswith="opening:")
        .values("account__category")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by()
    )
    revenue: dict[str, int] = {}
    expense: dict[str, int] = {}
    for row in rows:
        direction, category = row["account__category"].split(":")[:2]
        if direction == "revenue":
            revenue[category] = revenue.get(category, 0) + (row["credit"] or 0) - (row["debit"] or 0)
        else:
            expense[category] = expense.get(category, 0) + (row["debit"] or 0) - (row["credit"] or 0)
    return (
        {key: value for key, value in revenue.items() if value},
        {key: value for key, value in expense.items() if value},
    )
