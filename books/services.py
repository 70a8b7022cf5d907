"""The bookkeeping: the chart, vouchers from entry to posting and reversal, closing a month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from books import chart
from books.models import Account, Disclosure, Period, Voucher, VoucherLine
from collective.models import Household, Organisation, User

# --- Chart ----------------------------------------------------------------------------------------


def load_chart(*, organisation: Organisation) -> int:
    """Give an organisation the system's accounts and the standard sub-accounts; safe to run twice.

    Written in bulk, one level at a time (a few statements), since every new organisation gets it.
    """
    by_code: dict[str, Account] = {a.code: a for a in Account.objects.filter(organisation=organisation)}
    created = 0
    top = [
        Account(organisation=organisation, code=code, name=name, kind=kind, side=side)
        for code, name, kind, side in chart.ACCOUNTS
        if code not in by_code
    ]
    for account_ in Account.objects.bulk_create(top):
        by_code[account_.code] = account_
    created += len(top)
    pending = [row for row in chart.SUB_ACCOUNTS if row[0] not in by_code]
    while pending:
        level = [row for row in pending if row[1] in by_code]
        new = [
            Account(
                organisation=organisation,
                code=code,
                name=name,
                kind=by_code[parent_code].kind,
                side=by_code[parent_code].side,
                parent=by_code[parent_code],
                category=category,
            )
            for code, parent_code, name, category in level
        ]
        for account_ in Account.objects.bulk_create(new):
            by_code[account_.code] = account_
        created += len(new)
        pending = [row for row in pending if row[0] not in by_code]
    parents = {parent_code for _code, parent_code, _name, _category in chart.SUB_ACCOUNTS}
    Account.objects.filter(organisation=organisation, code__in=parents, is_leaf=True).update(is_leaf=False)
    return created


def _next_child_code(parent: Account) -> str:
    codes = Account.objects.filter(parent=parent).values_list("code", flat=True)
    width = 2
    numbers = [int(code[len(parent.code) :]) for code in codes if code[len(parent.code) :].isdigit()]
    return f"{parent.code}{(max(numbers, default=0) + 1):0{width}d}"


@transaction.atomic
def add_sub_account(
    *,
    organisation: Organisation,
    parent_code: str,
    name: str,
    code: str = "",
    household: Household | None = None,
    counterparty: str = "",
    category: str = "",
) -> Account:
    """A sub-account under an account that has no entries yet (an account with entries keeps them)."""
    parent_code = chart.current_code(parent_code)
    parent = Account.objects.select_for_update().get(organisation=organisation, code=parent_code)
    if parent.is_leaf and VoucherLine.objects.filter(account=parent).exists():
        raise ValidationError(
            _("%(account)s already has entries, so it cannot get sub-accounts.") % {"account": parent}
        )
    if household is not None and household.association_id != organisation.pk and organisation.is_collective:
        raise ValidationError(_("This household belongs to another association."))
    code = code or _next_child_code(parent)
    if not code.startswith(parent.code) or code == parent.code:
        raise ValidationError(_("A sub-account's code begins with its parent's code %(code)s.") % {"code": parent.code})
    if Account.objects.filter(organisation=organisation, code=code).exists():
        raise ValidationError(_("The code %(code)s is already used.") % {"code": code})
    account = Account.objects.create(
        organisation=organisation,
        code=code,
        name=name,
        kind=parent.kind,
        side=parent.side,
        parent=parent,
        household=household,
        counterparty=counterparty,
        category=category or parent.category,
    )
    if parent.is_leaf:
        parent.is_leaf = False
        parent.save(update_fields=["is_leaf"])
    return account


def household_account(*, organisation: Organisation, parent_code: str, household: Household) -> Account:
    """The 往来 sub-ledger account of a household under 应收款, 应付款, 内部往来…: made on first use."""
    parent_code = chart.current_code(parent_code)
    account = Account.objects.filter(organisation=organisation, parent__code=parent_code, household=household).first()
    if account is None:
        account = add_sub_account(
            organisation=organisation, parent_code=parent_code, name=household.code, household=household
        )
    return account


def account(*, organisation: Organisation, code: str) -> Account:
    """An organisation's account by its code (a code of the former four-digit chart is read as today's)."""
    return Account.objects.get(organisation=organisation, code=chart.current_code(code))


# --- Vouchers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    account: Account
    debit_fen: int = 0
    credit_fen: int = 0
    summary: str = ""


def keeps_books_of(user: User, organisation: Organisation) -> bool:
    """The village official of the association, its staff for the pear association, the accountant for the rest."""
    if user.is_superuser:
        return True
    if user.role in (User.Role.VILLAGE, User.Role.ASSOCIATION_STAFF):
        return user.organisation_id == organisation.pk
    if user.role == User.Role.ACCOUNTANT:
        return not organisation.is_collective
    return False


def may_review(user: User, organisation: Organisation) -> bool:
    """A second person who keeps these books, or the township's 农经站, which reviews every village's."""
    return keeps_books_of(user, organisation) or user.role == User.Role.TOWNSHIP


def is_period_closed(*, organisation: Organisation, day: date) -> bool:
    return Period.objects.closed().filter(organisation=organisation, year=day.year, month=day.month).exists()


def _refuse_closed(organisation: Organisation, day: date) -> None:
    if is_period_closed(organisation=organisation, day=day):
        raise ValidationError(
            _("%(year)s-%(month)02d is closed (结账); it takes no more vouchers.")
            % {"year": day.year, "month": day.month}
        )


def _check_lines(organisation: Organisation, lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise ValidationError(_("A voucher has at least two lines."))
    for number, line in enumerate(lines, start=1):
        if line.account.organisation_id != organisation.pk:
            raise ValidationError(_("Line %(line)s: the account belongs to another organisation.") % {"line": number})
        if not line.account.is_leaf:
            raise ValidationError(
                _("Line %(line)s: %(account)s has sub-accounts; choose one of them.")
                % {"line": number, "account": line.account}
            )
        if (line.debit_fen == 0) == (line.credit_fen == 0):
            raise ValidationError(_("Line %(line)s: enter either a debit or a credit.") % {"line": number})
    debit = sum(line.debit_fen for line in lines)
    credit = sum(line.credit_fen for line in lines)
    if debit != credit:
        raise ValidationError(
            _("Debits (%(debit)s fen) and credits (%(credit)s fen) differ: the voucher does not balance.")
            % {"debit": debit, "credit": credit}
        )


def _next_number(organisation: Organisation, day: date) -> int:
    # The organisation's row is locked so that two accountants never take the same number.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Voucher.objects.filter(organisation=organisation, year=day.year, month=day.month).aggregate(Max("number"))
    return (last["number__max"] or 0) + 1


def _write_lines(voucher: Voucher, lines: Sequence[Line]) -> None:
    VoucherLine.objects.bulk_create(
        VoucherLine(
            voucher=voucher,
            position=position,
            account=line.account,
            summary=line.summary or voucher.summary,
            debit_fen=line.debit_fen,
            credit_fen=line.credit_fen,
        )
        for position, line in enumerate(lines, start=1)
    )


@transaction.atomic
def enter_voucher(
    *,
    user: User,
    organisation: Organisation,
    voucher_date: date,
    summary: str,
    lines: Sequence[Line],
    attachments: int = 0,
    scan=None,
    is_synthetic: bool = False,
) -> Voucher:
    """The accountant enters a voucher; it waits for a second person's review before it is posted."""
    if not keeps_books_of(user, organisation):
        raise PermissionDenied(_("You do not keep the books of %(organisation)s.") % {"organisation": organisation})
    _refuse_closed(organisation, voucher_date)
    _check_lines(organisation, lines)
    voucher = Voucher(
        organisation=organisation,
        voucher_date=voucher_date,
        number=_next_number(organisation, voucher_date),
        summary=summary,
        attachments=attachments,
        prepared_by=user,
        is_synthetic=is_synthetic,
    )
    if scan is not None:
        voucher.scan = scan
    voucher.full_clean(exclude=["number", "year", "month"], validate_constraints=False)
    voucher.save()
    _write_lines(voucher, lines)
    return voucher


