"""The distribution engine: DESIGN.md §3 as a pure, deterministic computation over frozen inputs.

Nothing here touches the database. The inputs are frozen dataclasses (what the run froze on its
record date); the outputs are whole fen. Every rate is an exact Decimal, every product an exact
Fraction, every split the largest-remainder method of collective.money. The persisted, chunked
computation in dividends/services (prepare, chunks, finish) uses these same functions piece by piece; `compute_run`
below is the single-pass version the tests compare it with.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from collective.money import floor_fraction, round_half_up_product, split_largest_remainder

# Category codes the engine needs (the ledger's TextChoices use the same values).
LAND_OPERATION = "land_operation"
BORROWING = "borrowing"

# Share weights (quantity * type weight) have at most 8 decimals (4 + 4): scaled by this they are
# whole numbers, so a chunk can compute floor(pool * w / W) and (pool * w) mod W in integers.
WEIGHT_SCALE = 10**8
# Remainders are stored in a signed 64-bit column; a pool whose reduced total weight reaches this is refused.
MAX_WEIGHT_UNITS = 2**62

# Payout parts, the farmer's three incomes: rent 租金, dividends 股金 (land + share), wages 薪金.
RENT = "rent"
LAND_DIVIDEND = "land_dividend"
SHARE_DIVIDEND = "share_dividend"
WAGES = "wages"
PARTS = (RENT, LAND_DIVIDEND, SHARE_DIVIDEND, WAGES)

# Pool kinds.
POOL_RENT = "rent"
POOL_WAGES = "wages"
POOL_LAND_DIVIDEND = "land_dividend"
POOL_RESERVE = "reserve"
POOL_WELFARE = "welfare"
POOL_SHAREHOLDER = "shareholder"
POOL_RETAINED = "retained"
POOL_RECEIVED = "association_received"
POOL_RETENTION = "association_retention"
POOL_SPLIT = "association_split"

# Why a run distributes less than it might: codes the run stores and the pages explain.
NOTE_LAND_LOSS = "land_profit_not_positive"
NOTE_NET_LOSS = "net_profit_not_positive"
NOTE_BORROWED_EXCLUDED = "borrowed_funds_excluded"
NOTE_NO_PROFIT_SHARE_POOL = "land_share_rate_zero"


class DistributionError(ValueError):
    """A run cannot be computed as asked; the message says why and names the pool concerned."""

    def __init__(self, message: str, *, pool: str = "") -> None:
        super().__init__(message)
        self.pool = pool


def pool_name(kind: str, association_code: str | None = None) -> str:
    """Name a pool for people, e.g. 'share dividend pool of A01'."""
    names = {
        POOL_RENT: _("guaranteed rent"),
        POOL_WAGES: _("wages"),
        POOL_LAND_DIVIDEND: _("land dividend pool"),
        POOL_RESERVE: _("provident fund"),
        POOL_WELFARE: _("welfare fund"),
        POOL_SHAREHOLDER: _("shareholder pool"),
        POOL_RETAINED: _("retained earnings"),
        POOL_RECEIVED: _("received by %(association)s"),
        POOL_RETENTION: _("retention of %(association)s"),
        POOL_SPLIT: _("share dividend pool of %(association)s"),
    }
    name = names.get(kind, kind)
    return name % {"association": association_code} if association_code else name


@dataclass(frozen=True)
class Rates:
    """The policy's rates, exact decimals between 0 and 1."""

    land_share: Decimal
    reserve: Decimal
    welfare: Decimal
    payout: Decimal
    retention: Decimal


@dataclass(frozen=True)
class ContractTerms:
    """The contract's terms a line's days_active and rent_per_mu_fen come from, frozen with the run.

    last day in force = terminated_on if set, else end_date; days_active counts the days of the year
    in [start_date, last day]; rent_per_mu_fen = base_rent_per_mu_fen * (1 + escalation_percent / 100)
    ** ((year - start year) // escalation_every_years) after the start year (docs/land.md).
    """

    start_date: date
    end_date: date
    terminated_on: date | None
    base_rent_per_mu_fen: int
    escalation_percent: Decimal | None
    escalation_every_years: int | None


