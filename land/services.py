"""Land: the rules of parcels and transfer contracts, the rent they owe, and remediation labour.

The rent and escalation rules are written out in docs/land.md; the tests check them to the fen.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collective.models import Household, Member, Organisation
from collective.money import format_yuan, round_half_up, round_half_up_product
from collective.services import households_on
from land.models import (
    EXPIRY_NOTICE_DAYS,
    ContractParcel,
    LabourRecord,
    LandTransferContract,
    Parcel,
    RentAllocation,
    RentInstallment,
    RentPayment,
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


@dataclass(frozen=True)
class LabourLine:
    """One labour record of a year with its wage, credited to the member's household on the work date.

    left_household_on: the day the member left that household after the work (a move, split or
    merge), None when the member is still in it; it says why the household may differ from today's.
    """

    record_id: int
    household_id: int
    household_code: str
    association_id: int
    member_name: str
    work_date: date
    days: Decimal
    day_wage_fen: int
    wage_fen: int
    member_id: int | None = None
    left_household_on: date | None = None


@dataclass(frozen=True)
class ScheduleRow:
    """One year of a contract's rent schedule as the pages show it."""

    year: int
    due_date: date
    amount_fen: int
    paid_fen: int
    overdue: bool
    projected: bool

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


@dataclass(frozen=True)
class ReminderCounts:
    activated: int
    expired: int
    expiring: int
    overdue: int


@dataclass(frozen=True)
class HouseholdLabourTotal:
    household_id: int
    household_code: str
    days: Decimal
    wage_fen: int
    records: int


# ---------------------------------------------------------------------------------------------
# Rent arithmetic


def format_mu(area: Decimal) -> str:
    """Return an area without trailing zeros: Decimal('12.5000') -> '12.5'."""
    text = f"{area:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


# ---------------------------------------------------------------------------------------------
# Contract rules


def _line_errors(
    *,
    household: Household,
    start_date: date,
    end_date: date,
    parcels: Sequence[tuple[Parcel, Decimal]],
    exclude_contract: LandTransferContract | None,
) -> list[str]:
    errors = []
    seen = set()
    for parcel, area in parcels:
        code = parcel.code
        if parcel.pk in seen:
            errors.append(_("Parcel %(code)s is listed twice.") % {"code": code})
            continue
        seen.add(parcel.pk)
        if parcel.contract_household_id != household.pk:
            errors.append(
                _("Parcel %(code)s: its contract right is not held by household %(household)s.")
                % {"code": code, "household": household.code}
            )
        if area is None or area <= 0:
            errors.append(_("Parcel %(code)s: the area must be more than 0 mu.") % {"code": code})
        elif area > parcel.area_mu:
            errors.append(
                _("Parcel %(code)s: %(area)s mu is more than the parcel's %(parcel_area)s mu.")
                % {"code": code, "area": format_mu(area), "parcel_area": format_mu(parcel.area_mu)}
            )
        if parcel.contract_right_end and end_date > parcel.contract_right_end:
            errors.append(
                _("Parcel %(code)s: the term ends after the household's contract right ends on %(right_end)s.")
                % {"code": code, "right_end": parcel.contract_right_end.isoformat()}
            )
        overlapping = ContractParcel.objects.filter(
            parcel=parcel, binding=True, start_date__lte=end_date, end_date__gte=start_date
        ).select_related("contract")
        if exclude_contract is not None and exclude_contract.pk:
            overlapping = overlapping.exclude(contract=exclude_contract)
        for other in overlapping:
            errors.append(
                _("Parcel %(code)s is already under contract %(number)s from %(start)s to %(end)s.")
                % {
                    "code": code,
                    "number": other.contract.number,
                    "start": other.start_date.isoformat(),
                    "end": other.end_date.isoformat(),
                }
            )
    return errors


def household_term_errors(*, household: Household, start_date: date, end_date: date) -> list[str]:
    """What keeps a household from holding a contract over a term: it must exist on every day of it."""
    errors = []
    if household.established_on is not None and start_date < household.established_on:
        errors.append(
            _("Household %(household)s was established on %(established)s, after the contract starts (%(start)s).")
            % {
                "household": household.code,
                "established": household.established_on.isoformat(),
                "start": start_date.isoformat(),
            }
        )
    if household.dissolved_on is not None and end_date >= household.dissolved_on:
        errors.append(
            _(
                "Household %(household)s was dissolved (注销) on %(dissolved)s: it can hold no contract in force "
                "from that day on. Make the contract with the household that took over its land."
            )
            % {"household": household.code, "dissolved": household.dissolved_on.isoformat()}
        )
    return errors


