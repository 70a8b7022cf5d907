"""Rent arithmetic: days in force, escalation, the rent per mu and the contract lines of a year (docs/land.md)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import F

from collective.models import Organisation
from collective.money import round_half_up_product
from land.models import (
    ContractParcel,
    LandTransferContract,
)

Status = LandTransferContract.Status


# Every status in which a contract was in force for some days: only drafts never were.
BINDING_STATUSES = (Status.SIGNED, Status.ACTIVE, Status.EXPIRED, Status.TERMINATED)


@dataclass(frozen=True)
class ContractLine:
    """One parcel of one contract in force for at least one day of a year, with its rent for that year."""

    contract_id: int
    contract_number: str
    parcel_code: str
    household_id: int
    household_code: str
    association_id: int
    area_mu: Decimal
    rent_per_mu_fen: Decimal
    days_active: int
    days_in_year: int
    profit_share: bool
    profit_share_weight: Decimal
    rent_fen: int
    # The terms days_active and rent_per_mu_fen come from (a run freezes and publishes them).
    start_date: date | None = None
    end_date: date | None = None
    terminated_on: date | None = None
    base_rent_per_mu_fen: int | None = None
    escalation_percent: Decimal | None = None
    escalation_every_years: int | None = None


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def days_in_force_in_year(*, start: date, end: date, year: int) -> int:
    """Count the days of `year` inside [start, end], both ends included."""
    first = max(start, date(year, 1, 1))
    last = min(end, date(year, 12, 31))
    return max((last - first).days + 1, 0)


def escalation_steps(*, contract: LandTransferContract, year: int) -> int:
    """Return how many escalations apply to the rent of `year`.

    Periods are counted in calendar years from the contract's start year: the k-th rise takes effect
    on 1 January of start_year + k * N, so one rent applies to a whole calendar year.
    """
    if not contract.has_escalation or year <= contract.start_date.year:
        return 0
    return (year - contract.start_date.year) // contract.escalation_every_years


def _exact_decimal(value: Fraction) -> Decimal:
    """Return a fraction whose denominator has only the factors 2 and 5 as an exact Decimal."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    exponent = max(twos, fives)
    scaled = value.numerator * 10**exponent // value.denominator
    while exponent and scaled % 10 == 0:
        scaled //= 10
        exponent -= 1
    sign = 1 if scaled < 0 else 0
    return Decimal((sign, tuple(int(digit) for digit in str(abs(scaled))), -exponent))


def rent_per_mu_for_year(*, contract: LandTransferContract, year: int) -> Decimal:
    """Return the guaranteed rent in FEN per mu for `year`, exactly, after the contract's escalation.

    rent * (1 + pct/100) ^ escalation_steps; escalation compounds and is never rounded here.
    """
    rent = Fraction(contract.rent_per_mu_fen)
    steps = escalation_steps(contract=contract, year=year)
    if steps:
        rent *= (1 + Fraction(contract.escalation_percent) / 100) ** steps
    return _exact_decimal(rent)


def _lines_of(
    contract: LandTransferContract,
    year: int,
    parcels: Sequence[tuple[str, Decimal]],
    *,
    household_code: str,
    association_id: int,
) -> list[ContractLine]:
    """The contract's lines in force in `year`, from its (parcel code, area) pairs and its household."""
    start, end = contract.start_date, contract.last_day_in_force
    days = days_in_force_in_year(start=start, end=end, year=year)
    if days == 0:
        return []
    rent_per_mu = rent_per_mu_for_year(contract=contract, year=year)
    year_days = days_in_year(year)
    lines = []
    for parcel_code, area_mu in sorted(parcels, key=lambda parcel: parcel[0]):
        rent = round_half_up_product(area_mu, rent_per_mu, days, divisor=year_days)
        lines.append(
            ContractLine(
                contract_id=contract.pk,
                contract_number=contract.number,
                parcel_code=parcel_code,
                household_id=contract.household_id,
                household_code=household_code,
                association_id=association_id,
                area_mu=area_mu,
                rent_per_mu_fen=rent_per_mu,
                days_active=days,
                days_in_year=year_days,
                profit_share=contract.profit_share,
                profit_share_weight=contract.profit_share_weight,
                rent_fen=rent,
                start_date=start,
                end_date=contract.end_date,
                terminated_on=contract.terminated_on if contract.status == Status.TERMINATED else None,
                base_rent_per_mu_fen=contract.rent_per_mu_fen,
                escalation_percent=contract.escalation_percent if contract.has_escalation else None,
                escalation_every_years=contract.escalation_every_years if contract.has_escalation else None,
            )
        )
    return lines


def contract_lines_for_year(*, transferee: Organisation, year: int) -> list[ContractLine]:
    """Return every contract line in force for at least one day of `year`, with its guaranteed rent.

    rent_fen = round_half_up(area_mu * rent_per_mu_fen * days_active / days_in_year), all exact.
    Sorted by (contract number, parcel code). Drafts never count; a terminated contract counts up
    to its termination date.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_force = LandTransferContract.objects.filter(
        transferee=transferee,
        status__in=BINDING_STATUSES,
        start_date__lte=last,
        lines__binding=True,
        lines__end_date__gte=first,
    )
    # Every line of those contracts as plain (code, area) tuples in one query: a county's tens of
    # thousands of contracts without a model object per line and parcel (docs/scaling.md).
    parcels: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for contract_id, parcel_code, area_mu in ContractParcel.objects.filter(
        contract__in=in_force.values("pk")
    ).values_list("contract_id", "parcel__code", "area_mu"):
        parcels[contract_id].append((parcel_code, area_mu))
    contracts = (
        in_force.distinct()
        .only(*RENT_FIELDS)
        .annotate(household_code=F("household__code"), household_association_id=F("household__association_id"))
        .order_by("number")
    )
    lines: list[ContractLine] = []
    for contract in contracts:
        lines.extend(
            _lines_of(
                contract,
                year,
                parcels[contract.pk],
                household_code=contract.household_code,
                association_id=contract.household_association_id,
            )
        )
    return lines


# What the rent of a year needs of a contract (a county's contracts are read with these only).
RENT_FIELDS = (
    "number",
    "household_id",
    "status",
    "start_date",
    "end_date",
    "terminated_on",
    "rent_per_mu_fen",
    "escalation_percent",
    "escalation_every_years",
    "profit_share",
    "profit_share_weight",
)


def contract_rent_for_year(*, contract: LandTransferContract, year: int) -> int:
    """Return one contract's guaranteed rent for `year` in fen: the sum of its lines, as a run pays it."""
    parcels = [(line.parcel.code, line.area_mu) for line in contract.lines.all()]
    household = contract.household
    lines = _lines_of(contract, year, parcels, household_code=household.code, association_id=household.association_id)
    return sum(line.rent_fen for line in lines)


def due_date_for_year(*, contract: LandTransferContract, year: int) -> date:
    """Return when the rent of `year` is due: the contract's due day, kept inside the term of that year."""
    month = contract.payment_due_month
    day = min(contract.payment_due_day, calendar.monthrange(year, month)[1])
    due = date(year, month, day)
    return min(max(due, contract.start_date), contract.last_day_in_force)