@dataclass(frozen=True)
class ContractLineInput:
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
    profit_share_weight: Decimal = Decimal(1)
    terms: ContractTerms | None = None

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.contract_number, self.parcel_code)


@dataclass(frozen=True)
class LabourLineInput:
    record_id: int
    household_id: int
    household_code: str
    association_id: int
    member_name: str
    work_date: date
    days: Decimal
    day_wage_fen: int
    # Why this household: the member's on the work date; left_household_on is when the member left it after.
    member_id: int | None = None
    left_household_on: date | None = None


@dataclass(frozen=True)
class HoldingInput:
    """A holding on the record date; household_id None is the association's own collective holding."""

    household_id: int | None
    household_code: str | None
    share_type_id: int
    share_type_code: str
    weight: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class AssociationInput:
    association_id: int
    code: str
    equity_shares: int


@dataclass(frozen=True)
class CompanyInputs:
    """Everything of the company's year the run needs, except the associations' registries."""

    year: int
    rates: Rates
    revenue_by_category: Mapping[str, int]
    expense_by_category: Mapping[str, int]
    contract_lines: Sequence[ContractLineInput]
    labour_lines: Sequence[LabourLineInput]
    associations: Sequence[AssociationInput]


@dataclass(frozen=True)
class ContractLineResult:
    line: ContractLineInput
    rent_fen: int
    land_weight: Fraction
    land_dividend_fen: int


@dataclass(frozen=True)
class LabourLineResult:
    line: LabourLineInput
    wage_fen: int


@dataclass(frozen=True)
class AssociationResult:
    association: AssociationInput
    received_fen: int
    retention_fen: int
    split_fen: int


@dataclass(frozen=True)
class CompanyResult:
    contract_lines: tuple[ContractLineResult, ...]
    labour_lines: tuple[LabourLineResult, ...]
    revenue_fen: int
    borrowed_fen: int
    expense_fen: int
    land_revenue_fen: int
    land_expense_fen: int
    rent_fen: int
    wages_fen: int
    land_profit_fen: int
    land_pool_fen: int
    net_profit_fen: int
    reserve_fen: int
    welfare_fen: int
    distributable_fen: int
    shareholder_pool_fen: int
    retained_fen: int
    associations: tuple[AssociationResult, ...]
    notes: tuple[str, ...]

    def figures(self) -> dict[str, int]:
        """The run's headline figures, for storing with it and showing on its page."""
        return {
            "revenue_fen": self.revenue_fen,
            "borrowed_fen": self.borrowed_fen,
            "expense_fen": self.expense_fen,
            "land_revenue_fen": self.land_revenue_fen,
            "land_expense_fen": self.land_expense_fen,
            "rent_fen": self.rent_fen,
            "wages_fen": self.wages_fen,
            "land_profit_fen": self.land_profit_fen,
            "land_pool_fen": self.land_pool_fen,
            "net_profit_fen": self.net_profit_fen,
            "reserve_fen": self.reserve_fen,
            "welfare_fen": self.welfare_fen,
            "distributable_fen": self.distributable_fen,
            "shareholder_pool_fen": self.shareholder_pool_fen,
            "retained_fen": self.retained_fen,
        }


def rent_for_line(line: ContractLineInput) -> int:
    """Step 1: round_half_up(area * rent per mu for Y * days active in Y / days in Y), in fen."""
    return round_half_up_product(line.area_mu, line.rent_per_mu_fen, line.days_active, divisor=line.days_in_year)


def wage_for_line(line: LabourLineInput) -> int:
    """Step 2: round_half_up(days * day wage), in fen."""
    return round_half_up_product(line.days, line.day_wage_fen)


def land_weight(line: ContractLineInput) -> Fraction:
    """Step 3's weight: mu-days (area * days active in Y), times the contract's profit-share weight."""
    if not line.profit_share:
        return Fraction(0)
    area, area_denominator = line.area_mu.as_integer_ratio()
    weight, weight_denominator = line.profit_share_weight.as_integer_ratio()
    return Fraction(area * line.days_active * weight, area_denominator * weight_denominator)