def refuse_payment_to_dissolved_household(*, contract: LandTransferContract, paid_on: date) -> None:
    """Refuse rent paid to a household on or after the day it was dissolved: nobody is there to receive it."""
    household = contract.household
    if household.dissolved_on is not None and paid_on >= household.dissolved_on:
        raise ValidationError(
            _(
                "Household %(household)s of contract %(number)s was dissolved (注销) on %(dissolved)s: no rent can "
                "be paid to it on %(paid_on)s. Pay the household that took over its land, under its own contract."
            )
            % {
                "household": household.code,
                "number": contract.number,
                "dissolved": household.dissolved_on.isoformat(),
                "paid_on": paid_on.isoformat(),
            },
            code="dissolved_household",
        )


def validate_contract(
    *,
    contract: LandTransferContract,
    parcels: Sequence[tuple[Parcel, Decimal]],
) -> None:
    """Raise a ValidationError, by field, naming every rule the contract and its parcels break."""
    errors: dict[str, list[str]] = defaultdict(list)
    if contract.end_date < contract.start_date:
        errors["end_date"].append(_("The end date cannot be before the start date."))
    if contract.transferee.kind != Organisation.Kind.COMPANY:
        errors["transferee"].append(_("The transferee must be a company."))
    if contract.rent_per_mu_fen < 0:
        errors["rent_per_mu_fen"].append(_("The rent cannot be negative."))
    if (contract.escalation_percent is None) != (contract.escalation_every_years is None):
        errors["escalation_percent"].append(
            _("Give both the escalation percentage and how often it applies, or neither.")
        )
    elif contract.has_escalation and (contract.escalation_percent <= 0 or contract.escalation_every_years < 1):
        errors["escalation_percent"].append(_("The escalation must be a percentage above zero, every 1 year or more."))
    if contract.profit_share_weight < 0:
        errors["profit_share_weight"].append(_("The profit-share weight cannot be negative."))
    if not 1 <= contract.payment_due_month <= 12 or not 1 <= contract.payment_due_day <= 31:
        errors["payment_due_day"].append(_("Give a rent due day that exists, such as month 12 day 20."))
    duplicate = LandTransferContract.objects.filter(number=contract.number)
    if contract.pk:
        duplicate = duplicate.exclude(pk=contract.pk)
    if duplicate.exists():
        errors["number"].append(_("A contract with this number exists already."))
    if not parcels:
        errors["parcels"].append(_("A contract takes at least one parcel."))
    errors["household"] += household_term_errors(
        household=contract.household, start_date=contract.start_date, end_date=contract.end_date
    )
    if contract.end_date >= contract.start_date:
        errors["parcels"] += _line_errors(
            household=contract.household,
            start_date=contract.start_date,
            end_date=contract.end_date,
            parcels=parcels,
            exclude_contract=contract,
        )
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def _lock_parcels(parcels: Iterable[Parcel]) -> None:
    """Serialise changes to these parcels' contracts (a no-op on SQLite, which locks the database)."""
    list(Parcel.objects.select_for_update().filter(pk__in=[p.pk for p in parcels]).order_by("pk"))


def _sync_lines(contract: LandTransferContract) -> None:
    """Copy the contract's term and whether it binds onto its lines, where the database checks overlaps."""
    last_day = contract.last_day_in_force
    binding = contract.status != Status.DRAFT and last_day >= contract.start_date
    for line in contract.lines.all():
        line.start_date = contract.start_date
        line.end_date = last_day if binding else max(last_day, contract.start_date)
        line.binding = binding
        line.save(update_fields=["start_date", "end_date", "binding"])


TERM_FIELDS = (
    "number",
    "household",
    "transferee",
    "transfer_mode",
    "start_date",
    "end_date",
    "rent_per_mu_fen",
    "escalation_percent",
    "escalation_every_years",
    "profit_share",
    "profit_share_weight",
    "payment_due_month",
    "payment_due_day",
    "note",
)