@transaction.atomic
def replace_lines(*, user: User, voucher: Voucher, summary: str, lines: Sequence[Line]) -> Voucher:
    """Correct a voucher that is only entered; a reviewed one is sent back first, a posted one only reversed."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != Voucher.Status.DRAFT:
        raise ValidationError(_("Only a voucher that is not yet reviewed can be changed."))
    if not keeps_books_of(user, voucher.organisation):
        raise PermissionDenied
    _refuse_closed(voucher.organisation, voucher.voucher_date)
    _check_lines(voucher.organisation, lines)
    voucher.lines.all().delete()
    voucher.summary = summary
    voucher.save(update_fields=["summary"])
    _write_lines(voucher, lines)
    return voucher


@transaction.atomic
def review_voucher(*, user: User, voucher: Voucher) -> Voucher:
    """审核: a second person checks the voucher against its documents."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != Voucher.Status.DRAFT:
        raise ValidationError(_("This voucher is already reviewed."))
    if not may_review(user, voucher.organisation):
        raise PermissionDenied(
            _("You may not review the vouchers of %(organisation)s.") % {"organisation": voucher.organisation}
        )
    if voucher.prepared_by_id == user.pk:
        raise ValidationError(_("Whoever entered a voucher cannot review it: a second person must."))
    voucher.status = Voucher.Status.REVIEWED
    voucher.reviewed_by = user
    voucher.reviewed_at = timezone.now()
    voucher.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return voucher


