"""Revenue and expense entries, the year lock and the income statement (their import: dividends/imports.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from books import reports as books_reports
from books import services as books
from collective.models import Organisation, User
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


def check_keeps_books(user: User, organisation: Organisation) -> None:
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
    check_keeps_books(user, organisation)
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
    check_keeps_books(user, entry.organisation)
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
    check_keeps_books(user, entry.organisation)
    _refuse_if_locked(entry.organisation, entry.entry_date)
    books.book_single_entry(entry=None, key=_book_key(entry), user=user)
    entry.delete()


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