@transaction.atomic
def draft_contract(
    *,
    number: str,
    household: Household,
    transferee: Organisation,
    start_date: date,
    end_date: date,
    rent_per_mu_fen: int,
    parcels: Sequence[tuple[Parcel, Decimal]],
    transfer_mode: str = LandTransferContract.TransferMode.LEASE,
    escalation_percent: Decimal | None = None,
    escalation_every_years: int | None = None,
    profit_share: bool = True,
    profit_share_weight: Decimal = Decimal(1),
    payment_due_month: int = 12,
    payment_due_day: int = 20,
    note: str = "",
    renewed_from: LandTransferContract | None = None,
    is_synthetic: bool = False,
) -> LandTransferContract:
    """Create a draft contract with its parcels after checking every rule; drafts bind nobody yet."""
    contract = LandTransferContract(
        number=number.strip(),
        household=household,
        transferee=transferee,
        transfer_mode=transfer_mode,
        start_date=start_date,
        end_date=end_date,
        rent_per_mu_fen=rent_per_mu_fen,
        escalation_percent=escalation_percent,
        escalation_every_years=escalation_every_years,
        profit_share=profit_share,
        profit_share_weight=profit_share_weight,
        payment_due_month=payment_due_month,
        payment_due_day=payment_due_day,
        note=note,
        renewed_from=renewed_from,
        is_synthetic=is_synthetic,
    )
    validate_contract(contract=contract, parcels=parcels)
    contract.save()
    ContractParcel.objects.bulk_create(
        ContractParcel(
            contract=contract,
            parcel=parcel,
            area_mu=area,
            start_date=contract.start_date,
            end_date=contract.end_date,
            binding=False,
        )
        for parcel, area in parcels
    )
    return contract


@transaction.atomic
def update_draft_contract(
    *,
    contract: LandTransferContract,
    parcels: Sequence[tuple[Parcel, Decimal]] | None = None,
    **terms,
) -> LandTransferContract:
    """Change a draft's terms or parcels. A signed contract's terms never change: terminate and renew."""
    contract = LandTransferContract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Status.DRAFT:
        raise ValidationError(
            _("Contract %(number)s is signed: its terms cannot be edited. Terminate it and make a new contract.")
            % {"number": contract.number}
        )
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"not contract terms: {sorted(unknown)}")
    for field, value in terms.items():
        setattr(contract, field, value)
    if parcels is None:
        parcels = [(line.parcel, line.area_mu) for line in contract.lines.select_related("parcel")]
    validate_contract(contract=contract, parcels=parcels)
    contract.save()
    contract.lines.all().delete()
    ContractParcel.objects.bulk_create(
        ContractParcel(
            contract=contract,
            parcel=parcel,
            area_mu=area,
            start_date=contract.start_date,
            end_date=contract.end_date,
            binding=False,
        )
        for parcel, area in parcels
    )
    return contract


@transaction.atomic
def delete_draft_contract(*, contract: LandTransferContract) -> None:
    """Delete a draft. A signed contract is never deleted: it is terminated."""
    contract = LandTransferContract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be deleted; a signed contract is terminated instead."))
    contract.delete()


def status_on(*, contract: LandTransferContract, today: date) -> str:
    """Return the status a signed contract has on `today` by its dates."""
    if contract.status in (Status.DRAFT, Status.TERMINATED):
        return contract.status
    if today < contract.start_date:
        return Status.SIGNED
    if today <= contract.end_date:
        return Status.ACTIVE
    return Status.EXPIRED


@transaction.atomic
def sign_contract(
    *, contract: LandTransferContract, signed_on: date, today: date | None = None
) -> LandTransferContract:
    """Sign a draft: check every rule again under a lock on its parcels, then bind it and build its schedule."""
    today = today or timezone.localdate()
    contract = (
        LandTransferContract.objects.select_for_update().select_related("household", "transferee").get(pk=contract.pk)
    )
    if contract.status != Status.DRAFT:
        raise ValidationError(_("Contract %(number)s is signed already.") % {"number": contract.number})
    if signed_on > today:
        raise ValidationError({"signed_on": [_("The signing date cannot be in the future.")]})
    lines = list(contract.lines.select_related("parcel"))
    _lock_parcels(line.parcel for line in lines)
    validate_contract(contract=contract, parcels=[(line.parcel, line.area_mu) for line in lines])
    contract.signed_on = signed_on
    contract.status = Status.SIGNED
    contract.status = status_on(contract=contract, today=today)
    contract.save(update_fields=["signed_on", "status"])
    _sync_lines(contract)
    build_rent_schedule(contract=contract)
    return contract


