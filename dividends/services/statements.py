"""A household's statement for a year: its three incomes and how each was computed (a page and a PDF)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Household, Organisation, ShareType
from dividends import engine
from dividends.models import DistributionRun, Payout, PayoutPart, Pool, RunContractLine, RunHolding, RunLabourLine


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
    runs: list[StatementRun]
    generated_at: datetime

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
        """股金: land dividend plus share dividend."""
        return self.land_dividend_fen + self.share_dividend_fen

    @property
    def wage_fen(self) -> int:
        """薪金: wages."""
        return sum(run.wage_fen for run in self.runs)

    @property
    def total_fen(self) -> int:
        return sum(run.total_fen for run in self.runs)


def statement_runs(*, household: Household, year: int):
    """The runs of a year a household's statement shows: published ones (notice onwards), reversals included."""
    return (
        DistributionRun.objects.published()
        .filter(year=year, payouts__household=household)
        .select_related("company", "reverses")
        .order_by("pk")
        .distinct()
    )


def build_household_statement(*, household: Household, year: int) -> HouseholdStatement:
    """Everything a household received from the year's published runs, and why."""
    runs = []
    for run in statement_runs(household=household, year=year):
        payout = Payout.objects.filter(run=run, household=household).first()
        entry = StatementRun(run=run, payout=payout)
        explained = run.reverses if run.is_reversal else run
        if run.is_reversal:
            entry.notes.append(_("This reversal cancels run #%(run)s line for line.") % {"run": run.reverses_id})
        _explain(entry, explained, household)
        runs.append(entry)
    return HouseholdStatement(household=household, year=year, runs=runs, generated_at=timezone.now())


def _explain(entry: StatementRun, run: DistributionRun, household: Household) -> None:
    contract_lines = list(RunContractLine.objects.filter(run=run, household=household).order_by("ordinal"))
    entry.rent_lines = [
        RentLine(
            line.contract_number,
            line.parcel_code,
            line.area_mu,
            line.rent_per_mu,
            line.days_active,
            line.days_in_year,
            line.rent_fen,
        )
        for line in contract_lines
    ]
    entry.land_lines = [
        LandDividendLine(line.contract_number, line.parcel_code, line.land_weight, line.land_dividend_fen)
        for line in contract_lines
        if line.profit_share
    ]
    land_pool = Pool.objects.filter(run=run, kind=engine.POOL_LAND_DIVIDEND).first()
    if land_pool:
        entry.land_pool_fen = land_pool.amount_fen
        entry.land_pool_weight = land_pool.total_weight
    entry.wage_lines = [
        WageLine(line.member_name, line.work_date, line.days, line.day_wage_fen, line.wage_fen)
        for line in RunLabourLine.objects.filter(run=run, household=household)
    ]
    part = (
        PayoutPart.objects.filter(run=run, household=household, part=engine.SHARE_DIVIDEND)
        .select_related("pool", "association")
        .first()
    )
    holdings = list(RunHolding.objects.filter(run=run, household=household).order_by("share_type_code"))
    if holdings:
        names = _share_type_names({holding.share_type_id for holding in holdings})
        lines = [
            HoldingLine(h.share_type_code, names.get(h.share_type_id, h.share_type_code), h.quantity, h.weight)
            for h in holdings
        ]
        pool = (
            part.pool
            if part
            else Pool.objects.filter(run=run, kind=engine.POOL_SPLIT, association_id=holdings[0].association_id)
            .select_related("association")
            .first()
        )
        entry.share = ShareDividend(
            association=pool.association if pool else Organisation.objects.get(pk=holdings[0].association_id),
            holdings=lines,
            weight=sum((line.weighted for line in lines), Decimal(0)),
            pool_fen=pool.amount_fen if pool else 0,
            pool_weight=pool.total_weight if pool else Decimal(0),
            amount_fen=part.amount_fen if part else 0,
        )
    for note in run.notes:
        if note == engine.NOTE_NET_LOSS:
            entry.notes.append(
                _("The company made no net profit this year: guaranteed rent and wages are paid, no share dividends.")
            )
        elif note == engine.NOTE_LAND_LOSS:
            entry.notes.append(_("The land operation made no profit this year: no land dividend."))


def _share_type_names(ids: set[int]) -> dict[int, str]:
    return dict(ShareType.objects.filter(pk__in=ids).values_list("pk", "name"))


def render_statement_pdf(*, statement: HouseholdStatement) -> bytes:
    """The statement as a PDF in Chinese (WeasyPrint with the Noto CJK fonts)."""
    from weasyprint import HTML

    html = render_to_string("dividends/statement_pdf.html", {"statement": statement})
    return HTML(string=html).write_pdf()