@transaction.atomic
def post_voucher(*, user: User, voucher: Voucher) -> Voucher:
    """记账: a reviewed voucher goes into the books, for good."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != Voucher.Status.REVIEWED:
        raise ValidationError(_("Only a reviewed voucher can be posted."))
    if not keeps_books_of(user, voucher.organisation):
        raise PermissionDenied
    _refuse_closed(voucher.organisation, voucher.voucher_date)
    voucher.status = Voucher.Status.POSTED
    voucher.posted_by = user
    voucher.posted_at = timezone.now()
    voucher.save(update_fields=["status", "posted_by", "posted_at"])
    return voucher


@transaction.atomic
def reverse_voucher(*, user: User, voucher: Voucher, reversal_date: date | None = None) -> Voucher:
    """红字冲销: a new voucher with the same lines in red (negative); it is reviewed and posted like any other."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if not voucher.is_posted:
        raise ValidationError(_("Only a posted voucher is reversed; one not yet posted can be corrected."))
    if Voucher.objects.filter(reverses=voucher).exists():
        raise ValidationError(_("This voucher is already reversed."))
    reversal_date = reversal_date or timezone.localdate()
    lines = [
        Line(account=line.account, debit_fen=-line.debit_fen, credit_fen=-line.credit_fen, summary=line.summary)
        for line in voucher.lines.select_related("account")
    ]
    reversal = enter_voucher(
        user=user,
        organisation=voucher.organisation,
        voucher_date=reversal_date,
        summary=_("Reversal of %(voucher)s: %(summary)s") % {"voucher": voucher.label, "summary": voucher.summary},
        lines=lines,
    )
    reversal.reverses = voucher
    reversal.save(update_fields=["reverses"])
    return reversal


@transaction.atomic
def post_system_voucher(
    *,
    organisation: Organisation,
    voucher_date: date,
    summary: str,
    lines: Sequence[Line],
    source: str,
    user: User | None = None,
    is_synthetic: bool = False,
    reverses: Voucher | None = None,
) -> Voucher:
    """A voucher the system makes from a record that another step already checked and approved (机制凭证).

    A distribution run approved by the township, a ledger entry: the approval is the review. Posting the same
    source twice returns the first voucher.
    """
    existing = Voucher.objects.filter(source=source).first()
    if existing is not None:
        return existing
    _refuse_closed(organisation, voucher_date)
    _check_lines(organisation, lines)
    voucher = Voucher.objects.create(
        organisation=organisation,
        voucher_date=voucher_date,
        number=_next_number(organisation, voucher_date),
        summary=summary[:200],
        source=source,
        prepared_by=user,
        is_synthetic=is_synthetic,
        reverses=reverses,
    )
    _write_lines(voucher, lines)
    voucher.status = Voucher.Status.POSTED
    voucher.posted_by = user
    voucher.posted_at = timezone.now()
    voucher.save(update_fields=["status", "posted_by", "posted_at"])
    return voucher


# --- Periods --------------------------------------------------------------------------------------


@transaction.atomic
def close_period(*, user: User, organisation: Organisation, year: int, month: int) -> Period:
    """结账: every voucher of the month posted, then the month takes nothing more."""
    if not keeps_books_of(user, organisation):
        raise PermissionDenied
    waiting = Voucher.objects.filter(organisation=organisation, year=year, month=month).exclude(
        status=Voucher.Status.POSTED
    )
    if waiting.exists():
        raise ValidationError(
            _("%(count)s vouchers of %(year)s-%(month)02d are not posted yet: review and post them first.")
            % {"count": waiting.count(), "year": year, "month": month}
        )
    period, _created = Period.objects.select_for_update().get_or_create(
        organisation=organisation, year=year, month=month
    )
    if period.is_closed:
        raise ValidationError(_("%(year)s-%(month)02d is already closed.") % {"year": year, "month": month})
    period.closed_at = timezone.now()
    period.closed_by = user
    period.save(update_fields=["closed_at", "closed_by"])
    return period


