"""Contract rules: drafting, signing, terminating and renewing land-transfer contracts.

And the daily job that moves their statuses and sends the reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Household, Organisation
from collective.money import round_half_up
from collective.quantities import format_area
from land.models import (
    EXPIRY_NOTICE_DAYS,
    ContractParcel,
    LandTransferContract,
    Parcel,
    RentInstallment,
)
from land.services.rent import Status, rent_per_mu_for_year
from land.services.schedule import build_rent_schedule


@dataclass(frozen=True)
class ReminderCounts:
    activated: int
    expired: int
    expiring: int
    overdue: int


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
                % {"code": code, "area": format_area(area), "parcel_area": format_area(parcel.area_mu)}
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
    _write_draft_lines(contract, parcels)
    return contract


def _write_draft_lines(contract: LandTransferContract, parcels: Sequence[tuple[Parcel, Decimal]]) -> None:
    """A draft's parcels as lines over the contract's whole term, not binding until it is signed."""
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
    _write_draft_lines(contract, parcels)
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
