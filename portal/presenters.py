"""What the farmer's pages say about a line: the sentences that explain each part and the rows they show.

The views (portal/views.py) scope and fetch; this module turns a household's statement, contracts and
news into what a farmer reads: the year's four incomes and why, the news at the top of the home page,
each contract's rent this year, each run's status. Every amount comes from the payout lines
(dividends.services.build_household_statement), so nothing here computes money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from collective.models import Household, Member, User
from collective.money import MU_PER_HECTARE, format_yuan
from dividends import services as dividends
from dividends.models import DistributionRun, NoticeRead, Objection, Payout, PayoutPart
from dividends.services.statements import HouseholdStatement, StatementRun
from land import services as land
from land.models import LandTransferContract, RentAllocation
from portal.templatetags.portal_tags import amount

MASKED_ID_STARS = 14


def _day(value: date | None) -> str:
    """A date as people read it in the current language: 2025年1月13日 / Jan. 13, 2025."""
    return date_format(value) if value else ""


def masked_id_number(member: Member) -> str:
    """The member's ID number with all but the last four characters starred: **************1234."""
    return "*" * MASKED_ID_STARS + member.id_number_last4 if member.id_number_last4 else ""


def hectares(mu: Decimal) -> Decimal:
    return (Decimal(mu) / MU_PER_HECTARE).quantize(Decimal("0.0001"))


# --- Home: the year's four parts and why -------------------------------------------------------------


@dataclass(frozen=True)
class Income:
    """One of the four parts of the farmer's year: 租金、土地分红、股金分红 or 薪金 (PayoutPart.Part)."""

    key: str
    label: str
    amount_fen: int
    why: str


@dataclass
class YearSummary:
    year: int
    statement: HouseholdStatement
    label: str
    incomes: list[Income] = field(default_factory=list)
    # The first empty year says once why a year shows nothing yet.
    explain_empty: bool = False

    @property
    def total_fen(self) -> int:
        return self.statement.total_fen

    @property
    def has_runs(self) -> bool:
        return bool(self.statement.runs)


def _regular_entries(statement: HouseholdStatement) -> list[StatementRun]:
    """The runs that explain the year: regular runs not cancelled by a reversal shown in the same year."""
    reversed_ids = {entry.run.reverses_id for entry in statement.runs if entry.run.is_reversal}
    return [entry for entry in statement.runs if not entry.run.is_reversal and entry.run.pk not in reversed_ids]


def _rent_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    lines = {(line.contract_number, line.parcel_code): line for entry in entries for line in entry.rent_lines}
    if not lines:
        return _("No land of your household was under a transfer contract in %(year)s.") % {"year": statement.year}
    area = sum((line.area_mu for line in lines.values()), Decimal(0))
    companies = sorted({entry.run.company.name for entry in entries if entry.rent_lines})
    return _(
        "Guaranteed rent for the %(mu)s mu your household transferred to %(company)s, "
        "paid whatever the harvest: area × rent per mu × days in force."  # noqa: RUF001
    ) % {"mu": amount(area), "company": ", ".join(companies)}


def _join_sentences(sentences) -> str:
    """Join sentences the way the language writes them: a space after an English full stop, none after 。."""
    return "".join(text if text.endswith("。") else f"{text} " for text in sentences).strip()


