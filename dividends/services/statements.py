"""A household's statement for a year: its three incomes and how each was computed (a page and a PDF)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Household, Organisation, QuantityUnits, ShareEventLine
from dividends import engine
from dividends.models import (
    DistributionRun,
    Payout,
    PayoutPart,
    Pool,
    RunContractLine,
    RunLabourLine,
    payout_parts,
)
from dividends.services.inputs import LedgerReference


@dataclass(frozen=True)
class RentLine:
    """Guaranteed rent of one contract line: area * rent per mu * days active / days in the year."""

    contract_number: str
    parcel_code: str
    area_mu: Decimal
    rent_per_mu_fen: Decimal
    days_active: int
    days_in_year: int
    rent_fen: int

    @property
    def rent_per_mu_yuan(self) -> str:
        """The exact rent per mu in yuan, at least two decimals: 66150 fen -> '661.50'."""
        yuan = Decimal(self.rent_per_mu_fen).scaleb(-2).normalize()
        return f"{yuan:.2f}" if yuan == yuan.quantize(Decimal("0.01")) else f"{yuan:f}"


@dataclass(frozen=True)
class LandDividendLine:
    """Land dividend of one profit-share contract line: the land pool split by mu-days."""

    contract_number: str
    parcel_code: str
    weight: Decimal
    amount_fen: int


@dataclass(frozen=True)
class HoldingLine:
    share_type_code: str
    share_type_name: str
    quantity: Decimal
    weight: Decimal

    @property
    def weighted(self) -> Decimal:
        return self.quantity * self.weight


@dataclass(frozen=True)
class ShareDividend:
    """The household's line of its association's split: its weight of the total weight of the pool."""

    association: Organisation
    holdings: list[HoldingLine]
    weight: Decimal
    pool_fen: int
    pool_weight: Decimal
    amount_fen: int


@dataclass(frozen=True)
class WageLine:
    member_name: str
    work_date: date
    days: Decimal
    day_wage_fen: int
    wage_fen: int


@dataclass
class StatementRun:
    """One run's money for the household, with the reasons."""

    run: DistributionRun
    payout: Payout | None
    rent_lines: list[RentLine] = field(default_factory=list)
    land_lines: list[LandDividendLine] = field(default_factory=list)
    land_pool_fen: int = 0
    land_pool_weight: Decimal | None = None
    share: ShareDividend | None = None
    wage_lines: list[WageLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rent_fen(self) -> int:
        return self.payout.rent_fen if self.payout else 0

    @property
    def land_dividend_fen(self) -> int:
        return self.payout.land_dividend_fen if self.payout else 0

    @property
    def share_dividend_fen(self) -> int:
        return self.payout.share_dividend_fen if self.payout else 0

    @property
    def dividends_fen(self) -> int:
        return self.land_dividend_fen + self.share_dividend_fen

    @property
    def wage_fen(self) -> int:
        return self.payout.wage_fen if self.payout else 0

    @property
    def total_fen(self) -> int:
        return self.payout.total_fen if self.payout else 0


@dataclass
class HouseholdStatement:
    household: Household
    year: int
    runs: list[StatementRun] = field(default_factory=list)
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def rent_fen(self) -> int:
        """租金: guaranteed rent."""
        return sum(run.rent_fen for run in self.runs)

    @property
    def land_dividend_fen(self) -> int:
        return sum(run.land_dividend_fen for run in self.runs)

    @property
    def share_dividend_fen(self) -> int:
        return sum(run.share_dividend_fen for run in self.runs)

    @property
    def dividends_fen(self) -> int:
        """Land dividend plus share dividend."""
        return self.land_dividend_fen + self.share_dividend_fen

    @property
    def parts(self) -> list[tuple[str, str, int]]:
        return payout_parts(self)

    @property
    def wage_fen(self) -> int:
        """薪金: wages."""
        return sum(run.wage_fen for run in self.runs)

    @property
    def total_fen(self) -> int:
        return sum(run.total_fen for run in self.runs)


def build_household_statement(*, household: Household, year: int) -> HouseholdStatement:
    """Everything a household received from the year's published runs, and why."""
    return build_household_statements(household=household, years=[year])[year]


def build_household_statements(
    *, household: Household, years: Iterable[int] | None = None
) -> dict[int, HouseholdStatement]:
    """The household's statements of the given years (of every year it has a published line in when None).

    A fixed handful of queries whatever the number of runs and years: the household's payouts of the
    published runs with their runs, then its frozen lines of all those runs at once, then the pools
    that explain them. Each year asked for has a statement, empty when no published run has a line.
    """
    now = timezone.now()
    payouts = (
        Payout.objects.filter(household=household, run__status__in=DistributionRun.PUBLISHED_STATUSES)
        .select_related("run__company", "run__reverses")
        # A county run's frozen inputs and figures are tens of kilobytes; a statement reads neither.
        .defer("run__inputs", "run__figures", "run__reverses__inputs", "run__reverses__figures")
        .order_by("run_id")
    )
    if years is not None:
        years = list(years)
        payouts = payouts.filter(run__year__in=years)
    payouts = list(payouts)
    statements = {
        year: HouseholdStatement(household=household, year=year, generated_at=now)
        for year in sorted({*(years or ()), *(payout.run.year for payout in payouts)})
    }
    if not payouts:
        return statements
    # A reversal is explained by the lines of the run it reverses.
    explained = {payout.run_id: payout.run.reverses if payout.run.is_reversal else payout.run for payout in payouts}
    lines = _HouseholdLines.fetch(household, {run.pk for run in explained.values()})
    for payout in payouts:
        run = payout.run
        entry = StatementRun(run=run, payout=payout)
        if run.is_reversal:
            entry.notes.append(_("This reversal cancels run #%(run)s line for line.") % {"run": run.reverses_id})
        lines.explain(entry, explained[run.pk])
        statements[run.year].runs.append(entry)
    return statements


def _ledger_holdings(household: Household, run_ids: set[int]) -> dict[int, list[tuple]]:
    """The household's holdings each run split: the share ledger up to the run's mark, on its record date.

    {run id: [(association id, share type code, share type name, quantity, weight)]}, by share type code,
    with the weights the run froze. The household's ledger lines are read once for all the runs (a
    constant number of queries however many years a page shows). A reversal records no mark: its
    statement has no share lines.
    """
    runs = DistributionRun.objects.filter(pk__in=run_ids).only("pk", "inputs", "record_date", "ledger_mark")
    references = {run.pk: ledger for run in runs if (ledger := LedgerReference.of_run(run)) is not None}
    if not references:
        return {}
    lines = list(
        ShareEventLine.objects.filter(
            household=household,
            event_id__lte=max(ledger.mark for ledger in references.values()),
            event__effective_date__lte=max(ledger.as_of for ledger in references.values()),
        )
        .annotate(units=QuantityUnits("quantity_delta"))
        .values_list(
            "event__association_id", "event_id", "event__effective_date", "share_type_id", "units", "share_type__name"
        )
    )
    names = {share_type_id: name for *_line, share_type_id, _units, name in lines}
    found: dict[int, tuple[int, dict[int, int]]] = {}
    for run_id, ledger in sorted(references.items()):
        held: dict[tuple[int, int], int] = defaultdict(int)
        for association_id, event_id, effective_date, share_type_id, units, _name in lines:
            if event_id <= ledger.mark and effective_date <= ledger.as_of and association_id in ledger.association_ids:
                held[(association_id, share_type_id)] += units
        held = {key: units for key, units in held.items() if units}
        if held:
            association_id = min(association for association, _type in held)
            own = {
                share_type: units for (association, share_type), units in held.items() if association == association_id
            }
            found[run_id] = (association_id, own)
    result: dict[int, list[tuple]] = {}
    for run_id, (association_id, held) in found.items():
        share_types = references[run_id].share_types
        rows = []
        for pk, units in held.items():
            code, weight = share_types.get(pk, (str(pk), Decimal(0)))
            rows.append((association_id, code, names.get(pk, code), Decimal(units).scaleb(-4), weight, pk))
        result[run_id] = [row[:5] for row in sorted(rows, key=lambda row: (row[1], row[5]))]
    return result


@dataclass
class _HouseholdLines:
    """One household's frozen lines of several runs, read in one query per kind of line."""

    contract_lines: dict[int, list[tuple]]
    labour_lines: dict[int, list[WageLine]]
    holdings: dict[int, list[tuple]]
    share_parts: dict[int, tuple[int, int]]
    land_pools: dict[int, Pool]
    pools: dict[int, Pool]
    split_pools: dict[tuple[int, int], Pool]

    @classmethod
    def fetch(cls, household: Household, run_ids: set[int]) -> _HouseholdLines:
        contract_lines = defaultdict(list)
        for run_id, *line in (
            RunContractLine.objects.filter(run_id__in=run_ids, household=household)
            .order_by("run_id", "ordinal")
            .values_list(
                "run_id",
                "contract_number",
                "parcel_code",
                "area_mu",
                "rent_per_mu_fen",
                "days_active",
                "days_in_year",
                "rent_fen",
                "profit_share",
                "land_weight",
                "land_dividend_fen",
            )
        ):
            contract_lines[run_id].append(line)
        labour_lines = defaultdict(list)
        for run_id, *line in (
            RunLabourLine.objects.filter(run_id__in=run_ids, household=household)
            .order_by("run_id", "household_code", "work_date", "record_id")
            .values_list("run_id", "member_name", "work_date", "days", "day_wage_fen", "wage_fen")
        ):
            labour_lines[run_id].append(WageLine(*line))
        holdings = _ledger_holdings(household, run_ids)
        share_parts = {
            run_id: (pool_id, amount_fen)
            for run_id, pool_id, amount_fen in PayoutPart.objects.filter(
                run_id__in=run_ids, household=household, part=engine.SHARE_DIVIDEND
            )
            .order_by("pk")
            .values_list("run_id", "pool_id", "amount_fen")
        }
        # The land dividend pool of each run, the pool of each share-dividend line and, for a run where
        # the household holds shares but has no share-dividend line, its association's split pool.
        held_in = {(run_id, rows[0][0]) for run_id, rows in holdings.items() if run_id not in share_parts}
        wanted = Q(run_id__in=run_ids, kind=engine.POOL_LAND_DIVIDEND) | Q(
            pk__in=[pool_id for pool_id, _amount in share_parts.values()]
        )
        if held_in:
            wanted |= Q(
                run_id__in={run_id for run_id, _association in held_in},
                kind=engine.POOL_SPLIT,
                association_id__in={association_id for _run, association_id in held_in},
            )
        land_pools, pools, split_pools = {}, {}, {}
        for pool in Pool.objects.filter(wanted).select_related("association").order_by("run_id", "position", "pk"):
            pools[pool.pk] = pool
            if pool.kind == engine.POOL_LAND_DIVIDEND:
                land_pools.setdefault(pool.run_id, pool)
            if pool.kind == engine.POOL_SPLIT and pool.association_id is not None:
                split_pools[(pool.run_id, pool.association_id)] = pool
        return cls(contract_lines, labour_lines, holdings, share_parts, land_pools, pools, split_pools)

    def explain(self, entry: StatementRun, run: DistributionRun) -> None:
        contract_lines = self.contract_lines.get(run.pk, [])
        entry.rent_lines = [
            RentLine(number, parcel, area, Decimal(rent_per_mu), days, year_days, rent_fen)
            for number, parcel, area, rent_per_mu, days, year_days, rent_fen, *_land in contract_lines
        ]
        entry.land_lines = [
            LandDividendLine(number, parcel, land_weight, land_fen)
            for number, parcel, *_rent, profit_share, land_weight, land_fen in contract_lines
            if profit_share
        ]
        land_pool = self.land_pools.get(run.pk)
        if land_pool:
            entry.land_pool_fen = land_pool.amount_fen
            entry.land_pool_weight = land_pool.total_weight
        entry.wage_lines = list(self.labour_lines.get(run.pk, []))
        holdings = self.holdings.get(run.pk)
        if holdings:
            lines = [HoldingLine(code, name, quantity, weight) for _assoc, code, name, quantity, weight in holdings]
            association_id = holdings[0][0]
            part = self.share_parts.get(run.pk)
            pool = self.pools.get(part[0]) if part else self.split_pools.get((run.pk, association_id))
            entry.share = ShareDividend(
                association=pool.association if pool else Organisation.objects.get(pk=association_id),
                holdings=lines,
                weight=sum((line.weighted for line in lines), Decimal(0)),
                pool_fen=pool.amount_fen if pool else 0,
                pool_weight=pool.total_weight if pool else Decimal(0),
                amount_fen=part[1] if part else 0,
            )
        _explain_notes(entry, run)


def _explain_notes(entry: StatementRun, run: DistributionRun) -> None:
    for note in run.notes:
        if note == engine.NOTE_NET_LOSS:
            entry.notes.append(
                _("The company made no net profit this year: guaranteed rent and wages are paid, no share dividends.")
            )
        elif note == engine.NOTE_LAND_LOSS:
            entry.notes.append(_("The land operation made no profit this year: no land dividend."))


def render_statement_pdf(*, statement: HouseholdStatement) -> bytes:
    """The statement as a PDF in Chinese (WeasyPrint with the Noto CJK fonts)."""
    from weasyprint import HTML

    html = render_to_string("dividends/statement_pdf.html", {"statement": statement})
    return HTML(string=html).write_pdf()