@transaction.atomic
def terminate_contract(*, contract: LandTransferContract, terminated_on: date, reason: str) -> LandTransferContract:
    """End a signed or active contract early. Its last day in force is `terminated_on`; rent stops there."""
    contract = LandTransferContract.objects.select_for_update().get(pk=contract.pk)
    if not contract.can_be_terminated:
        raise ValidationError(
            _("Only a signed or active contract can be terminated; %(number)s is %(status)s.")
            % {"number": contract.number, "status": contract.get_status_display()}
        )
    errors = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the termination.")]
    if terminated_on > contract.end_date:
        errors["terminated_on"] = [_("A termination cannot be after the end of the term; the contract just expires.")]
    elif contract.signed_on and terminated_on < contract.signed_on:
        errors["terminated_on"] = [_("A termination cannot be before the contract was signed.")]
    if errors:
        raise ValidationError(errors)
    contract.status = Status.TERMINATED
    contract.terminated_on = terminated_on
    contract.termination_reason = reason.strip()
    contract.expiring_soon = False
    contract.save(update_fields=["status", "terminated_on", "termination_reason", "expiring_soon"])
    _sync_lines(contract)
    build_rent_schedule(contract=contract)
    return contract


@transaction.atomic
def renew_contract(
    *,
    contract: LandTransferContract,
    number: str,
    end_date: date,
    rent_per_mu_fen: int | None = None,
    escalation_percent: Decimal | None = None,
    escalation_every_years: int | None = None,
    profit_share: bool | None = None,
    profit_share_weight: Decimal | None = None,
    note: str = "",
) -> LandTransferContract:
    """Draft the renewal of a contract: the same household and parcels from the day after its last day.

    Without new values, the rent (as escalated for the renewal's first year), the profit share and the
    payment terms carry over; the escalation does not unless it is given again.
    """
    contract = LandTransferContract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == Status.DRAFT:
        raise ValidationError(_("A draft cannot be renewed; edit it instead."))
    if contract.renewals.exists():
        raise ValidationError(
            _("Contract %(number)s has been renewed already by %(renewal)s.")
            % {"number": contract.number, "renewal": contract.renewals.first().number}
        )
    start = contract.last_day_in_force + timedelta(days=1)
    if rent_per_mu_fen is None:
        rent_per_mu_fen = round_half_up(rent_per_mu_for_year(contract=contract, year=start.year))
    return draft_contract(
        number=number,
        household=contract.household,
        transferee=contract.transferee,
        transfer_mode=contract.transfer_mode,
        start_date=start,
        end_date=end_date,
        rent_per_mu_fen=rent_per_mu_fen,
        parcels=[(line.parcel, line.area_mu) for line in contract.lines.select_related("parcel")],
        escalation_percent=escalation_percent,
        escalation_every_years=escalation_every_years,
        profit_share=contract.profit_share if profit_share is None else profit_share,
        profit_share_weight=contract.profit_share_weight if profit_share_weight is None else profit_share_weight,
        payment_due_month=contract.payment_due_month,
        payment_due_day=contract.payment_due_day,
        note=note,
        renewed_from=contract,
        is_synthetic=contract.is_synthetic,
    )


# ---------------------------------------------------------------------------------------------
# Rent schedule and payments


