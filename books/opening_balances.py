"""Opening balances (期初余额) from an Excel template: the balances an organisation's books start a year with.

The books hold no balance apart from their posted vouchers, so the opening balances are one posted voucher
(机制凭证, source `opening:<organisation>:<year>`) dated the last day of the year before: every report of the
year reads them as its opening balances (科目余额表's 期初, the 资产负债表's 年初数), and no figure of the year
itself moves. Income and expense accounts start a year at nil and take no opening balance.

The file: one row per account (科目编码, 科目名称, 借方余额, 贷方余额 in yuan), and for the 往来 accounts
(应收款, 内部往来, 应付款) one row per household (its code) or counterparty (its name) in the last column,
whose sub-ledger account is made on first use. Every row is checked; one wrong row and nothing is saved.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from books import chart, services
from books.models import Account, Voucher, VoucherLine
from collective.models import Household, Organisation, User
from collective.money import format_yuan, yuan_to_fen
from collective.spreadsheets import SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet, safe_cell

COLUMNS = {
    "code": gettext_lazy("Account code"),
    "name": gettext_lazy("Account name"),
    "debit": gettext_lazy("Debit balance (yuan)"),
    "credit": gettext_lazy("Credit balance (yuan)"),
    "party": gettext_lazy("Household code or counterparty (往来)"),
}
REQUIRED = ("code", "debit", "credit")
# Shorter headings an accountant may write instead of the template's.
OTHER_HEADINGS = {
    "code": ("科目代码", "科目编号", "code"),
    "name": ("name",),
    "debit": ("借方余额", "借方", "debit"),
    "credit": ("贷方余额", "贷方", "credit"),
    "party": ("户号", "往来单位", "户号或往来单位", "household", "counterparty"),
}
SUB_LEDGER_PARENTS = (chart.RECEIVABLES, chart.INTERNAL, chart.PAYABLES)


def source_of(organisation: Organisation, year: int) -> str:
    return f"opening:{organisation.pk}:{year}"


def _check_permission(user: User, organisation: Organisation) -> None:
    if not services.keeps_books_of(user, organisation):
        raise PermissionDenied(_("You do not keep the books of %(organisation)s.") % {"organisation": organisation})


# --- The template ---------------------------------------------------------------------------------


def template_accounts(organisation: Organisation):
    """The accounts a year may open with: every account that takes entries, income and expenses aside."""
    return (
        Account.objects.filter(organisation=organisation)
        .leaves()
        .exclude(kind=Account.Kind.PROFIT_LOSS)
        .select_related("parent__parent", "household")
        .order_by("code")
    )


def template_xlsx(*, organisation: Organisation) -> bytes:
    """The template: the headings, then one row per account with its code and name and the amounts left blank."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Opening balances"))[:31])
    sheet.append([safe_cell(str(label)) for label in COLUMNS.values()])
    for account in template_accounts(organisation):
        party = account.household.code if account.household_id else account.counterparty
        code = account.parent.code if party else account.code
        sheet.append([safe_cell(code), safe_cell(account.full_name), None, None, safe_cell(party)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading and posting --------------------------------------------------------------------------


@dataclass
class _Balance:
    row: int
    account: Account  # the account named by the code
    household: Household | None
    counterparty: str
    debit_fen: int
    credit_fen: int

    @property
    def key(self) -> tuple:
        return (self.account.pk, self.household.pk if self.household else None, self.counterparty)


def _columns(header: list) -> dict[str, int]:
    names: dict[str, str] = {}
    for key, label in COLUMNS.items():
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[normalise_heading(str(label))] = key
        for other in OTHER_HEADINGS[key]:
            names[normalise_heading(other)] = key
    found: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = names.get(normalise_heading(heading))
        if key and key not in found:
            found[key] = index
    return found


def _amount(value) -> int:
    if value is None or cell_text(value) == "":
        return 0
    return yuan_to_fen(value if isinstance(value, int | float) else cell_text(value))


def _read(organisation: Organisation, upload, filename: str) -> tuple[list[_Balance], list[str]]:
    """The file's balances and its problems, each said with its row."""
    accounts = {a.code: a for a in Account.objects.filter(organisation=organisation).select_related("parent")}
    errors: list[str] = []
    balances: list[_Balance] = []
    seen: dict[tuple, int] = {}
    try:
        rows = read_sheet(upload, filename)
        header = next(rows, None)
        if header is None:
            return [], [_("The file is empty.")]
        columns = _columns(header[1])
        missing = [str(COLUMNS[key]) for key in REQUIRED if key not in columns]
        if missing:
            return [], [
                _("The first row must name the columns; missing: %(columns)s.") % {"columns": "、".join(missing)}
            ]
        for number, cells in rows:

            def cell(key: str, cells=cells):
                index = columns.get(key)
                return cells[index] if index is not None and index < len(cells) else None

            if all(cell_text(value) == "" for value in cells):
                continue
            problems: list[str] = []
            try:
                debit, credit = _amount(cell("debit")), _amount(cell("credit"))
            except ValidationError as error:
                problems += error.messages
                debit = credit = 0
            if not problems and not debit and not credit:
                continue  # a row of the template left blank
            balance = _row(organisation, accounts, number, cell, debit, credit, problems)
            if balance is not None and not problems:
                if balance.key in seen:
                    problems.append(_("The same account as row %(row)s.") % {"row": seen[balance.key]})
                else:
                    seen[balance.key] = number
                    balances.append(balance)
            errors += [_("Row %(row)s: %(problem)s") % {"row": number, "problem": problem} for problem in problems]
    except SpreadsheetUnreadable as error:
        return [], error.messages
    return balances, errors


def _row(organisation, accounts, number, cell, debit, credit, problems) -> _Balance | None:
    code = chart.current_code(cell_text(cell("code")))
    if debit and credit:
        problems.append(_("Enter a debit balance or a credit balance, not both."))
    if not code:
        problems.append(_("Enter the account code."))
        return None
    account = accounts.get(code)
    if account is None:
        problems.append(
            _("There is no account %(code)s in the chart of %(organisation)s.")
            % {"code": code, "organisation": organisation}
        )
        return None
    name = cell_text(cell("name"))
    party = cell_text(cell("party"))
    names = (account.name, account.full_name, f"{account.full_name}—{party}")
    if name and name not in names:
        problems.append(
            _("Account %(code)s is “%(name)s”, not “%(given)s”.")
            % {"code": code, "name": account.full_name, "given": name}
        )
    if account.kind == Account.Kind.PROFIT_LOSS:
        problems.append(
            _("%(account)s is an income or expense account: it starts the year at nil.") % {"account": account}
        )
        return None
    household = None
    if party:
        if account.code not in SUB_LEDGER_PARENTS:
            problems.append(
                _("%(account)s keeps no sub-ledger of households or counterparties: leave the last column empty.")
                % {"account": account}
            )
            return None
        households = Household.objects.filter(code=party)
        if organisation.is_collective:
            households = households.filter(association=organisation)
        household = households.first()
    elif not account.is_leaf:
        problems.append(_("%(account)s has sub-accounts: enter the balance on one of them.") % {"account": account})
        return None
    return _Balance(number, account, household, "" if household else party, debit, credit)


def _target(organisation: Organisation, balance: _Balance) -> Account:
    """The account a balance is posted on: the one named, or the household's or counterparty's under it."""
    if balance.household is not None:
        return services.household_account(
            organisation=organisation, parent_code=balance.account.code, household=balance.household
        )
    if balance.counterparty:
        existing = Account.objects.filter(parent=balance.account, counterparty=balance.counterparty).first()
        return existing or services.add_sub_account(
            organisation=organisation,
            parent_code=balance.account.code,
            name=balance.counterparty[:100],
            counterparty=balance.counterparty,
        )
    return balance.account


@transaction.atomic
def import_opening_balances(*, user: User, organisation: Organisation, year: int, upload, filename: str) -> Voucher:
    """Post the opening balances of a year from the template: all rows or none; every wrong row is said."""
    _check_permission(user, organisation)
    start = date(year, 1, 1)
    existing = Voucher.objects.filter(source=source_of(organisation, year)).first()
    if existing is not None:
        raise ValidationError(
            _("The opening balances of %(year)s are already posted (%(voucher)s); correct them with a voucher.")
            % {"year": year, "voucher": existing.label}
        )
    earlier = VoucherLine.objects.posted().filter(voucher__organisation=organisation, voucher__voucher_date__lt=start)
    if earlier.exists():
        raise ValidationError(
            _(
                "The books of %(organisation)s already hold vouchers before %(day)s: their balances carry into "
                "%(year)s, so there are no opening balances to import."
            )
            % {"organisation": organisation, "day": start.isoformat(), "year": year}
        )
    balances, errors = _read(organisation, upload, filename)
    if errors:
        raise ValidationError(errors)
    if not balances:
        raise ValidationError(_("The file holds no balance."))
    debit = sum(balance.debit_fen for balance in balances)
    credit = sum(balance.credit_fen for balance in balances)
    if debit != credit:
        raise ValidationError(
            _("The debit balances total %(debit)s and the credit balances %(credit)s: they must be equal.")
            % {"debit": format_yuan(debit), "credit": format_yuan(credit)}
        )
    lines = [
        services.Line(
            account=_target(organisation, balance), debit_fen=balance.debit_fen, credit_fen=balance.credit_fen
        )
        for balance in balances
    ]
    return services.post_system_voucher(
        organisation=organisation,
        voucher_date=date(year - 1, 12, 31),
        summary=_("Opening balances of %(year)s") % {"year": year},
        lines=lines,
        source=source_of(organisation, year),
        user=user,
    )
