"""Revenue and expense entries, their import, the year lock and the income statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from books import reports as books_reports
from books import services as books
from collective.models import Organisation, User
from collective.money import yuan_to_fen
from collective.spreadsheets import SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet
from dividends import engine
from dividends.models import DistributionRun, LedgerEntry, Pool

# Rent and wages are what the run computes (DESIGN.md §3 steps 1-2): entering them as expenses
# would count them twice. Names people may try, in both languages, and why they are refused.
COMPUTED_BY_RUN = {
    "rent": "rent",
    "land_rent": "rent",
    "land rent": "rent",
    "guaranteed rent": "rent",
    "租金": "rent",
    "保底租金": "rent",
    "土地租金": "rent",
    "流转租金": "rent",
    "土地流转费": "rent",
    "wages": "wages",
    "wage": "wages",
    "labour": "wages",
    "labor": "wages",
    "薪金": "wages",
    "工资": "wages",
    "劳务费": "wages",
    "务工工资": "wages",
}


def computed_by_run_message(kind: str) -> str:
    if kind == "rent":
        return _(
            "Guaranteed land rent is computed by the distribution run from the land contracts; "
            "it cannot be entered as an expense."
        )
    return _(
        "Wages of the land remediation work are computed by the distribution run from the labour records; "
        "they cannot be entered as an expense."
    )


def is_year_locked(*, organisation: Organisation, year: int) -> bool:
    """Entries of a year whose distribution is approved are locked (the company's, and its shareholders')."""
    return (
        DistributionRun.objects.locking()
        .filter(year=year)
        .filter(Q(company=organisation) | Exists(Pool.objects.filter(run=OuterRef("pk"), association=organisation)))
        .exists()
    )


def _refuse_if_locked(organisation: Organisation, entry_date: date) -> None:
    if is_year_locked(organisation=organisation, year=entry_date.year):
        raise ValidationError(
            _(
                "The distribution of %(year)s is approved, so its entries are locked. Record a correction as a new "
                "entry dated in the open year."
            )
            % {"year": entry_date.year}
        )


def _check_permission(user: User, organisation: Organisation) -> None:
    if not user.has_perm("dividends.record_entry", organisation):
        raise PermissionDenied(_("You do not keep the books of %(organisation)s.") % {"organisation": organisation})


@transaction.atomic
def record_entry(
    *,
    user: User,
    organisation: Organisation,
    direction: str,
    category: str,
    entry_date: date,
    amount_fen: int,
    rental_source: str = "",
    counterparty: str = "",
    source_reference: str = "",
    note: str = "",
    is_synthetic: bool = False,
) -> LedgerEntry:
    """Record one revenue or expense entry in an open year."""
    _check_permission(user, organisation)
    return post_entry(
        organisation=organisation,
        direction=direction,
        category=category,
        entry_date=entry_date,
        amount_fen=amount_fen,
        rental_source=rental_source,
        counterparty=counterparty,
        source_reference=source_reference,
        note=note,
        recorded_by=user,
        is_synthetic=is_synthetic,
    )


@transaction.atomic
def post_entry(
    *,
    organisation: Organisation,
    direction: str,
    category: str,
    entry_date: date,
    amount_fen: int,
    recorded_by: User | None = None,
    rental_source: str = "",
    counterparty: str = "",
    source_reference: str = "",
    note: str = "",
    is_synthetic: bool = False,
) -> LedgerEntry:
    """Post an entry that another record already justifies (a product sale); the caller checked who may.

    The entry rules still apply: rent and wages are never expenses, and a locked year takes nothing.
    """
    if direction == LedgerEntry.Direction.EXPENSE and category.strip().lower() in COMPUTED_BY_RUN:
        raise ValidationError({"category": computed_by_run_message(COMPUTED_BY_RUN[category.strip().lower()])})
    entry = LedgerEntry(
        organisation=organisation,
        direction=direction,
        category=category,
        rental_source=rental_source,
        entry_date=entry_date,
        amount_fen=amount_fen,
        counterparty=counterparty,
        source_reference=source_reference,
        note=note,
        recorded_by=recorded_by,
        is_synthetic=is_synthetic,
    )
    entry.full_clean(validate_constraints=False)
    _refuse_if_locked(organisation, entry_date)
    entry.save()
    books.book_new_single_entries(entries=[single_entry(entry)], user=recorded_by)
    return entry


@transaction.atomic
def update_entry(*, user: User, entry: LedgerEntry, **changes) -> LedgerEntry:
    """Change an entry of an open year (never one of a locked year, nor move one into it)."""
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    _check_permission(user, entry.organisation)
    _refuse_if_locked(entry.organisation, entry.entry_date)
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.full_clean(validate_constraints=False)
    _refuse_if_locked(entry.organisation, entry.entry_date)
    entry.save()
    books.book_single_entry(entry=single_entry(entry), key=_book_key(entry), user=user)
    return entry


@transaction.atomic
def delete_entry(*, user: User, entry: LedgerEntry) -> None:
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    _check_permission(user, entry.organisation)
    _refuse_if_locked(entry.organisation, entry.entry_date)
    books.book_single_entry(entry=None, key=_book_key(entry), user=user)
    entry.delete()


# --- Import ---------------------------------------------------------------------------------------


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
    _check_permission(user, organisation)
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


# --- Into the books -------------------------------------------------------------------------------


def _book_key(entry: LedgerEntry) -> str:
    return f"ledger:{entry.pk}"


def single_entry(entry: LedgerEntry) -> books.SingleEntry:
    """A ledger entry as the books post it: 银行存款 against the account of its category."""
    words = [str(entry.get_category_display())]
    if entry.rental_source:
        words.append(str(entry.get_rental_source_display()))
    words += [text for text in (entry.counterparty, entry.source_reference, entry.note) if text]
    return books.SingleEntry(
        key=_book_key(entry),
        organisation_id=entry.organisation_id,
        direction=entry.direction,
        category=entry.category,
        rental_source=entry.rental_source,
        entry_date=entry.entry_date,
        amount_fen=entry.amount_fen,
        summary=" ".join(words)[:200],
        is_synthetic=entry.is_synthetic,
    )


def year_figures(*, organisation: Organisation, year: int) -> tuple[dict[str, int], dict[str, int]]:
    """The year's revenue and expenses by category, as the posted vouchers say.

    Entries written around the services (a bulk load) are booked first, so the books hold every entry.
    """
    pending = LedgerEntry.objects.filter(organisation=organisation).of_year(year)
    books.book_new_single_entries(entries=[single_entry(entry) for entry in pending])
    return books_reports.year_figures(organisation=organisation, year=year)


# --- Income statement -----------------------------------------------------------------------------


@dataclass
class StatementLine:
    key: str
    label: str
    amount_fen: int
    previous_fen: int
    indent: bool = False


@dataclass
class IncomeStatement:
    organisation: Organisation
    year: int
    revenue: list[StatementLine] = field(default_factory=list)
    expenses: list[StatementLine] = field(default_factory=list)
    computed: list[StatementLine] = field(default_factory=list)
    below_the_line: list[StatementLine] = field(default_factory=list)
    revenue_total: StatementLine | None = None
    expense_total: StatementLine | None = None
    net: StatementLine | None = None
    run: DistributionRun | None = None
    previous_run: DistributionRun | None = None


def effective_run(*, organisation: Organisation, year: int) -> DistributionRun | None:
    """The regular run that stands for a year: computed or later, and not reversed."""
    runs = DistributionRun.objects.filter(
        kind=DistributionRun.Kind.REGULAR,
        year=year,
        status__in=[
            DistributionRun.Status.COMPUTED,
            DistributionRun.Status.NOTICE,
            *DistributionRun.LOCKING_STATUSES,
        ],
        reversal__isnull=True,
    )
    if organisation.is_collective:
        runs = runs.filter(Exists(Pool.objects.filter(run=OuterRef("pk"), association=organisation)))
    else:
        runs = runs.filter(company=organisation)
    return runs.order_by("-pk").first()


def income_statement(*, organisation: Organisation, year: int) -> IncomeStatement:
    """Revenue and expenses by category for a year, with the year before beside it.

    For the company, the rent, wages and land dividend the year's run computed come below the
    entries; for an association, what it received from the company's run.
    """
    this = LedgerEntry.objects.filter(organisation=organisation).of_year(year).totals_by_category()
    before = LedgerEntry.objects.filter(organisation=organisation).of_year(year - 1).totals_by_category()
    sources_this = dict(
        LedgerEntry.objects.filter(organisation=organisation, category=LedgerEntry.Category.RENTAL)
        .revenue()
        .of_year(year)
        .values_list("rental_source")
        .annotate(total=_sum())
        .order_by()
    )
    sources_before = dict(
        LedgerEntry.objects.filter(organisation=organisation, category=LedgerEntry.Category.RENTAL)
        .revenue()
        .of_year(year - 1)
        .values_list("rental_source")
        .annotate(total=_sum())
        .order_by()
    )
    statement = IncomeStatement(organisation=organisation, year=year)
    revenue = LedgerEntry.Direction.REVENUE
    expense = LedgerEntry.Direction.EXPENSE
    for category in LedgerEntry.REVENUE_CATEGORIES:
        if category == LedgerEntry.Category.BORROWING:
            continue
        statement.revenue.append(
            StatementLine(
                category.value,
                str(category.label),
                this.get((revenue, category), 0),
                before.get((revenue, category), 0),
            )
        )
        if category == LedgerEntry.Category.RENTAL:
            for source in LedgerEntry.RentalSource:
                if sources_this.get(source) or sources_before.get(source):
                    statement.revenue.append(
                        StatementLine(
                            f"rental:{source.value}",
                            str(source.label),
                            sources_this.get(source, 0),
                            sources_before.get(source, 0),
                            indent=True,
                        )
                    )
    for category in LedgerEntry.EXPENSE_CATEGORIES:
        statement.expenses.append(
            StatementLine(
                category.value,
                str(category.label),
                this.get((expense, category), 0),
                before.get((expense, category), 0),
            )
        )
    statement.run = effective_run(organisation=organisation, year=year)
    statement.previous_run = effective_run(organisation=organisation, year=year - 1)
    if organisation.is_collective:
        statement.computed.append(
            StatementLine(
                "received",
                _("Dividend received from the company (distribution run)"),
                _received(statement.run, organisation),
                _received(statement.previous_run, organisation),
            )
        )
    else:
        for label, key in (
            (_("Guaranteed rent (computed by the run)"), "rent_fen"),
            (_("Wages (computed by the run)"), "wages_fen"),
            (_("Land dividend (computed by the run)"), "land_pool_fen"),
        ):
            statement.computed.append(
                StatementLine(key, label, _figure(statement.run, key), _figure(statement.previous_run, key))
            )
    borrowed = LedgerEntry.Category.BORROWING
    statement.below_the_line.append(
        StatementLine(
            borrowed.value, str(borrowed.label), this.get((revenue, borrowed), 0), before.get((revenue, borrowed), 0)
        )
    )
    revenue_this = sum(line.amount_fen for line in statement.revenue if not line.indent)
    revenue_before = sum(line.previous_fen for line in statement.revenue if not line.indent)
    expense_this = sum(line.amount_fen for line in statement.expenses)
    expense_before = sum(line.previous_fen for line in statement.expenses)
    statement.revenue_total = StatementLine("revenue", _("Total revenue"), revenue_this, revenue_before)
    statement.expense_total = StatementLine("expenses", _("Total expenses"), expense_this, expense_before)
    sign = 1 if organisation.is_collective else -1
    computed_this = sum(line.amount_fen for line in statement.computed) * sign
    computed_before = sum(line.previous_fen for line in statement.computed) * sign
    statement.net = StatementLine(
        "net",
        _("Net profit"),
        revenue_this - expense_this + computed_this,
        revenue_before - expense_before + computed_before,
    )
    return statement


def _sum():
    from django.db.models import Sum

    return Sum("amount_fen")


def _figure(run: DistributionRun | None, key: str) -> int:
    return int(run.figures.get(key, 0)) if run else 0


def _received(run: DistributionRun | None, organisation: Organisation) -> int:
    if run is None:
        return 0
    pool = run.pools.filter(kind=engine.POOL_RECEIVED, association=organisation).first()
    return pool.amount_fen if pool else 0
