from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from collective.models import Household, Member, Organisation, User
from collective.money import MU_PER_HECTARE
from land.constraints import DateRange, PostgresExclusionConstraint

EXPIRY_NOTICE_DAYS = 90


def sees_everything(user) -> bool:
    return user.is_superuser or user.role == User.Role.TOWNSHIP


class ParcelQuerySet(models.QuerySet):
    def visible_to(self, user) -> ParcelQuerySet:
        """Return the parcels this user may see: the one place parcel scoping lives."""
        if not user.is_authenticated:
            return self.none()
        if sees_everything(user) or user.role == User.Role.ACCOUNTANT:
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(association_id=user.organisation_id)
        return self.none()


class Parcel(models.Model):
    """A parcel of land (地块) of one association, whose contract right (承包经营权) a household holds."""

    class LandClass(models.TextChoices):
        ARABLE = "arable", _("Arable land")
        ORCHARD = "orchard", _("Orchard")
        FOREST = "forest", _("Forest land")
        CONSTRUCTION = "construction", _("Construction land")
        OTHER = "other", _("Other")

    code = models.CharField(_("parcel code"), max_length=32, unique=True)
    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="parcels",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    village_group = models.CharField(_("village group"), max_length=64, blank=True)
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=4)
    land_class = models.CharField(_("land class"), max_length=16, choices=LandClass, default=LandClass.ARABLE)
    contract_household = models.ForeignKey(
        Household,
        verbose_name=_("contract-right household"),
        on_delete=models.PROTECT,
        related_name="parcels",
        null=True,
        blank=True,
        help_text=_("The household holding the land contract right (承包户)."),
    )
    contract_right_end = models.DateField(
        _("contract right ends"),
        null=True,
        blank=True,
        help_text=_("Where known: no transfer may run past this date."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = ParcelQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(area_mu__gt=0), name="parcel_area_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def area_hectares(self) -> Decimal:
        return (self.area_mu / MU_PER_HECTARE).quantize(Decimal("0.0001"))


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user) -> ContractQuerySet:
        """Return the contracts this user may see: the one place contract scoping lives."""
        if not user.is_authenticated:
            return self.none()
        if sees_everything(user):
            return self
        if user.role == User.Role.ACCOUNTANT:
            return self.filter(transferee_id=user.organisation_id)
        if user.role == User.Role.VILLAGE:
            return self.filter(household__association_id=user.organisation_id)
        return self.none()

    def in_force(self) -> ContractQuerySet:
        """Signed or active: the contracts that bind the parties now or from a future start."""
        return self.filter(status__in=[LandTransferContract.Status.SIGNED, LandTransferContract.Status.ACTIVE])

    def expiring_within(self, *, today: date, days: int = EXPIRY_NOTICE_DAYS) -> ContractQuerySet:
        """Contracts in force whose term ends between today and `days` days from today."""
        return self.in_force().filter(end_date__gte=today, end_date__lte=today + timedelta(days=days))


class LandTransferContract(models.Model):
    """A land-transfer contract (土地流转合同): one household's parcels to the company for a term."""

    class TransferMode(models.TextChoices):
        LEASE = "lease", _("Lease (出租)")
        SHAREHOLDING = "shareholding", _("Shareholding (入股)")
        SUBCONTRACT = "subcontract", _("Subcontract (转包)")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("contract status", "Draft")
        SIGNED = "signed", pgettext_lazy("contract status", "Signed")
        ACTIVE = "active", pgettext_lazy("contract status", "Active")
        EXPIRED = "expired", pgettext_lazy("contract status", "Expired")
        TERMINATED = "terminated", pgettext_lazy("contract status", "Terminated")

    number = models.CharField(_("contract number"), max_length=32, unique=True)
    household = models.ForeignKey(
        Household, verbose_name=_("transferor household"), on_delete=models.PROTECT, related_name="land_contracts"
    )
    transferee = models.ForeignKey(
        Organisation,
        verbose_name=_("transferee"),
        on_delete=models.PROTECT,
        related_name="land_contracts_taken",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    transfer_mode = models.CharField(
        _("transfer mode"), max_length=16, choices=TransferMode, default=TransferMode.LEASE
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    rent_per_mu_fen = models.BigIntegerField(_("guaranteed rent per mu per year (fen)"))
    escalation_percent = models.DecimalField(_("escalation (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    escalation_every_years = models.PositiveSmallIntegerField(_("escalation every (years)"), null=True, blank=True)
    profit_share = models.BooleanField(_("profit share (分红)"), default=True)
    profit_share_weight = models.DecimalField(
        _("profit-share weight"), max_digits=12, decimal_places=4, default=Decimal(1)
    )
    payment_due_month = models.PositiveSmallIntegerField(_("rent due month"), default=12)
    payment_due_day = models.PositiveSmallIntegerField(_("rent due day"), default=20)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    expiring_soon = models.BooleanField(_("expiring soon"), default=False, editable=False)
    note = models.TextField(_("note"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("land-transfer contract")
        verbose_name_plural = _("land-transfer contracts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="contract_end_after_start"),
            models.CheckConstraint(condition=Q(rent_per_mu_fen__gte=0), name="contract_rent_not_negative"),
            models.CheckConstraint(
                condition=Q(escalation_percent__isnull=True, escalation_every_years__isnull=True)
                | Q(escalation_percent__gt=0, escalation_every_years__gte=1),
                name="contract_escalation_complete",
            ),
            models.CheckConstraint(condition=Q(profit_share_weight__gte=0), name="contract_weight_not_negative"),
            models.CheckConstraint(
                condition=Q(payment_due_month__gte=1, payment_due_month__lte=12, payment_due_day__gte=1)
                & Q(payment_due_day__lte=31),
                name="contract_due_day_valid",
            ),
            models.CheckConstraint(condition=Q(status="draft") | Q(signed_on__isnull=False), name="contract_signed_on"),
            models.CheckConstraint(
                condition=(
                    Q(status="terminated") & Q(terminated_on__isnull=False) & Q(terminated_on__lte=F("end_date"))
                )
                | (~Q(status="terminated") & Q(terminated_on__isnull=True)),
                name="contract_termination_date",
            ),
            models.CheckConstraint(condition=~Q(renewed_from=F("id")), name="contract_not_its_own_renewal"),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return self.number

    @property
    def association(self) -> Organisation:
        return self.household.association

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_binding(self) -> bool:
        """Signed at some point: its terms bind and can no longer be edited."""
        return self.status != self.Status.DRAFT

    @property
    def can_be_terminated(self) -> bool:
        return self.status in (self.Status.SIGNED, self.Status.ACTIVE)

    @property
    def last_day_in_force(self) -> date:
        """The last day of the term: the termination date of a terminated contract, else the end date."""
        return self.terminated_on if self.status == self.Status.TERMINATED else self.end_date

    @property
    def has_escalation(self) -> bool:
        return self.escalation_percent is not None and self.escalation_every_years is not None

    @property
    def total_area_mu(self) -> Decimal:
        return sum((line.area_mu for line in self.lines.all()), Decimal(0))


class ContractParcel(models.Model):
    """One parcel (or part of it) taken by a contract.

    The contract's term is copied here (start, last day in force, binding) so that PostgreSQL can
    refuse two binding contracts over one parcel on overlapping days by itself.
    """

    contract = models.ForeignKey(
        LandTransferContract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    parcel = models.ForeignKey(
        Parcel, verbose_name=_("parcel"), on_delete=models.PROTECT, related_name="contract_lines"
    )
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=4)
    start_date = models.DateField(_("in force from"), editable=False)
    end_date = models.DateField(_("in force until"), editable=False)
    binding = models.BooleanField(_("binding"), default=False, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract parcel")
        verbose_name_plural = _("contract parcels")
        ordering = ["contract__number", "parcel__code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "parcel"], name="contract_parcel_once"),
            models.CheckConstraint(condition=Q(area_mu__gt=0), name="contract_parcel_area_positive"),
            models.CheckConstraint(
                condition=Q(binding=False) | Q(end_date__gte=F("start_date")), name="contract_parcel_term_valid"
            ),
            PostgresExclusionConstraint(
                name="contract_parcel_no_overlap",
                expressions=[
                    ("parcel", RangeOperators.EQUAL),
                    (
                        DateRange("start_date", "end_date", RangeBoundary(inclusive_lower=True, inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(binding=True),
                violation_error_message=_("This parcel is already under another contract for part of this term."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} / {self.parcel.code}"

    @property
    def area_hectares(self) -> Decimal:
        return (self.area_mu / MU_PER_HECTARE).quantize(Decimal("0.0001"))


class RentInstallmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> RentInstallmentQuerySet:
        return self.filter(contract__in=LandTransferContract.objects.visible_to(user))

    def with_paid(self) -> RentInstallmentQuerySet:
        return self.annotate(paid_total_fen=Coalesce(Sum("allocations__amount_fen"), 0))

    def unpaid_past_due(self, *, today: date) -> RentInstallmentQuerySet:
        """Installments whose due date has passed and that are not paid in full."""
        return self.with_paid().filter(due_date__lt=today, amount_fen__gt=F("paid_total_fen"))


class RentInstallment(models.Model):
    """One year of a contract's rent schedule: the guaranteed rent for that year and when it is due."""

    contract = models.ForeignKey(
        LandTransferContract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="installments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    due_date = models.DateField(_("due date"))
    amount_fen = models.BigIntegerField(_("rent due (fen)"))
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)

    objects = RentInstallmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rent installment")
        verbose_name_plural = _("rent installments")
        ordering = ["contract__number", "year"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "year"], name="rent_installment_once_a_year"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="rent_installment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.year}"


class RentPaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> RentPaymentQuerySet:
        return self.filter(contract__in=LandTransferContract.objects.visible_to(user))


class RentPayment(models.Model):
    """Rent paid to the household: one amount on one date, possibly covering several years."""

    contract = models.ForeignKey(
        LandTransferContract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("paid on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RentPaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rent payment")
        verbose_name_plural = _("rent payments")
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="rent_payment_positive")]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.paid_on}"


class RentAllocationQuerySet(models.QuerySet):
    def recognised_for_year(self, *, transferee_id: int, year: int) -> RentAllocationQuerySet:
        """Rent recognised as paid for year `year` on contracts where `transferee_id` takes the land."""
        return self.filter(installment__year=year, installment__contract__transferee_id=transferee_id)


class RentAllocation(models.Model):
    """The part of a payment recognised as one year's rent (a lump sum spreads over the years it covers)."""

    payment = models.ForeignKey(
        RentPayment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="allocations"
    )
    installment = models.ForeignKey(
        RentInstallment, verbose_name=_("installment"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    objects = RentAllocationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rent allocation")
        verbose_name_plural = _("rent allocations")
        ordering = ["installment__year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "installment"], name="rent_allocation_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="rent_allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.installment.year}"


class LabourRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> LabourRecordQuerySet:
        """Return the labour records this user may see: the one place labour scoping lives."""
        if not user.is_authenticated:
            return self.none()
        if sees_everything(user):
            return self
        if user.role == User.Role.ACCOUNTANT:
            return self.filter(employer_id=user.organisation_id)
        if user.role == User.Role.VILLAGE:
            return self.filter(household__association_id=user.organisation_id)
        return self.none()


class LabourRecord(models.Model):
    """Days a member worked on the land remediation project (土地整治), at a day wage: labour income."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="labour")
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="labour",
        help_text=_("The member's household on the day of the work."),
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="labour_records",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    work_date = models.DateField(_("work date"))
    days = models.DecimalField(_("days"), max_digits=6, decimal_places=2)
    day_wage_fen = models.BigIntegerField(_("day wage (fen)"))
    task = models.CharField(_("task"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LabourRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("labour record")
        verbose_name_plural = _("labour records")
        ordering = ["work_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(days__gt=0), name="labour_days_positive"),
            models.CheckConstraint(condition=Q(day_wage_fen__gte=0), name="labour_wage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.work_date}"