def build_rent_schedule(*, contract: LandTransferContract) -> list[RentInstallment]:
    """(Re)build the yearly installments of a signed contract from its lines; keep what was paid.

    A year that no longer owes rent (after a termination) keeps its installment at zero only when a
    payment was recognised against it, so the overpayment stays visible.
    """
    if contract.status == Status.DRAFT:
        return []
    contract = (
        LandTransferContract.objects.select_related("household").prefetch_related("lines__parcel").get(pk=contract.pk)
    )
    wanted: dict[int, tuple[int, date]] = {}
    if contract.last_day_in_force >= contract.start_date:
        for year in range(contract.start_date.year, contract.last_day_in_force.year + 1):
            wanted[year] = (
                contract_rent_for_year(contract=contract, year=year),
                due_date_for_year(contract=contract, year=year),
            )
    existing = {installment.year: installment for installment in contract.installments.all()}
    for year, installment in existing.items():
        if year in wanted:
            continue
        if installment.allocations.exists():
            installment.amount_fen = 0
            installment.save(update_fields=["amount_fen"])
        else:
            installment.delete()
    new = []
    for year, (amount, due) in wanted.items():
        installment = existing.get(year)
        if installment is None:
            new.append(RentInstallment(contract=contract, year=year, due_date=due, amount_fen=amount))
        elif (installment.amount_fen, installment.due_date) != (amount, due):
            installment.amount_fen = amount
            installment.due_date = due
            installment.save(update_fields=["amount_fen", "due_date"])
    # A schedule is tens of rows: one insert, and their history rows written alongside (bulk skips signals).
    RentInstallment.objects.bulk_create(new)
    RentInstallment.history.bulk_history_create(new)
    return list(contract.installments.order_by("year"))


def rent_schedule(*, contract: LandTransferContract, today: date | None = None) -> list[ScheduleRow]:
    """Return the contract's rent per year with what was paid against it; a draft's is projected."""
    today = today or timezone.localdate()
    if contract.status == Status.DRAFT:
        return [
            ScheduleRow(
                year=year,
                due_date=due_date_for_year(contract=contract, year=year),
                amount_fen=contract_rent_for_year(contract=contract, year=year),
                paid_fen=0,
                overdue=False,
                projected=True,
            )
            for year in range(contract.start_date.year, contract.end_date.year + 1)
        ]
    return [
        ScheduleRow(
            year=installment.year,
            due_date=installment.due_date,
            amount_fen=installment.amount_fen,
            paid_fen=installment.paid_total_fen,
            overdue=installment.due_date < today and installment.paid_total_fen < installment.amount_fen,
            projected=False,
        )
        for installment in contract.installments.with_paid().order_by("year")
    ]


@transaction.atomic
def record_rent_payment(
    *,
    contract: LandTransferContract,
    paid_on: date,
    amount_fen: int,
    reference: str = "",
    note: str = "",
    first_year: int | None = None,
    last_year: int | None = None,
    recorded_by=None,
) -> RentPayment:
    """Record rent paid and recognise it against the years it covers, the earliest unpaid year first.

    A lump sum paid in advance for several years is spread over those years' installments. A payment
    larger than the rent outstanding in the years it covers is refused.
    """
    contract = LandTransferContract.objects.select_for_update().select_related("household").get(pk=contract.pk)
    if contract.status == Status.DRAFT:
        raise ValidationError(_("Rent is paid on signed contracts only."))
    refuse_payment_to_dissolved_household(contract=contract, paid_on=paid_on)
    errors: dict[str, list[str]] = {}
    if amount_fen <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    if first_year is not None and last_year is not None and last_year < first_year:
        errors["last_year"] = [_("The last year cannot be before the first year.")]
    if errors:
        raise ValidationError(errors)
    installments = contract.installments.with_paid().order_by("year")
    if first_year is not None:
        installments = installments.filter(year__gte=first_year)
    if last_year is not None:
        installments = installments.filter(year__lte=last_year)
    open_installments = [i for i in installments if i.amount_fen > i.paid_total_fen]
    outstanding = sum(i.amount_fen - i.paid_total_fen for i in open_installments)
    if amount_fen > outstanding:
        raise ValidationError(
            {
                "amount": [
                    _("The payment of %(amount)s is more than the %(outstanding)s outstanding in the years it covers.")
                    % {"amount": format_yuan(amount_fen), "outstanding": format_yuan(outstanding)}
                ]
            }
        )
    payment = RentPayment.objects.create(
        contract=contract,
        paid_on=paid_on,
        amount_fen=amount_fen,
        reference=reference.strip(),
        note=note.strip(),
        recorded_by=recorded_by,
    )
    remaining = amount_fen
    for installment in open_installments:
        if remaining == 0:
            break
        part = min(remaining, installment.amount_fen - installment.paid_total_fen)
        RentAllocation.objects.create(payment=payment, installment=installment, amount_fen=part)
        remaining -= part
        if installment.overdue and part == installment.amount_fen - installment.paid_total_fen:
            RentInstallment.objects.filter(pk=installment.pk).update(overdue=False)
    return payment


