"""What the township's and a village official's dashboards show.

Every money figure and indicator of a year is the annual report's (dividends.reports.annual_report, the
same function the API's /reports/annual/ answers with), so the dashboard and the API cannot disagree;
this module adds only what the report does not carry: the effective run's parts per association, the
members, the trend over the years, what awaits a decision and what needs doing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from collective.models import Household, Member, Organisation, User
from collective.money import MU_PER_HECTARE, round_half_up
from dividends import engine
from dividends.models import DistributionRun, Objection, Payout, Pool
from dividends.reports import EFFECTIVE_STATUSES, annual_report, report_years
from land.models import LandTransferContract, RentInstallment

TREND_YEARS = 6


def _link(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class VillageYear:
    """One association's year: the annual report's row and what the dashboard adds to it."""

    row: dict
    year: int
    members: int = 0
    households: int = 0
    run_id: int | None = None
    rent_fen: int = 0
    land_dividend_fen: int = 0
    share_dividend_fen: int = 0
    wage_fen: int = 0
    retention_fen: int = 0

    @property
    def association_id(self) -> int:
        return self.row["association_id"]

    @property
    def dividends_fen(self) -> int:
        """The dividends the households received: the land dividend and the share dividend (分红)."""
        return self.land_dividend_fen + self.share_dividend_fen

    @property
    def dividends_per_member_fen(self) -> int | None:
        return per_head(self.dividends_fen, self.members)

    @property
    def dividends_per_household_fen(self) -> int | None:
        return per_head(self.dividends_fen, self.households)

    @property
    def area_ha(self) -> Decimal:
        return (Decimal(self.row["area_transferred_mu"]) / MU_PER_HECTARE).quantize(Decimal("0.01"))

    @property
    def links(self) -> dict[str, str]:
        pk, year = self.association_id, self.year
        links = {
            "income": _link("dividends:income-statement", organisation=pk, year=year),
            "ledger": _link("dividends:ledger-list", organisation=pk, year=year),
            "area": _link("land:contract-list", association=pk),
            "rent": _link("land:rent-list", year=year, association=pk),
            "households": _link("collective:household-list"),
        }
        if self.run_id:
            links["payouts"] = _link("dividends:payout-list", self.run_id, association=pk)
            links["run"] = reverse("dividends:run-detail", args=[self.run_id])
        return links


def per_head(fen: int, heads: int) -> int | None:
    """fen / heads rounded half up to a whole fen, or None when there is nobody to divide by."""
    return round_half_up(Fraction(fen, heads)) if heads else None


def village_years(*, user: User, year: int) -> tuple[dict, list[VillageYear]]:
    """The annual report of the year and, per association the user may see, the figures the dashboard adds."""
    report = annual_report(user=user, year=year)
    villages = [VillageYear(row=row, year=year) for row in report["associations"]]
    ids = [village.association_id for village in villages]
    if not ids:
        return report, villages
    year_end = date(year, 12, 31)

    members = dict(
        Member.objects.in_membership_on(year_end)
        .filter(household__association_id__in=ids)
        .values("household__association_id")
        .annotate(count=Count("pk"))
        .values_list("household__association_id", "count")
        .order_by()
    )
    households = dict(
        Household.objects.active_on(year_end)
        .filter(association_id__in=ids)
        .values("association_id")
        .annotate(count=Count("pk"))
        .values_list("association_id", "count")
        .order_by()
    )
    # The run the report reads for each association: the latest effective regular run with a pool for it.
    effective_runs = DistributionRun.objects.visible_to(user).filter(
        kind=DistributionRun.Kind.REGULAR, year=year, status__in=EFFECTIVE_STATUSES, reversal__isnull=True
    )
    run_of: dict[int, int] = {}
    for association_id, run_id in (
        Pool.objects.filter(kind=engine.POOL_RECEIVED, association_id__in=ids, run__in=effective_runs)
        .values_list("association_id", "run_id")
        .order_by("association_id", "run_id")
    ):
        run_of[association_id] = run_id
    parts: dict[tuple[int, int], dict] = {
        (row["association_id"], row["run_id"]): row
        for row in Payout.objects.visible_to(user)
        .filter(run_id__in=set(run_of.values()), association_id__in=ids)
        .values("association_id", "run_id")
        .annotate(
            rent=Sum("rent_fen"),
            land=Sum("land_dividend_fen"),
            share=Sum("share_dividend_fen"),
            wages=Sum("wage_fen"),
        )
        .order_by()
    }
    retention = {
        (association_id, run_id): amount
        for association_id, run_id, amount in Pool.objects.filter(
            kind=engine.POOL_RETENTION, association_id__in=ids, run_id__in=set(run_of.values())
        ).values_list("association_id", "run_id", "amount_fen")
    }
    for village in villages:
        pk = village.association_id
        village.members = members.get(pk, 0)
        village.households = households.get(pk, 0)
        village.run_id = run_of.get(pk)
        row = parts.get((pk, village.run_id), {})
        village.rent_fen = row.get("rent") or 0
        village.land_dividend_fen = row.get("land") or 0
        village.share_dividend_fen = row.get("share") or 0
        village.wage_fen = row.get("wages") or 0
        village.retention_fen = retention.get((pk, village.run_id), 0)
    return report, villages


@dataclass
class TrendYear:
    year: int
    township: dict | None
    villages: dict[int, dict] = field(default_factory=dict)


def trend(*, user: User, until: int) -> list[TrendYear]:
    """The annual report's figures over the last years up to `until`, oldest first."""
    years = [year for year in report_years(user) if year <= until][-TREND_YEARS:]
    result = []
    for year in years:
        report = annual_report(user=user, year=year)
        result.append(
            TrendYear(
                year=year,
                township=report["township"],
                villages={row["association_id"]: row for row in report["associations"]},
            )
        )
    return result