def take(amount_fen: int, rate: Decimal) -> int:
    """floor(amount * rate) of the exact product."""
    return floor_fraction(Fraction(amount_fen) * Fraction(rate))


def compute_company(inputs: CompanyInputs) -> CompanyResult:
    """Steps 1-7 down to each association's share of the shareholder pool (DESIGN.md §3)."""
    rates = inputs.rates
    notes: list[str] = []

    contract_lines = sorted(inputs.contract_lines, key=lambda line: line.sort_key)
    rents = [rent_for_line(line) for line in contract_lines]
    total_rent = sum(rents)
    labour_lines = sorted(inputs.labour_lines, key=lambda line: (line.household_code, line.work_date, line.record_id))
    wages = [wage_for_line(line) for line in labour_lines]
    total_wages = sum(wages)

    land_revenue = inputs.revenue_by_category.get(LAND_OPERATION, 0)
    land_expense = inputs.expense_by_category.get(LAND_OPERATION, 0)
    land_profit = land_revenue - land_expense - total_rent
    land_pool = take(land_profit, rates.land_share) if land_profit > 0 else 0
    if land_profit <= 0:
        notes.append(NOTE_LAND_LOSS)
    elif rates.land_share == 0:
        notes.append(NOTE_NO_PROFIT_SHARE_POOL)
    weights = {line.sort_key: land_weight(line) for line in contract_lines}
    land_name = pool_name(POOL_LAND_DIVIDEND)
    if land_pool and not any(weights.values()):
        raise DistributionError(
            _(
                "The %(pool)s of %(amount)s fen has no contract line with a profit-share clause to split over "
                "(total weight zero). Set the policy's land share rate to 0 or record the clauses."
            )
            % {"pool": land_name, "amount": land_pool},
            pool=land_name,
        )
    land_parts = split_largest_remainder(land_pool, weights, pool_name=land_name)

    borrowed = inputs.revenue_by_category.get(BORROWING, 0)
    if borrowed:
        notes.append(NOTE_BORROWED_EXCLUDED)
    revenue = sum(amount for category, amount in inputs.revenue_by_category.items() if category != BORROWING)
    expense = sum(inputs.expense_by_category.values())
    net = revenue - expense - total_rent - total_wages - land_pool

    reserve = welfare = distributable = shareholder_pool = retained = 0
    if net > 0:
        reserve = take(net, rates.reserve)
        welfare = take(net, rates.welfare)
        distributable = net - reserve - welfare
        shareholder_pool = take(distributable, rates.payout)
        retained = distributable - shareholder_pool
    else:
        notes.append(NOTE_NET_LOSS)

    associations = sorted(inputs.associations, key=lambda association: association.code)
    equity = {association.code: association.equity_shares for association in associations}
    shareholder_name = pool_name(POOL_SHAREHOLDER)
    if shareholder_pool and not any(equity.values()):
        raise DistributionError(
            _("The %(pool)s of %(amount)s fen has no shareholder with company shares on the record date.")
            % {"pool": shareholder_name, "amount": shareholder_pool},
            pool=shareholder_name,
        )
    received = split_largest_remainder(shareholder_pool, equity, pool_name=shareholder_name)
    association_results = []
    for association in associations:
        amount = received[association.code]
        retention = take(amount, rates.retention)
        association_results.append(AssociationResult(association, amount, retention, amount - retention))

    return CompanyResult(
        contract_lines=tuple(
            ContractLineResult(line, rent, weights[line.sort_key], land_parts[line.sort_key])
            for line, rent in zip(contract_lines, rents, strict=True)
        ),
        labour_lines=tuple(LabourLineResult(line, wage) for line, wage in zip(labour_lines, wages, strict=True)),
        revenue_fen=revenue,
        borrowed_fen=borrowed,
        expense_fen=expense,
        land_revenue_fen=land_revenue,
        land_expense_fen=land_expense,
        rent_fen=total_rent,
        wages_fen=total_wages,
        land_profit_fen=land_profit,
        land_pool_fen=land_pool,
        net_profit_fen=net,
        reserve_fen=reserve,
        welfare_fen=welfare,
        distributable_fen=distributable,
        shareholder_pool_fen=shareholder_pool,
        retained_fen=retained,
        associations=tuple(association_results),
        notes=tuple(notes),
    )


