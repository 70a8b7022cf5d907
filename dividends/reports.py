"""The annual report of the associations: collective income, land, payouts and common-prosperity indicators.

Every figure is computed exactly (integers and Fractions) and rounded once, for output: money half up
to the fen, ratios half up to four decimals. The formulas are in docs/api.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Sum

from collective.models import Organisation, User
from collective.money import round_half_up
from dividends import engine
from dividends.models import DistributionRun, LedgerEntry, Payout, Pool
from land.filters import in_force_in_year
from land.models import ContractParcel, LandTransferContract, RentAllocation, RentInstallment

EFFECTIVE_STATUSES = (
    DistributionRun.Status.COMPUTED,
    DistributionRun.Status.NOTICE,
    *DistributionRun.LOCKING_STATUSES,
)


def decimal_string(value: Fraction, places: int = 4) -> str:
    """An exact value as a decimal string rounded half up: Fraction(1, 3) -> "0.3333"."""
    units = round_half_up(value * 10**places)
    return str(Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def lorenz(amounts: Sequence[int], p: Fraction) -> Fraction:
    """The share of the total held by the poorest fraction p of households (amounts sorted ascending).

    L(p) = (x₁ + … + x_f + (pn - f)·x_{f+1}) / S with f = ⌊pn⌋: the household on the boundary counts in part.
    """
    n = len(amounts)
    total = sum(amounts)
    position = p * n
    whole = position.numerator // position.denominator
    held = Fraction(sum(amounts[:whole]))
    if whole < n:
        held += (position - whole) * amounts[whole]
    return held / total


def gini(amounts: Sequence[int]) -> Fraction:
    """G = Σᵢ Σⱼ |xᵢ - xⱼ| / (2 n² μ) = 2 Σᵢ i·x₍ᵢ₎ / (n S) - (n + 1) / n, amounts sorted ascending (i from 1)."""
    n = len(amounts)
    total = sum(amounts)
    ranked = sum(rank * amount for rank, amount in enumerate(amounts, start=1))
    return Fraction(2 * ranked, n * total) - Fraction(n + 1, n)


def median(amounts: Sequence[int]) -> Fraction:
    n = len(amounts)
    middle = n // 2
    if n % 2:
        return Fraction(amounts[middle])
    return Fraction(amounts[middle - 1] + amounts[middle], 2)


def payout_indicators(amounts: Sequence[int], *, paid: int) -> dict:
    """Households, totals, mean, median, Gini, top-20/bottom-20 ratio and bottom-40 share of household payouts."""
    amounts = sorted(amounts)
    n = len(amounts)
    total = sum(amounts)
    figures: dict = {
        "households_with_payout": n,
        "households_paid": paid,
        "payouts_fen": total,
        "mean_payout_fen": None,
        "median_payout_fen": None,
        "gini": None,
        "top_20_to_bottom_20": None,
        "bottom_40_share": None,
    }
    if n == 0:
        return figures
    figures["mean_payout_fen"] = round_half_up(Fraction(total, n))
    figures["median_payout_fen"] = round_half_up(median(amounts))
    if total <= 0:
        return figures
    figures["gini"] = decimal_string(gini(amounts))
    bottom_20 = lorenz(amounts, Fraction(1, 5))
    top_20 = 1 - lorenz(amounts, Fraction(4, 5))
    if bottom_20 > 0:
        figures["top_20_to_bottom_20"] = decimal_string(top_20 / bottom_20)
    figures["bottom_40_share"] = decimal_string(lorenz(amounts, Fraction(2, 5)))
    return figures


def _income(revenue: int, from_company: int, expenses: int) -> dict:
    collective = revenue + from_company
    return {
        "revenue_fen": revenue,
        "income_from_company_fen": from_company,
        "collective_income_fen": collective,
        "expenses_fen": expenses,
        "net_fen": collective - expenses,
    }


def report_years(user: User) -> list[int]:
    """The years that have books or a distribution the user may see, oldest first."""
    years = set(DistributionRun.objects.visible_to(user).values_list("year", flat=True).distinct())
    years |= {day.year for day in LedgerEntry.objects.visible_to(user).dates("entry_date", "year")}
    return sorted(years)


def default_year(user: User, today: date) -> int:
    """The latest year with a distribution computed or later, else the latest year with books, else last year."""
    effective = (
        DistributionRun.objects.visible_to(user)
        .filter(kind=DistributionRun.Kind.REGULAR, status__in=EFFECTIVE_STATUSES)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if effective:
        return effective
    years = report_years(user)
    return years[-1] if years else today.year - 1


def annual_report(*, user, year: int) -> dict:
    """The year of every association the user may see, and of the township when they see all of them.

    The income from the company is the association's received pool in the year's effective run (the
    latest regular run of the year, computed or later and not reversed, that has a pool for it: the
    run the income statement uses); the payouts are that run's payouts of the association's households.
    """
    threshold = int(settings.REPORTS_WEAK_VILLAGE_THRESHOLD_FEN)
    associations = list(Organisation.objects.visible_to(user).collectives().order_by("code", "pk"))
    ids = [association.pk for association in associations]

    revenue: dict[int, int] = defaultdict(int)
    expenses: dict[int, int] = defaultdict(int)
    entries = (
        LedgerEntry.objects.visible_to(user)
        .filter(organisation_id__in=ids)
        .of_year(year)
        .exclude(category=LedgerEntry.Category.BORROWING)
        .values("organisation_id", "direction")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    for row in entries:
        target = revenue if row["direction"] == LedgerEntry.Direction.REVENUE else expenses
        target[row["organisation_id"]] += row["total"]

    effective_runs = DistributionRun.objects.visible_to(user).filter(
        kind=DistributionRun.Kind.REGULAR, year=year, status__in=EFFECTIVE_STATUSES, reversal__isnull=True
    )
    received: dict[int, tuple[int, int]] = {}
    for association_id, run_id, amount in (
        Pool.objects.filter(kind=engine.POOL_RECEIVED, association_id__in=ids, run__in=effective_runs)
        .values_list("association_id", "run_id", "amount_fen")
        .order_by("association_id", "run_id")
    ):
        received[association_id] = (run_id, amount)  # the latest run wins, as in effective_run

    amounts: dict[int, list[int]] = defaultdict(list)
    paid: dict[int, int] = defaultdict(int)
    run_of = {association_id: run_id for association_id, (run_id, _amount) in received.items()}
    for run_id, association_id, total, status in (
        Payout.objects.visible_to(user)
        .filter(run_id__in=set(run_of.values()), association_id__in=ids)
        .values_list("run_id", "association_id", "total_fen", "status")
        .order_by()
    ):
        if run_of.get(association_id) == run_id:
            amounts[association_id].append(total)
            paid[association_id] += status == Payout.Status.PAID

    contracts = LandTransferContract.objects.visible_to(user).filter(in_force_in_year(year))
    # The area of distinct parcels under contract in the year: a contract and its renewal in the same
    # year (or any two contracts one after the other on one parcel) transfer that land once. A parcel
    # counts with the largest area a contract of the year took of it.
    parcel_area: dict[int, tuple[int, Decimal]] = {}
    for parcel_id, association_id, area_mu in (
        ContractParcel.objects.filter(contract__in=contracts, contract__household__association_id__in=ids)
        .values_list("parcel_id", "contract__household__association_id", "area_mu")
        .order_by()
    ):
        if parcel_id not in parcel_area or parcel_area[parcel_id][1] < area_mu:
            parcel_area[parcel_id] = (association_id, area_mu)
    area: dict[int, Decimal] = defaultdict(Decimal)
    for association_id, area_mu in parcel_area.values():
        area[association_id] += area_mu
    installments = RentInstallment.objects.visible_to(user).filter(
        year=year, contract__household__association_id__in=ids
    )
    rent_due = dict(
        installments.values("contract__household__association_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("contract__household__association_id", "total")
        .order_by()
    )
    rent_paid = dict(
        RentAllocation.objects.filter(installment__in=installments)
        .values("installment__contract__household__association_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("installment__contract__household__association_id", "total")
        .order_by()
    )

    rows = []
    for association in associations:
        pk = association.pk
        income = _income(revenue[pk], received.get(pk, (None, 0))[1], expenses[pk])
        rows.append(
            {
                "association_id": pk,
                "association_code": association.code,
                "association_name": association.name,
                "weak_village": income["collective_income_fen"] < threshold,
                **income,
                "area_transferred_mu": area.get(pk) or Decimal(0),
                "rent_due_fen": rent_due.get(pk) or 0,
                "rent_paid_fen": rent_paid.get(pk) or 0,
                **payout_indicators(amounts[pk], paid=paid[pk]),
            }
        )

    township = None
    if associations and len(associations) == Organisation.objects.collectives().count():
        township = {
            "associations": len(rows),
            "weak_villages": sum(row["weak_village"] for row in rows),
            **_income(
                sum(row["revenue_fen"] for row in rows),
                sum(row["income_from_company_fen"] for row in rows),
                sum(row["expenses_fen"] for row in rows),
            ),
            "area_transferred_mu": sum((row["area_transferred_mu"] for row in rows), Decimal(0)),
            "rent_due_fen": sum(row["rent_due_fen"] for row in rows),
            "rent_paid_fen": sum(row["rent_paid_fen"] for row in rows),
            **payout_indicators([amount for pk in ids for amount in amounts[pk]], paid=sum(paid[pk] for pk in ids)),
        }
    return {
        "year": year,
        "weak_village_threshold_fen": threshold,
        "associations": rows,
        "township": township,
    }