@transaction.atomic
def pay_installments_in_full(
    *, payments: Sequence[tuple[RentInstallment, date, str]], note: str = "", recorded_by=None
) -> list[RentPayment]:
    """Record, for each (installment, paid on, reference), a payment of exactly what it still owes.

    For batches (a bank statement, the demo): one payment per year, written in bulk. Installments
    already paid in full are skipped, so a batch can be replayed.
    """
    ids = [installment.pk for installment, _paid_on, _reference in payments]
    # Payments on a contract are serialised by a lock on the contract, as in record_rent_payment.
    contract_ids = {installment.contract_id for installment, _paid_on, _reference in payments}
    locked = LandTransferContract.objects.select_for_update().select_related("household")
    contracts = {contract.pk: contract for contract in locked.filter(pk__in=contract_ids).order_by("pk")}
    for installment, paid_on, _reference in payments:
        refuse_payment_to_dissolved_household(contract=contracts[installment.contract_id], paid_on=paid_on)
    owed = {
        installment.pk: installment.amount_fen - installment.paid_total_fen
        for installment in RentInstallment.objects.filter(pk__in=ids).exclude(contract__status=Status.DRAFT).with_paid()
    }
    rows = [
        (installment, paid_on, reference)
        for installment, paid_on, reference in payments
        if owed.get(installment.pk, 0) > 0
    ]
    created = RentPayment.objects.bulk_create(
        RentPayment(
            contract_id=installment.contract_id,
            paid_on=paid_on,
            amount_fen=owed[installment.pk],
            reference=reference,
            note=note,
            recorded_by=recorded_by,
        )
        for installment, paid_on, reference in rows
    )
    allocations = RentAllocation.objects.bulk_create(
        RentAllocation(payment=payment, installment=installment, amount_fen=payment.amount_fen)
        for payment, (installment, _paid_on, _reference) in zip(created, rows, strict=True)
    )
    RentPayment.history.bulk_history_create(created)
    RentAllocation.history.bulk_history_create(allocations)
    RentInstallment.objects.filter(pk__in=[installment.pk for installment, *_ in rows]).update(overdue=False)
    return created


def settle_rent_for_year(
    *, transferee: Organisation, year: int, household_ids: Iterable[int], paid_on: date, reference: str
) -> list[RentPayment]:
    """Record as paid what these households' contracts still owe `transferee`'s year of rent.

    The yearly distribution pays the guaranteed rent in its bank batch; confirming that batch
    calls this, so the rent schedule shows the year paid and the next batch does not pay it again.
    """
    installments = (
        RentInstallment.objects.filter(
            year=year, contract__transferee=transferee, contract__household_id__in=list(household_ids)
        )
        .exclude(contract__status=Status.DRAFT)
        .with_paid()
        .filter(amount_fen__gt=F("paid_total_fen"))
        .order_by("contract__number")
    )
    note = _("Paid with the %(year)s distribution") % {"year": year}
    return pay_installments_in_full(payments=[(i, paid_on, reference) for i in installments], note=note)


# ---------------------------------------------------------------------------------------------
# The daily job


def refresh_statuses(*, today: date) -> tuple[int, int]:
    """Move signed contracts to active on their start date and to expired after their end; return counts."""
    activated = expired = 0
    candidates = LandTransferContract.objects.in_force().filter(
        Q(status=Status.SIGNED, start_date__lte=today) | Q(end_date__lt=today)
    )
    for contract in candidates.select_for_update():
        new_status = status_on(contract=contract, today=today)
        if new_status == contract.status:
            continue
        contract.status = new_status
        if new_status == Status.EXPIRED:
            contract.expiring_soon = False
            expired += 1
        else:
            activated += 1
        # A save per contract, not an update(), so each status change is in the contract's history.
        contract.save(update_fields=["status", "expiring_soon"])
    return activated, expired


