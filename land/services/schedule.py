"""The rent schedule of a contract and the payments against it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Organisation
from collective.money import format_yuan
from land.models import (
    LandTransferContract,
    RentAllocation,
    RentInstallment,
    RentPayment,
)
from land.services.rent import Status, contract_rent_for_year, due_date_for_year


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