# --- Single-entry records into the books ---------------------------------------------------------


@dataclass(frozen=True)
class SingleEntry:
    """A revenue or expense recorded single-entry elsewhere (dividends' ledger), to be posted here."""

    key: str  # stable: the voucher's source is built from it
    organisation_id: int
    direction: str  # revenue | expense
    category: str  # a distribution category: land_operation, rental, ..., borrowing
    rental_source: str
    entry_date: date
    amount_fen: int
    summary: str
    is_synthetic: bool = False


def category_account(*, organisation: Organisation, direction: str, category: str, rental_source: str = "") -> Account:
    """The account that carries a distribution category: the most specific leaf that names it."""
    keys = [f"{direction}:{category}:{rental_source}"] if rental_source else []
    keys += [f"{direction}:{category}:other", f"{direction}:{category}"]
    accounts = {
        a.category: a
        for a in Account.objects.filter(organisation=organisation, category__in=keys).leaves().order_by("-code")
    }
    for key in keys:
        if key in accounts:
            return accounts[key]
    raise ValidationError(
        _("%(organisation)s has no account for %(category)s.") % {"organisation": organisation, "category": category}
    )


def _entry_lines(organisation: Organisation, entry: SingleEntry, cache: dict | None = None) -> list[Line]:
    cache = {} if cache is None else cache
    bank_key = (organisation.pk, chart.BANK)
    if bank_key not in cache:
        cache[bank_key] = account(organisation=organisation, code=chart.BANK)
    other_key = (organisation.pk, entry.direction, entry.category, entry.rental_source)
    if other_key not in cache:
        cache[other_key] = category_account(
            organisation=organisation,
            direction=entry.direction,
            category=entry.category,
            rental_source=entry.rental_source,
        )
    bank, other = cache[bank_key], cache[other_key]
    amount = entry.amount_fen
    if entry.direction == "revenue":
        return [Line(account=bank, debit_fen=amount), Line(account=other, credit_fen=amount)]
    return [Line(account=other, debit_fen=amount), Line(account=bank, credit_fen=amount)]