# --- The association split (step 7), the part that grows with the number of households ----------


@dataclass(frozen=True)
class Shareholder:
    """One line of an association's split: a household, or (household_id None) the association itself."""

    household_id: int | None
    household_code: str | None
    weight: Fraction
    # The weight in 1e-8 units when known (shareholders() sets it), so large registries skip Fractions.
    units: int | None = None

    @property
    def is_collective(self) -> bool:
        return self.household_id is None

    @property
    def weight_units(self) -> int:
        return self.units if self.units is not None else weight_units(self.weight)


def holder_sort_key(household_code: str | None) -> tuple[int, str]:
    """Households by code; the association's own line sorts last."""
    return (1, "") if household_code is None else (0, household_code)


def shareholders(holdings: Iterable[HoldingInput]) -> list[Shareholder]:
    """Each holder's weight Σ quantity * type weight, in tie-break order (the line's ordinal is its index)."""
    units: dict[tuple[int | None, str | None], int] = defaultdict(int)
    for holding in holdings:
        units[(holding.household_id, holding.household_code)] += holding_units(holding.quantity, holding.weight)
    ordered = sorted(units.items(), key=lambda item: holder_sort_key(item[0][1]))
    return [
        Shareholder(household_id, code, Fraction(value, WEIGHT_SCALE), value) for (household_id, code), value in ordered
    ]


def weight_units(weight: Fraction | Decimal) -> int:
    """A share weight as a whole number of 1e-8 units (exact: weights have at most 8 decimals)."""
    scaled = Fraction(weight) * WEIGHT_SCALE
    if scaled.denominator != 1:
        raise DistributionError(_("A share weight has more than eight decimals: %(weight)s.") % {"weight": weight})
    return scaled.numerator


def holding_units(quantity: Decimal, weight: Decimal) -> int:
    """quantity * type weight in 1e-8 units, in integers (each has at most four decimals): the hot loop."""
    scaled_quantity = Decimal(quantity).scaleb(4)
    scaled_weight = Decimal(weight).scaleb(4)
    if scaled_quantity == scaled_quantity.to_integral_value() and scaled_weight == scaled_weight.to_integral_value():
        return int(scaled_quantity) * int(scaled_weight)
    return weight_units(Fraction(quantity) * Fraction(weight))


def units_divisor(units: Iterable[int]) -> int:
    """The greatest common divisor of the weights: dividing by it keeps remainders small and exact."""
    divisor = 0
    for value in units:
        divisor = math.gcd(divisor, value)
    return divisor or 1


def floor_and_remainder(pool_fen: int, units: int, total_units: int) -> tuple[int, int]:
    """A line's floor(pool * w / W) and the exact remainder (pool * w) mod W, in integers."""
    return divmod(pool_fen * units, total_units)


def hand_out_leftover(pool_fen: int, parts: Sequence[tuple[int, int, int]]) -> dict[int, int]:
    """Give the fen left after the floors to the largest remainders over the whole pool.

    parts are (ordinal, floor, remainder); ties go to the lower ordinal (the stable code order).
    Returns {ordinal: amount}.
    """
    amounts = {ordinal: floor for ordinal, floor, _remainder in parts}
    leftover = pool_fen - sum(amounts.values())
    if leftover < 0 or leftover > len(parts):
        raise DistributionError(
            _("The floors of a pool add up to more than the pool (%(pool)s fen).") % {"pool": pool_fen}
        )
    for ordinal, _floor, _remainder in sorted(parts, key=lambda part: (-part[2], part[0]))[:leftover]:
        amounts[ordinal] += 1
    return amounts


