"""Paying a run: the bank batch of each paying organisation, and marking lines paid.

The company pays rent, land dividend and wages; each association pays its households' share
dividends (it received them from the company). A run that corrects a reversed, already paid run
pays only the difference: the batch nets each household against what the reversed run paid it.

Guaranteed rent has one ledger, the land app's rent schedule: the batch pays only the year's rent
that the schedule does not show as paid yet (rent paid in advance or directly is not paid twice),
and confirming the company's batch records the rent it paid there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Organisation, User
from collective.money import fen_to_yuan_string
from collective.spreadsheets import safe_cell
from dividends.models import DistributionRun, PaymentExport, Payout
from dividends.services.bookkeeping import post_payment_voucher
from land.models import RentAllocation
from land.services import settle_rent_for_year


@dataclass(frozen=True)
class PaymentRow:
    payout_id: int
    household_code: str
    head_name: str
    masked_account: str
    account: str
    amount_fen: int
    already_paid_fen: int

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.already_paid_fen


def is_company_payer(run: DistributionRun, payer: Organisation) -> bool:
    return payer.pk == run.company_id


def _rent_already_paid(run: DistributionRun):
    """The year's rent the land schedule already shows paid to the payout's household, in fen."""
    recognised = (
        RentAllocation.objects.recognised_for_year(transferee_id=run.company_id, year=run.year)
        .filter(installment__contract__household_id=OuterRef("household_id"))
        .values("installment__contract__household_id")
        .annotate(total=Sum("amount_fen"))
        .values("total")
    )
    return Coalesce(Subquery(recognised), Value(0))


def _payer_amount(run: DistributionRun, payer: Organisation):
    if is_company_payer(run, payer):
        rent_still_owed = F("rent_fen") - Least(F("rent_fen"), F("rent_already_paid_fen"))
        return rent_still_owed + F("land_dividend_fen") + F("wage_fen")
    return F("share_dividend_fen")


def payer_payouts(*, run: DistributionRun, payer: Organisation, unpaid_only: bool = False) -> QuerySet[Payout]:
    """The payouts with something for this payer to pay, annotated with `payer_fen` and `already_paid_fen`.

    `unpaid_only` leaves out the lines this payer has already marked paid, as the bank batch must.
    """
    payouts = run.payouts.all()
    if unpaid_only:
        paid_field = "company_paid_on" if is_company_payer(run, payer) else "association_paid_on"
        payouts = payouts.filter(**{f"{paid_field}__isnull": True})
    if not is_company_payer(run, payer):
        if not payer.is_collective:
            return payouts.none()
        payouts = payouts.filter(association=payer)
    if is_company_payer(run, payer):
        payouts = payouts.annotate(rent_already_paid_fen=_rent_already_paid(run))
    payouts = payouts.annotate(payer_fen=_payer_amount(run, payer)).exclude(payer_fen=0)
    already = Value(0)
    if run.replaces_id:
        replaced = Payout.objects.filter(run_id=run.replaces_id, household_id=OuterRef("household_id"))
        if is_company_payer(run, payer):
            # The reversed run's rent, once paid, is in the land schedule and already netted above.
            replaced = replaced.filter(company_paid_on__isnull=False).annotate(
                part=F("land_dividend_fen") + F("wage_fen")
            )
        else:
            replaced = replaced.filter(association_paid_on__isnull=False).annotate(part=F("share_dividend_fen"))
        already = Coalesce(Subquery(replaced.values("part")[:1]), Value(0))
    return payouts.annotate(already_paid_fen=already).order_by("household_code", "pk")


def payment_rows(*, run: DistributionRun, payer: Organisation, unpaid_only: bool = False) -> Iterator[PaymentRow]:
    """The batch's rows, streamed in household code order (only those still to pay with `unpaid_only`)."""
    payouts = payer_payouts(run=run, payer=payer, unpaid_only=unpaid_only).select_related(
        "household", "household__head"
    )
    for payout in payouts.iterator(chunk_size=2000):
        household = payout.household
        head = household.head
        yield PaymentRow(
            payout_id=payout.pk,
            household_code=household.code,
            head_name=head.name if head else "",
            masked_account=household.masked_bank_account or "",
            account=household.bank_account or "",
            amount_fen=payout.payer_fen,
            already_paid_fen=payout.already_paid_fen,
        )


def _headers(netted: bool) -> list[str]:
    headers = [
        _("No."),
        _("Household"),
        _("Head of household"),
        _("Account (masked)"),
        _("Account for the bank"),
    ]
    if netted:
        headers += [_("This run (yuan)"), _("Already paid by the reversed run (yuan)")]
    return [*headers, _("Amount to pay (yuan)"), _("Memo")]


def shows_full_accounts(*, user: User, run: DistributionRun, payer: Organisation) -> bool:
    """The payer's own role gets the account numbers in full: the company's accountant for the company's
    batch, the association's village official for its share dividends. Anyone else gets them masked."""
    if is_company_payer(run, payer):
        return user.is_accountant
    return user.is_village_official and user.organisation_id == payer.pk