def _current_voucher(key: str) -> Voucher | None:
    """The voucher that stands for a single entry now: the latest one posted for it and not reversed."""
    return (
        Voucher.objects.filter(source__startswith=f"{key}#", reverses__isnull=True, reversed_by__isnull=True)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def book_single_entry(*, entry: SingleEntry | None, key: str, user: User | None = None) -> Voucher | None:
    """Make the books say what a single entry says now (机制凭证, posted; the entry's rules were its review).

    A new entry is posted; a changed one is reversed in red and posted again; a deleted one (entry None)
    reversed. Running it again changes nothing.
    """
    current = _current_voucher(key)
    if current is not None and entry is not None:
        organisation = current.organisation
        wanted = [(x.account.pk, x.debit_fen, x.credit_fen) for x in _entry_lines(organisation, entry)]
        have = [(x.account_id, x.debit_fen, x.credit_fen) for x in current.lines.all()]
        if wanted == have and current.voucher_date == entry.entry_date:
            return current
    versions = Voucher.objects.filter(source__startswith=f"{key}#").count()
    if current is not None:
        post_system_voucher(
            organisation=current.organisation,
            voucher_date=current.voucher_date,  # in the same year, so the year's figures move with the entry
            summary=_("Reversal of %(voucher)s: %(summary)s") % {"voucher": current.label, "summary": current.summary},
            lines=[
                Line(account=x.account, debit_fen=-x.debit_fen, credit_fen=-x.credit_fen, summary=x.summary)
                for x in current.lines.select_related("account")
            ],
            source=f"{key}#{versions + 1}",
            user=user,
            reverses=current,
        )
        versions += 1
    if entry is None:
        return None
    organisation = Organisation.objects.get(pk=entry.organisation_id)
    return post_system_voucher(
        organisation=organisation,
        voucher_date=entry.entry_date,
        summary=entry.summary,
        lines=_entry_lines(organisation, entry),
        source=f"{key}#{versions + 1}",
        user=user,
        is_synthetic=entry.is_synthetic,
    )


@transaction.atomic
def book_new_single_entries(*, entries: Sequence[SingleEntry], user: User | None = None) -> int:
    """Post, in bulk, the single entries that have no voucher yet: one posted voucher each. Returns how many.

    Written in a few statements whatever the number, so a year's entries are booked before a run reads them.
    """
    booked = set(Voucher.objects.filter(source__in=[f"{e.key}#1" for e in entries]).values_list("source", flat=True))
    new = [entry for entry in entries if f"{entry.key}#1" not in booked]
    if not new:
        return 0
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in={e.organisation_id for e in new})}
    for organisation in organisations.values():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    months = {(e.organisation_id, e.entry_date.year, e.entry_date.month) for e in new}
    closed = set(
        Period.objects.closed()
        .filter(organisation_id__in=organisations)
        .values_list("organisation_id", "year", "month")
    )
    if months & closed:
        _organisation_id, year, month = sorted(months & closed)[0]
        raise ValidationError(
            _("%(year)s-%(month)02d is closed (结账); it takes no more vouchers.") % {"year": year, "month": month}
        )
    last: dict[tuple[int, int, int], int] = {
        (row["organisation_id"], row["year"], row["month"]): row["last"]
        for row in Voucher.objects.filter(organisation_id__in=organisations)
        .values("organisation_id", "year", "month")
        .annotate(last=Max("number"))
        .order_by()
    }
    vouchers = []
    all_lines = []
    cache: dict = {}
    for entry in sorted(new, key=lambda e: (e.organisation_id, e.entry_date, e.key)):
        month = (entry.organisation_id, entry.entry_date.year, entry.entry_date.month)
        last[month] = last.get(month, 0) + 1
        organisation = organisations[entry.organisation_id]
        vouchers.append(
            Voucher(
                organisation=organisation,
                voucher_date=entry.entry_date,
                year=entry.entry_date.year,
                month=entry.entry_date.month,
                number=last[month],
                summary=entry.summary[:200],
                source=f"{entry.key}#1",
                prepared_by=user,
                is_synthetic=entry.is_synthetic,
            )
        )
        all_lines.append(_entry_lines(organisation, entry, cache))
    vouchers = Voucher.objects.bulk_create(vouchers)
    VoucherLine.objects.bulk_create(
        VoucherLine(
            voucher=voucher,
            position=position,
            account=line.account,
            summary=voucher.summary,
            debit_fen=line.debit_fen,
            credit_fen=line.credit_fen,
        )
        for voucher, lines in zip(vouchers, all_lines, strict=True)
        for position, line in enumerate(lines, start=1)
    )
    Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(
        status=Voucher.Status.POSTED, posted_at=timezone.now(), posted_by=user
    )
    return len(vouchers)


# --- Financial disclosure (财务公开) ---------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


@transaction.atomic
def publish_disclosure(*, user: User, organisation: Organisation, year: int, quarter: int) -> Disclosure:
    """财务公开: the quarter's income and expenses and the balance sheet at its end, frozen as published.

    Published again, the figures are taken afresh and the time of publication moves; members always read
    the latest. Only the books' keepers publish.
    """
    from books import reports

    if not keeps_books_of(user, organisation):
        raise PermissionDenied(_("You do not keep the books of %(organisation)s.") % {"organisation": organisation})
    if quarter not in (1, 2, 3, 4):
        raise ValidationError(_("A quarter is 1, 2, 3 or 4."))
    start, end = quarter_bounds(year, quarter)
    if end >= timezone.localdate():
        raise ValidationError(_("A quarter is published once it is over."))

    def rows(lines):
        return [[str(line.label), line.amount_fen, int(line.is_total), line.indent] for line in lines]

    # Frozen in the statutory Chinese wording, whatever language the publisher reads the site in.
    with translation.override("zh-hans"):
        statement = reports.income_statement(organisation=organisation, start=start, end=end)
        sheet = reports.balance_sheet(organisation=organisation, as_of=end)
        figures = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "income": rows(statement.lines),
            "assets": rows(sheet.assets),
            "liabilities": rows(sheet.liabilities),
            "equity": rows(sheet.equity),
        }
    disclosure, _created = Disclosure.objects.select_for_update().get_or_create(
        organisation=organisation, year=year, quarter=quarter
    )
    disclosure.figures = figures
    disclosure.published_at = timezone.now()
    disclosure.published_by = user
    disclosure.save()
    return disclosure