@transaction.atomic
def mark_reminders(*, today: date) -> ReminderCounts:
    """Bring statuses up to date, mark contracts expiring within 90 days and rent overdue. Safe to rerun."""
    activated, expired = refresh_statuses(today=today)
    expiring_ids = list(
        LandTransferContract.objects.expiring_within(today=today, days=EXPIRY_NOTICE_DAYS).values_list("pk", flat=True)
    )
    LandTransferContract.objects.filter(pk__in=expiring_ids).update(expiring_soon=True)
    LandTransferContract.objects.filter(expiring_soon=True).exclude(pk__in=expiring_ids).update(expiring_soon=False)
    overdue_ids = list(
        RentInstallment.objects.exclude(contract__status=Status.DRAFT)
        .unpaid_past_due(today=today)
        .values_list("pk", flat=True)
    )
    RentInstallment.objects.filter(pk__in=overdue_ids).update(overdue=True)
    RentInstallment.objects.filter(overdue=True).exclude(pk__in=overdue_ids).update(overdue=False)
    return ReminderCounts(activated=activated, expired=expired, expiring=len(expiring_ids), overdue=len(overdue_ids))


# ---------------------------------------------------------------------------------------------
# Parcels


def validate_parcel(*, parcel: Parcel) -> None:
    """Raise a ValidationError, by field, when a parcel's data contradicts itself or its contracts."""
    errors: dict[str, list[str]] = defaultdict(list)
    if parcel.area_mu is not None and parcel.area_mu <= 0:
        errors["area_mu"].append(_("The area must be more than 0 mu."))
    if parcel.association_id and parcel.association.kind != Organisation.Kind.COLLECTIVE:
        errors["association"].append(_("A parcel belongs to a village collective economic association."))
    household = parcel.contract_household
    if household is not None and parcel.association_id and household.association_id != parcel.association_id:
        errors["contract_household"].append(
            _("Household %(household)s belongs to another association.") % {"household": household.code}
        )
    if parcel.pk:
        binding = ContractParcel.objects.filter(parcel_id=parcel.pk, binding=True)
        widest = binding.aggregate(area=Max("area_mu"), end=Max("end_date"))
        if widest["area"] is not None and parcel.area_mu is not None and parcel.area_mu < widest["area"]:
            errors["area_mu"].append(
                _("A signed contract takes %(area)s mu of this parcel; the area cannot be less.")
                % {"area": format_mu(widest["area"])}
            )
        if widest["end"] is not None and parcel.contract_right_end and parcel.contract_right_end < widest["end"]:
            errors["contract_right_end"].append(
                _("A signed contract runs until %(end)s; the contract right cannot end before that.")
                % {"end": widest["end"].isoformat()}
            )
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_parcel(*, parcel: Parcel) -> Parcel:
    """Create or change a parcel after checking it against its association and its contracts."""
    if parcel.pk:
        _lock_parcels([parcel])
    validate_parcel(parcel=parcel)
    parcel.save()
    return parcel


# ---------------------------------------------------------------------------------------------
# Remediation labour


@transaction.atomic
def record_labour(
    *,
    member: Member,
    employer: Organisation,
    work_date: date,
    days: Decimal,
    day_wage_fen: int,
    task: str,
    recorded_by=None,
    is_synthetic: bool = False,
) -> LabourRecord:
    """Record a member's days of remediation work; the household is the member's on that day."""
    errors: dict[str, list[str]] = {}
    if days <= 0:
        errors["days"] = [_("The days worked must be more than zero.")]
    if day_wage_fen < 0:
        errors["day_wage"] = [_("The day wage cannot be negative.")]
    if employer.kind != Organisation.Kind.COMPANY:
        errors["employer"] = [_("The employer must be a company.")]
    if not task.strip():
        errors["task"] = [_("Say what the work was.")]
    if errors:
        raise ValidationError(errors)
    on_work_date = households_on(member_days=[(member.pk, work_date)])[member.pk, work_date]
    return LabourRecord.objects.create(
        member=member,
        household_id=on_work_date.household_id,
        employer=employer,
        work_date=work_date,
        days=days,
        day_wage_fen=day_wage_fen,
        task=task.strip(),
        recorded_by=recorded_by,
        is_synthetic=is_synthetic,
    )