def _lines(run: DistributionRun, payer: Organisation, *, full_accounts: bool) -> Iterator[tuple[list, PaymentRow]]:
    netted = bool(run.replaces_id)
    number = 0
    # A line this payer has marked paid is not in the batch again: no line can be paid twice.
    for row in payment_rows(run=run, payer=payer, unpaid_only=True):
        if row.net_fen <= 0:
            continue
        number += 1
        cells = [
            number,
            safe_cell(row.household_code),
            safe_cell(row.head_name),
            safe_cell(row.masked_account),
            safe_cell(row.account if full_accounts else row.masked_account),
        ]
        if netted:
            cells += [Decimal(row.amount_fen).scaleb(-2), Decimal(row.already_paid_fen).scaleb(-2)]
        memo = _("%(year)s distribution #%(run)s %(household)s") % {
            "year": run.year,
            "run": run.pk,
            "household": row.household_code,
        }
        cells += [Decimal(row.net_fen).scaleb(-2), safe_cell(memo)]
        yield cells, row


@transaction.atomic
def export_payment_batch(*, user: User, run: DistributionRun, payer: Organisation, file_format: str) -> bytes:
    """The bank batch of one paying organisation as .xlsx or .csv (UTF-8 with BOM, for Excel).

    Every export is recorded (PaymentExport); the accounts are in full for the payer's own role only.
    """
    if not user.has_perm("dividends.export_payment", payer):
        raise PermissionDenied(_("You may not export this organisation's payments."))
    if not run.step_is_open("pay"):
        raise ValidationError(_("Only an approved run is paid."))
    if run.is_reversal:
        raise ValidationError(_("A reversal is settled by the run that corrects it, not paid through the bank."))
    if file_format not in ("csv", "xlsx"):
        raise ValidationError(_("Choose xlsx or csv."))
    full_accounts = shows_full_accounts(user=user, run=run, payer=payer)
    lines = list(_lines(run, payer, full_accounts=full_accounts))
    PaymentExport.objects.create(
        user=user, run=run, payer=payer, file_format=file_format, accounts=len(lines), full_accounts=full_accounts
    )
    return _write_batch(lines, headers=_headers(bool(run.replaces_id)), file_format=file_format)


def _write_batch(lines: list[tuple[list, PaymentRow]], *, headers: list[str], file_format: str) -> bytes:
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for cells, _row in lines:
            writer.writerow([fen_to_yuan_string(int(c.scaleb(2))) if isinstance(c, Decimal) else c for c in cells])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if file_format == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_("Payments")[:31])
        sheet.append(headers)
        for cells, _row in lines:
            row = []
            for cell in cells:
                if isinstance(cell, Decimal):
                    written = WriteOnlyCell(sheet, value=cell)
                    written.number_format = "0.00"
                    row.append(written)
                else:
                    written = WriteOnlyCell(sheet, value=cell)
                    if isinstance(cell, str):
                        written.data_type = "s"
                    row.append(written)
            sheet.append(row)
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()
    raise ValidationError(_("Choose xlsx or csv."))


@transaction.atomic
def mark_paid(
    *,
    user: User,
    run: DistributionRun,
    payer: Organisation,
    paid_on: date,
    bank_reference: str,
    payouts: Iterable[int] | None = None,
) -> int:
    """Mark this payer's part of some (or all) payouts paid; the run is paid when every part is."""
    if not user.has_perm("dividends.confirm_payment", payer):
        raise PermissionDenied(_("You may not confirm this organisation's payments."))
    run = DistributionRun.objects.select_for_update().get(pk=run.pk)
    if not run.step_is_open("mark_paid"):
        raise ValidationError(_("Only an approved run that is not yet fully paid can be marked paid."))
    if paid_on is None or paid_on > timezone.localdate():
        raise ValidationError(_("Give the day the bank paid, not a day in the future."))
    if not bank_reference.strip():
        raise ValidationError(_("Give the bank's reference for the payment."))
    company = is_company_payer(run, payer)
    lines = run.payouts.all()
    if company:
        lines = lines.exclude(rent_fen=0, land_dividend_fen=0, wage_fen=0).filter(company_paid_on__isnull=True)
    else:
        lines = lines.filter(association=payer, association_paid_on__isnull=True).exclude(share_dividend_fen=0)
    if payouts is not None:
        lines = lines.filter(pk__in=list(payouts))
    if company:
        paid = lines.aggregate(rent=Sum("rent_fen"), land=Sum("land_dividend_fen"), wages=Sum("wage_fen"))
    else:
        paid = lines.aggregate(share=Sum("share_dividend_fen"))
    post_payment_voucher(
        run=run,
        payer=payer,
        paid_on=paid_on,
        amounts={key: value or 0 for key, value in paid.items()},
        reference=bank_reference.strip(),
        user=user,
    )
    if company:
        household_ids = list(lines.exclude(rent_fen=0).values_list("household_id", flat=True))
        count = lines.update(company_paid_on=paid_on, company_bank_reference=bank_reference.strip()[:64])
        settle_rent_for_year(
            transferee=payer, year=run.year, household_ids=household_ids, paid_on=paid_on, reference=bank_reference
        )
    else:
        count = lines.update(association_paid_on=paid_on, association_bank_reference=bank_reference.strip()[:64])
    company_done = Q(rent_fen=0, land_dividend_fen=0, wage_fen=0) | Q(company_paid_on__isnull=False)
    association_done = Q(share_dividend_fen=0) | Q(association_paid_on__isnull=False)
    run.payouts.filter(status=Payout.Status.PENDING).filter(company_done & association_done).update(
        status=Payout.Status.PAID
    )
    if not run.payouts.filter(status=Payout.Status.PENDING).exists():
        run.status = DistributionRun.Status.PAID
        run.paid_at = timezone.now()
        run.save()
    return count