def trend_rows(years: list[TrendYear], villages: list[VillageYear]) -> list[tuple[int, list[dict | None]]]:
    """The trend as table rows: each year with each village's report row (None where it has none)."""
    return [(item.year, [item.villages.get(village.association_id) for village in villages]) for item in years]


@dataclass
class AwaitingRun:
    run: DistributionRun
    open_objections: int
    notice_over: bool


def awaiting_decision(*, user: User, today: date) -> list[AwaitingRun]:
    """Runs in public notice, with their open objections: a run may be approved once its notice is over."""
    runs = (
        DistributionRun.objects.visible_to(user)
        .filter(status=DistributionRun.Status.NOTICE)
        .select_related("company")
        .annotate(
            open_objections=Count(
                "objections",
                filter=Q(objections__status=Objection.Status.OPEN)
                & Q(objections__in=Objection.objects.visible_to(user)),
            )
        )
        .order_by("notice_ends_on", "pk")
    )
    return [
        AwaitingRun(
            run=run,
            open_objections=run.open_objections,
            notice_over=run.notice_ends_on is not None and run.notice_ends_on < today,
        )
        for run in runs
    ]


@dataclass
class ToDo:
    expiring: list
    overdue: list
    objections: list
    households_without_account: list
    expiring_count: int = 0
    overdue_count: int = 0
    households_without_account_count: int = 0


TO_DO_ROWS = 10


def village_todo(*, user: User, association: Organisation, today: date) -> ToDo:
    """What a village official has to do: contracts ending within 90 days, rent overdue, objections to
    answer and households whose farmers cannot yet sign in."""
    expiring = (
        LandTransferContract.objects.visible_to(user)
        .filter(household__association=association, expiring_soon=True)
        .select_related("household")
        .order_by("end_date", "number")
    )
    overdue = (
        RentInstallment.objects.visible_to(user)
        .filter(contract__household__association=association, overdue=True)
        .with_paid()
        .select_related("contract__household")
        .order_by("due_date", "contract__number")
    )
    overdue_rows = list(overdue[:TO_DO_ROWS])
    for row in overdue_rows:
        row.outstanding_fen = row.amount_fen - row.paid_total_fen
    objections = list(
        Objection.objects.visible_to(user)
        .filter(status=Objection.Status.OPEN, household__association=association)
        .select_related("household", "run__company")
        .order_by("created_at", "pk")[:TO_DO_ROWS]
    )
    without_account = (
        Household.objects.visible_to(user)
        .filter(association=association)
        .active_on(today)
        .exclude(Exists(User.objects.filter(household=OuterRef("pk"), role=User.Role.FARMER, is_active=True)))
        .order_by("code")
    )
    return ToDo(
        expiring=list(expiring[:TO_DO_ROWS]),
        expiring_count=expiring.count(),
        overdue=overdue_rows,
        overdue_count=overdue.count(),
        objections=objections,
        households_without_account=list(without_account[:TO_DO_ROWS]),
        households_without_account_count=without_account.count(),
    )


def chart_by_association(villages: list[VillageYear], series: list[tuple[str, str]]) -> dict:
    """A bar chart's data: one category per association, one series per (label, attribute), in yuan."""
    return {
        "categories": [village.row["association_name"] for village in villages],
        "series": [
            {"name": str(label), "data": [_yuan(_value(village, attribute)) for village in villages]}
            for label, attribute in series
        ],
    }


def _value(village: VillageYear, attribute: str) -> int:
    value = getattr(village, attribute, None)
    if value is None:
        value = village.row.get(attribute)
    return value or 0


def _yuan(fen: int) -> float:
    # Only for drawing: the chart's scale. Every figure a person reads is in the table beneath, exact.
    return fen / 100


def chart_trend(years: list[TrendYear], villages: list[VillageYear], key: str, scale: str = "yuan") -> dict:
    """A line chart's data: one line per association over the years, from the annual reports."""
    convert = _yuan if scale == "yuan" else (lambda value: float(value) if value is not None else None)
    return {
        "categories": [str(item.year) for item in years],
        "series": [
            {
                "name": village.row["association_name"],
                "data": [
                    convert(item.villages[village.association_id].get(key))
                    if village.association_id in item.villages
                    and item.villages[village.association_id].get(key) is not None
                    else None
                    for item in years
                ],
            }
            for village in villages
        ],
    }