def wage_fen(*, days: Decimal, day_wage_fen: int) -> int:
    return round_half_up_product(Decimal(days), day_wage_fen)


def labour_lines_for_year(*, employer: Organisation, year: int) -> list[LabourLine]:
    """Return every labour record of `year` for this employer with its wage, round_half_up(days * day wage).

    Each is credited to the household the member belonged to on the work date, from the member's
    moves (collective.services.households_on), whatever household the record names: a move recorded
    after the labour, or dated before it, cannot send the wage to the wrong household.
    Sorted by (household code, work date, record id).
    """
    records = list(
        LabourRecord.objects.filter(employer=employer, work_date__year=year).values_list(
            "pk", "member_id", "member__name", "work_date", "days", "day_wage_fen"
        )
    )
    on_work_date = households_on(member_days=[(member_id, work_date) for _pk, member_id, _n, work_date, *_ in records])
    households = {
        pk: (code, association_id)
        for pk, code, association_id in Household.objects.filter(
            pk__in={on_day.household_id for on_day in on_work_date.values()}
        ).values_list("pk", "code", "association_id")
    }
    lines = []
    for pk, member_id, member_name, work_date, days, day_wage_fen in records:
        on_day = on_work_date[member_id, work_date]
        household_code, association_id = households[on_day.household_id]
        lines.append(
            LabourLine(
                record_id=pk,
                household_id=on_day.household_id,
                household_code=household_code,
                association_id=association_id,
                member_name=member_name,
                work_date=work_date,
                days=days,
                day_wage_fen=day_wage_fen,
                wage_fen=wage_fen(days=days, day_wage_fen=day_wage_fen),
                member_id=member_id,
                left_household_on=on_day.left_on,
            )
        )
    lines.sort(key=lambda line: (line.household_code, line.work_date, line.record_id))
    return lines


def labour_totals(*, records: Iterable[LabourRecord]) -> list[HouseholdLabourTotal]:
    """Total the days and wages of labour records per household, each record's wage rounded as a run pays it."""
    totals: dict[int, list] = {}
    for record in records:
        entry = totals.setdefault(record.household_id, [record.household.code, Decimal(0), 0, 0])
        entry[1] += record.days
        entry[2] += wage_fen(days=record.days, day_wage_fen=record.day_wage_fen)
        entry[3] += 1
    return sorted(
        (
            HouseholdLabourTotal(household_id=pk, household_code=code, days=days, wage_fen=wage, records=count)
            for pk, (code, days, wage, count) in totals.items()
        ),
        key=lambda total: total.household_code,
    )


# ---------------------------------------------------------------------------------------------
# The printable contract


def rent_steps(*, contract: LandTransferContract) -> list[tuple[int, str]]:
    """Return (first year, rent per mu to the fen, as money is shown) for each rent the contract's term goes
    through; the rent itself stays exact (rent_per_mu_for_year), only the figure printed is rounded."""
    steps: list[tuple[int, str]] = []
    previous = None
    for year in range(contract.start_date.year, contract.end_date.year + 1):
        rent = rent_per_mu_for_year(contract=contract, year=year)
        if rent != previous:
            steps.append((year, format_yuan(round_half_up(rent))))
            previous = rent
    return steps


def render_contract_pdf(*, contract: LandTransferContract, base_url: str | None = None) -> bytes:
    """Render the contract as a PDF in Chinese: parties, parcels, term, rent and escalation, profit share.

    A contract is a page or two, so it renders within the request; long reports belong in Celery.
    """
    from weasyprint import HTML

    contract = (
        LandTransferContract.objects.select_related("household__association", "transferee")
        .prefetch_related("lines__parcel")
        .get(pk=contract.pk)
    )
    with translation.override("zh-hans"):
        html = render_to_string(
            "land/contract_pdf.html",
            {
                "contract": contract,
                "lines": sorted(contract.lines.all(), key=lambda line: line.parcel.code),
                "rent_yuan_per_mu": format_yuan(contract.rent_per_mu_fen),
                "rent_steps": rent_steps(contract=contract),
            },
        )
    return HTML(string=html, base_url=base_url).write_pdf()