def split_share_pool(pool_fen: int, holders: Sequence[Shareholder], *, association_code: str) -> dict[int, int]:
    """Split an association's pool over its holders in one pass; returns {ordinal: amount}."""
    name = pool_name(POOL_SPLIT, association_code)
    weights = {ordinal: holder.weight for ordinal, holder in enumerate(holders)}
    if pool_fen and not any(weights.values()):
        raise DistributionError(
            _("The %(pool)s of %(amount)s fen has no holder with shares on the record date (total weight zero).")
            % {"pool": name, "amount": pool_fen},
            pool=name,
        )
    # Ordinals follow the code order, so the tie-break of split_largest_remainder on them is the stable one.
    return split_largest_remainder(pool_fen, weights, pool_name=name)


def split_share_pool_in_chunks(
    pool_fen: int, holders: Sequence[Shareholder], *, association_code: str, chunk_size: int
) -> dict[int, int]:
    """The same split as the chunked run does it: integer floors per chunk, the leftover over the whole pool."""
    name = pool_name(POOL_SPLIT, association_code)
    units = [holder.weight_units for holder in holders]
    divisor = units_divisor(units)
    units = [value // divisor for value in units]
    total = sum(units)
    if total == 0:
        if pool_fen:
            raise DistributionError(
                _("The %(pool)s of %(amount)s fen has no holder with shares on the record date (total weight zero).")
                % {"pool": name, "amount": pool_fen},
                pool=name,
            )
        return dict.fromkeys(range(len(holders)), 0)
    parts: list[tuple[int, int, int]] = []
    for start in range(0, len(holders), chunk_size):
        for ordinal in range(start, min(start + chunk_size, len(holders))):
            parts.append((ordinal, *floor_and_remainder(pool_fen, units[ordinal], total)))
    return hand_out_leftover(pool_fen, parts)


# --- The whole run in one pass ---------------------------------------------------------------------


@dataclass
class PayoutAmounts:
    rent_fen: int = 0
    land_dividend_fen: int = 0
    share_dividend_fen: int = 0
    wage_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.rent_fen + self.land_dividend_fen + self.share_dividend_fen + self.wage_fen


@dataclass(frozen=True)
class ShareLine:
    association_id: int
    ordinal: int
    household_id: int | None
    household_code: str | None
    weight: Fraction
    amount_fen: int


@dataclass
class RunResult:
    company: CompanyResult
    share_lines: list[ShareLine] = field(default_factory=list)
    payouts: dict[int, PayoutAmounts] = field(default_factory=dict)

    def collective_lines(self) -> list[ShareLine]:
        return [line for line in self.share_lines if line.household_id is None]


def compute_run(inputs: CompanyInputs, holdings: Mapping[int, Iterable[HoldingInput]]) -> RunResult:
    """The whole of DESIGN.md §3 in memory, in one pass: the reference the chunked run must equal."""
    company = compute_company(inputs)
    result = RunResult(company=company)
    payouts: dict[int, PayoutAmounts] = defaultdict(PayoutAmounts)
    for contract_line in company.contract_lines:
        payout = payouts[contract_line.line.household_id]
        payout.rent_fen += contract_line.rent_fen
        payout.land_dividend_fen += contract_line.land_dividend_fen
    for labour_line in company.labour_lines:
        payouts[labour_line.line.household_id].wage_fen += labour_line.wage_fen
    for association in company.associations:
        holders = shareholders(holdings.get(association.association.association_id, ()))
        amounts = split_share_pool(association.split_fen, holders, association_code=association.association.code)
        for ordinal, holder in enumerate(holders):
            result.share_lines.append(
                ShareLine(
                    association.association.association_id,
                    ordinal,
                    holder.household_id,
                    holder.household_code,
                    holder.weight,
                    amounts[ordinal],
                )
            )
            if holder.household_id is not None:
                payouts[holder.household_id].share_dividend_fen += amounts[ordinal]
    result.payouts = {household: amounts for household, amounts in payouts.items() if amounts.total_fen}
    return result