def _no_dividend(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    notes = [note for entry in entries for note in entry.notes]
    if notes:
        return notes[0]
    return _("Your household had no dividend in %(year)s.") % {"year": statement.year}


def _land_dividend_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    if not any(entry.land_dividend_fen for entry in entries):
        return _no_dividend(statement, entries)
    return _("Your transferred land earned a part of the company's land profit (the land dividend, 分红).")


def _share_dividend_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    sentences = [
        _("Your household's %(weight)s shares of the %(total)s shares in %(association)s share its pool of %(pool)s.")
        % {
            "weight": amount(entry.share.weight),
            "total": amount(entry.share.pool_weight),
            "association": entry.share.association.name,
            "pool": format_yuan(entry.share.pool_fen),
        }
        for entry in entries
        if entry.share and entry.share.amount_fen
    ]
    if not sentences:
        return _no_dividend(statement, entries)
    return _join_sentences(dict.fromkeys(sentences))


def _wages_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    lines = [line for entry in entries for line in entry.wage_lines]
    if not lines:
        return _("No land remediation work of your household was recorded in %(year)s.") % {"year": statement.year}
    days = sum((line.days for line in lines), Decimal(0))
    wages = sorted({line.day_wage_fen for line in lines})
    return _("%(days)s days of land remediation work by your household at %(wage)s a day.") % {
        "days": amount(days),
        "wage": " / ".join(format_yuan(wage) for wage in wages),
    }


def year_summary(*, year: int, label: str, statement: HouseholdStatement) -> YearSummary:
    """The household's year in its four parts, each with a sentence of why (from the published runs)."""
    summary = YearSummary(year=year, statement=statement, label=label)
    if not statement.runs:
        return summary
    entries = _regular_entries(statement) or statement.runs
    why = {
        PayoutPart.Part.RENT: _rent_why,
        PayoutPart.Part.LAND_DIVIDEND: _land_dividend_why,
        PayoutPart.Part.SHARE_DIVIDEND: _share_dividend_why,
        PayoutPart.Part.WAGES: _wages_why,
    }
    summary.incomes = [
        Income(key, name, fen, why[PayoutPart.Part(key)](statement, entries)) for key, name, fen in statement.parts
    ]
    return summary


def home_years(*, household: Household, today: date) -> list[YearSummary]:
    """This year so far and last year; and, when neither has money yet, the latest year that has."""
    years = [
        (today.year, _("%(year)s so far") % {"year": today.year}),
        (today.year - 1, _("Last year, %(year)s") % {"year": today.year - 1}),
    ]
    # Every year's statement at once (a household has a few lines a year): the same queries whichever
    # years turn out to be shown. Its years are those of the household's published lines, the ones
    # its farmer may see (_payout_years).
    statements = dividends.build_household_statements(household=household)
    summaries = [
        year_summary(year=year, label=label, statement=statements.get(year) or HouseholdStatement(household, year))
        for year, label in years
    ]
    if not any(summary.has_runs for summary in summaries):
        earlier = sorted((year for year in statements if year < today.year - 1), reverse=True)
        if earlier:
            summaries.append(
                year_summary(
                    year=earlier[0],
                    label=_("Latest distribution, %(year)s") % {"year": earlier[0]},
                    statement=statements[earlier[0]],
                )
            )
    empty = [summary for summary in summaries if not summary.has_runs]
    if empty:
        empty[0].explain_empty = True
    return summaries


# --- News: a run of my association entered public notice or was paid --------------------------------


@dataclass(frozen=True)
class News:
    run: DistributionRun
    status: str
    text: str
    target: str


def _news_text(run: DistributionRun, status: str, payout: Payout | None) -> str:
    names = {"company": run.company.name, "year": run.year}
    if status == DistributionRun.Status.PAID:
        paid_on = (payout.paid_on if payout else None) or timezone.localtime(run.paid_at).date()
        if payout:
            return _("The %(year)s distribution of %(company)s is paid: %(amount)s to your household on %(date)s.") % {
                **names,
                "amount": format_yuan(payout.total_fen),
                "date": _day(paid_on),
            }
        return _("The %(year)s distribution of %(company)s was paid on %(date)s.") % {**names, "date": _day(paid_on)}
    period = {"start": _day(run.notice_starts_on), "end": _day(run.notice_ends_on)}
    if run.status == DistributionRun.Status.NOTICE:
        return _(
            "The %(year)s distribution of %(company)s is in public notice from %(start)s to %(end)s. "
            "Check your household's line; you may object until %(end)s."
        ) % {**names, **period}
    return _(
        "The %(year)s distribution of %(company)s was in public notice from %(start)s to %(end)s; it is now %(status)s."
    ) % {**names, **period, "status": run.get_status_display()}


def _put_on_notice_since(run: DistributionRun, read_at) -> bool:
    """Whether the run was put on notice (again, after a withdrawal) on a later day than the farmer read the news."""
    return run.notice_starts_on is not None and timezone.localtime(read_at).date() < run.notice_starts_on


def unread_news(*, user: User) -> list[News]:
    """What the home page shows at the top until read: each regular run of the farmer's association that
    entered public notice (shown until read, again when it is put on notice anew) or was paid."""
    runs = list(
        DistributionRun.objects.visible_to(user)
        .filter(kind=DistributionRun.Kind.REGULAR)
        .filter(Q(paid_at__isnull=False) | Q(notice_starts_on__isnull=False))
        .select_related("company")
        .order_by("-year", "-pk")
    )
    if not runs:
        return []
    reads = {
        (read.run_id, read.status): read.read_at
        for read in NoticeRead.objects.of(user).filter(run__in=runs).only("run_id", "status", "read_at")
    }
    payouts = {payout.run_id: payout for payout in Payout.objects.visible_to(user).filter(run__in=runs)}
    news = []
    for run in runs:
        if run.paid_at:
            status, target = DistributionRun.Status.PAID, "payouts"
        else:
            # A notice that is over is read on the payouts page, where the line now stands.
            status = DistributionRun.Status.NOTICE
            target = "notice" if run.status == DistributionRun.Status.NOTICE else "payouts"
        read_at = reads.get((run.pk, status))
        if read_at is not None and (status == DistributionRun.Status.PAID or not _put_on_notice_since(run, read_at)):
            continue
        news.append(News(run=run, status=status, text=_news_text(run, status, payouts.get(run.pk)), target=target))
    return news


# --- My land: contracts, this year's rent and whether it was paid -----------------------------------


@dataclass
class ContractView:
    contract: LandTransferContract
    parcels: list
    area_mu: Decimal
    area_ha: Decimal
    rent_per_mu_fen: Decimal | None
    rent_per_mu: str
    this_year: land.ScheduleRow | None
    this_year_paid_on: date | None
    schedule: list


def _yuan_exact(fen: Decimal) -> str:
    """An exact amount in fen as yuan, with more than two decimals only when the escalation makes it so."""
    yuan = Decimal(fen).scaleb(-2)
    text = f"{yuan.normalize():f}"
    if "." not in text or len(text.split(".")[1]) < 2:
        return f"¥{yuan:,.2f}"
    whole, decimals = text.split(".")
    return f"¥{int(whole):,}.{decimals}"


def contract_view(*, contract: LandTransferContract, today: date) -> ContractView:
    year = today.year
    parcels = list(contract.lines.all())
    area = sum((line.area_mu for line in parcels), Decimal(0))
    in_term = contract.start_date.year <= year <= contract.last_day_in_force.year
    rent_year = min(max(year, contract.start_date.year), contract.end_date.year)
    rent_per_mu = land.rent_per_mu_for_year(contract=contract, year=rent_year)
    schedule = land.rent_schedule(contract=contract, today=today)
    this_year = next((row for row in schedule if row.year == year), None) if in_term else None
    paid_on = None
    if this_year is not None and this_year.paid_fen:
        paid_on = RentAllocation.objects.filter(installment__contract=contract, installment__year=year).aggregate(
            last=Max("payment__paid_on")
        )["last"]
    return ContractView(
        contract=contract,
        parcels=parcels,
        area_mu=area,
        area_ha=hectares(area),
        rent_per_mu_fen=rent_per_mu,
        rent_per_mu=_yuan_exact(rent_per_mu),
        this_year=this_year,
        this_year_paid_on=paid_on,
        schedule=schedule,
    )


# --- My payouts: each run's line, its status as the farmer reads it -----------------------------------


def payout_status(*, run: DistributionRun, payout: Payout | None) -> str:
    """In public notice / approved / paid on a date, as the farmer reads it."""
    if payout is not None and payout.paid_on:
        return _("Paid on %(date)s") % {"date": _day(payout.paid_on)}
    if run.status == DistributionRun.Status.NOTICE:
        return _("In public notice until %(date)s") % {"date": _day(run.notice_ends_on)}
    if payout is not None and payout.company_paid_on:
        return _("Rent, land dividend and wages paid on %(date)s; the share dividend is not paid yet") % {
            "date": _day(payout.company_paid_on)
        }
    if payout is not None and payout.association_paid_on:
        return _("Share dividend paid on %(date)s; rent, land dividend and wages are not paid yet") % {
            "date": _day(payout.association_paid_on)
        }
    if run.status == DistributionRun.Status.APPROVED:
        if run.approved_at:
            return _("Approved on %(date)s, not paid yet") % {"date": _day(timezone.localtime(run.approved_at).date())}
        return _("Approved, not paid yet")
    if run.paid_at:
        return _("Paid on %(date)s") % {"date": _day(timezone.localtime(run.paid_at).date())}
    return run.get_status_display()


@dataclass
class RunCard:
    """One run's line of the household, as the payouts and notice pages show it."""

    entry: StatementRun
    status: str
    objections: list

    @property
    def run(self) -> DistributionRun:
        return self.entry.run

    @property
    def payout(self) -> Payout | None:
        return self.entry.payout


def run_cards(*, statement: HouseholdStatement, objections: dict[int, list[Objection]]) -> list[RunCard]:
    """The year's run cards, from its statement and the household's objections by run (read once a page)."""
    return [
        RunCard(
            entry=entry,
            status=payout_status(run=entry.run, payout=entry.payout),
            objections=objections.get(entry.run.pk, []),
        )
        for entry in statement.runs
    ]
