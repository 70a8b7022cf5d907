"""The collective's assets (资产), resources (资源) and contracts (合同台账), and the parcels' boundaries.

Every row belongs to one organisation (an association or the company): a village official keeps
their association's, the company accountant the company's, the township reads all of them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from collective.models import Organisation, User
from land.models import Parcel

EXPIRY_NOTICE_DAYS = 90


class OwnedQuerySet(models.QuerySet):
    """Rows kept by one organisation (`owner`); the one place scoping of this app lives."""

    owner_path = "owner_id"

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role == User.Role.TOWNSHIP:
            return self
        if user.role in (User.Role.VILLAGE, User.Role.ACCOUNTANT) and user.organisation_id:
            return self.filter(**{self.owner_path: user.organisation_id})
        return self.none()


class Asset(models.Model):
    """An asset card (资产卡片): a fixed asset or a productive biological asset, depreciated by month."""

    class Category(models.TextChoices):
        BUILDING = "building", _("Buildings and structures")
        MACHINERY = "machinery", _("Machinery and equipment")
        VEHICLE = "vehicle", _("Vehicles")
        ELECTRONIC = "electronic", _("Electronic and office equipment")
        BIOLOGICAL = "biological", _("Productive biological assets")
        OTHER = "other", _("Other fixed assets")

    class Source(models.TextChoices):
        PURCHASED = "purchased", _("Purchased")
        SELF_BUILT = "self_built", _("Built or planted by the collective")
        GOVERNMENT = "government", _("Government project funds")
        DONATED = "donated", _("Donated")
        TRANSFERRED = "transferred", _("Transferred in")

    class Status(models.TextChoices):
        IN_USE = "in_use", _("In use")
        IDLE = "idle", _("Idle")
        LEASED_OUT = "leased_out", _("Leased out")
        DISPOSED = "disposed", _("Disposed")

    class Disposal(models.TextChoices):
        SOLD = "sold", _("Sold")
        SCRAPPED = "scrapped", _("Scrapped")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        LOST = "lost", _("Lost or destroyed")

    code = models.CharField(_("asset code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="assets")
    category = models.CharField(_("category"), max_length=16, choices=Category)
    location = models.CharField(_("location"), max_length=200, blank=True)
    keeper = models.CharField(_("keeper"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.PURCHASED)
    acquired_on = models.DateField(_("acquired on"))
    in_service_on = models.DateField(
        _("in service from"),
        help_text=_("Put into use (a productive biological asset: in production); depreciation starts the next month."),
    )
    cost_fen = models.BigIntegerField(_("original cost (fen)"))
    salvage_fen = models.BigIntegerField(_("residual value (fen)"), default=0)
    useful_life_months = models.PositiveIntegerField(_("useful life (months)"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.IN_USE)
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    disposal = models.CharField(_("disposal"), max_length=16, choices=Disposal, blank=True)
    disposal_proceeds_fen = models.BigIntegerField(_("disposal proceeds (fen)"), default=0)
    note = models.TextField(_("note"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(cost_fen__gt=0), name="asset_cost_positive"),
            models.CheckConstraint(
                condition=Q(salvage_fen__gte=0) & Q(salvage_fen__lte=F("cost_fen")), name="asset_salvage_within_cost"
            ),
            models.CheckConstraint(condition=Q(useful_life_months__gte=1), name="asset_life_positive"),
            models.CheckConstraint(condition=Q(in_service_on__gte=F("acquired_on")), name="asset_in_service_after"),
            models.CheckConstraint(condition=Q(disposal_proceeds_fen__gte=0), name="asset_proceeds_not_negative"),
            models.CheckConstraint(
                condition=(Q(status="disposed") & Q(disposed_on__isnull=False) & ~Q(disposal=""))
                | (~Q(status="disposed") & Q(disposed_on__isnull=True) & Q(disposal="")),
                name="asset_disposal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_disposed(self) -> bool:
        return self.status == self.Status.DISPOSED

    @property
    def depreciable_fen(self) -> int:
        return self.cost_fen - self.salvage_fen


class AssetPhoto(models.Model):
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="assets/photos/%Y/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset photo")
        verbose_name_plural = _("asset photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.asset.code} {self.caption}"


class InventoryCheck(models.Model):
    """An inventory check (资产盘点) of one organisation's assets: what was found, by scanning labels."""

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="inventory_checks"
    )
    started_on = models.DateField(_("started on"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inventory check")
        verbose_name_plural = _("inventory checks")
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.owner} {self.started_on}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class InventoryFinding(models.Model):
    """One label scanned (or code typed) during a check; `asset` is empty when no card has that code."""

    check_run = models.ForeignKey(
        InventoryCheck, verbose_name=_("inventory check"), on_delete=models.CASCADE, related_name="findings"
    )
    code = models.CharField(_("asset code"), max_length=32)
    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("inventory finding")
        verbose_name_plural = _("inventory findings")
        ordering = ["recorded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["check_run", "code"], name="inventory_code_once_per_check")]

    def __str__(self) -> str:
        return self.code


class Resource(models.Model):
    """A resource (资源) of an association: land, forest, water or construction land, with its status."""

    class Kind(models.TextChoices):
        FARMLAND = "farmland", _("Farmland")
        FOREST = "forest", _("Forest land")
        WATER = "water", _("Water surface")
        CONSTRUCTION = "construction", _("Collective construction land")
        WASTELAND = "wasteland", _("Unused land (四荒地)")

    class Status(models.TextChoices):
        CONTRACTED = "contracted", _("Contracted to households")
        TRANSFERRED = "transferred", _("Transferred or leased")
        SELF_RUN = "self_run", _("Run by the collective")
        IDLE = "idle", _("Idle")

    code = models.CharField(_("resource code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    land_class = models.CharField(_("class"), max_length=60, blank=True)
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=4)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.IDLE)
    location = models.CharField(_("location"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = OwnedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(area_mu__gt=0), name="resource_area_positive")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ContractQuerySet(OwnedQuerySet):
    def in_force(self):
        return self.filter(status=Contract.Status.ACTIVE)

    def expiring_within(self, *, today: date, days: int = EXPIRY_NOTICE_DAYS):
        return self.in_force().filter(end_date__gte=today, end_date__lte=today + timedelta(days=days))


class Contract(models.Model):
    """A contract of the ledger (合同台账) other than a land transfer: a lease, operating rights, a service."""

    class Kind(models.TextChoices):
        LEASE = "lease", _("Lease (租赁)")
        OPERATING_RIGHTS = "operating_rights", _("Operating rights (经营权)")
        CONTRACTED_OPERATION = "contracted_operation", _("Contracted operation (承包经营)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("contract status", "Draft")
        ACTIVE = "active", pgettext_lazy("contract status", "Active")
        EXPIRED = "expired", pgettext_lazy("contract status", "Expired")
        TERMINATED = "terminated", pgettext_lazy("contract status", "Terminated")

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind, default=Kind.LEASE)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("our party"),
        on_delete=models.PROTECT,
        related_name="ledger_contracts",
        help_text=_("The association or the company that lets the asset or right and receives the income."),
    )
    counterparty = models.CharField(_("counterparty"), max_length=200)
    counterparty_contact = models.CharField(_("counterparty contact"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200, help_text=_("What is let: a market, a canteen, a shop..."))
    asset = models.ForeignKey(
        Asset, verbose_name=_("asset let"), on_delete=models.PROTECT, null=True, blank=True, related_name="contracts"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    expiring_soon = models.BooleanField(_("expiring soon"), default=False, editable=False)
    note = models.TextField(_("note"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ledger contract")
        verbose_name_plural = _("ledger contracts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="ledger_contract_end_after_start"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_on__isnull=False), name="ledger_contract_signed_on"
            ),
            models.CheckConstraint(
                condition=(Q(status="terminated") & Q(terminated_on__isnull=False))
                | (~Q(status="terminated") & Q(terminated_on__isnull=True)),
                name="ledger_contract_termination_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class InstallmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=Contract.objects.visible_to(user))

    def with_received(self):
        return self.annotate(received_fen=Coalesce(Sum("receipts__amount_fen"), 0))

    def unpaid_past_due(self, *, today: date):
        return self.with_received().filter(due_date__lt=today, amount_fen__gt=F("received_fen"))


class ContractInstallment(models.Model):
    """One line of a contract's payment schedule: an amount the counterparty owes on a date."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="installments"
    )
    due_date = models.DateField(_("due date"))
    amount_fen = models.BigIntegerField(_("amount due (fen)"))
    description = models.CharField(_("description"), max_length=120, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False, editable=False)

    objects = InstallmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scheduled payment")
        verbose_name_plural = _("payment schedule")
        ordering = ["contract__number", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="ledger_installment_positive"),
            models.UniqueConstraint(fields=["contract", "due_date"], name="ledger_installment_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.due_date}"


class ContractReceipt(models.Model):
    """Money received against one scheduled payment: the income that reaches the books."""

    installment = models.ForeignKey(
        ContractInstallment, verbose_name=_("scheduled payment"), on_delete=models.PROTECT, related_name="receipts"
    )
    received_on = models.DateField(_("received on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract receipt")
        verbose_name_plural = _("contract receipts")
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="ledger_receipt_positive")]

    def __str__(self) -> str:
        return f"{self.installment} {self.received_on}"


class DepositMovement(models.Model):
    """A deposit (保证金 or 押金) received from the counterparty, returned to it, or kept against a breach."""

    class Kind(models.TextChoices):
        PERFORMANCE_BOND = "bond", _("Performance bond (保证金)")
        SECURITY_DEPOSIT = "security", _("Security deposit (押金)")

    class Movement(models.TextChoices):
        RECEIVED = "received", _("Received")
        RETURNED = "returned", _("Returned")
        FORFEITED = "forfeited", _("Kept against a breach")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="deposit_movements"
    )
    kind = models.CharField(_("deposit"), max_length=16, choices=Kind)
    movement = models.CharField(_("movement"), max_length=16, choices=Movement)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deposit movement")
        verbose_name_plural = _("deposit movements")
        ordering = ["on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="deposit_movement_positive")]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.get_kind_display()} {self.get_movement_display()}"


class BoundaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(parcel__in=Parcel.objects.visible_to(user))


class ParcelBoundary(models.Model):
    """A parcel's boundary: a GeoJSON polygon in WGS 84 longitude/latitude, checked by services.save_boundary."""

    parcel = models.OneToOneField(Parcel, verbose_name=_("parcel"), on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    area_m2 = models.DecimalField(_("computed area (m²)"), max_digits=14, decimal_places=2)
    # A bounding box, so the overlap check compares a parcel only with its neighbours.
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BoundaryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parcel boundary")
        verbose_name_plural = _("parcel boundaries")
        ordering = ["parcel__code"]
        constraints = [models.CheckConstraint(condition=Q(area_m2__gt=0), name="boundary_area_positive")]

    def __str__(self) -> str:
        return self.parcel.code
