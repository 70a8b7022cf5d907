"""The pear association's records: growers, trainings, cultivars, harvests, cold storage and processing.

Quantities of fruit are whole kilograms (integers), so sums, stock checks and database
constraints are exact on SQLite and PostgreSQL alike. Money is whole fen.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from collective.models import Organisation, User

EXPIRY_WARNING_DAYS = 90


def _visible_filter(user: User, field: str = "association") -> Q | None:
    """Return the filter for what this user may see, None for everything, or Q(pk__in=[]) for nothing."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser or user.role == User.Role.TOWNSHIP:
        return None
    if user.role == User.Role.ASSOCIATION_STAFF and user.organisation_id:
        return Q(**{f"{field}_id": user.organisation_id})
    return Q(pk__in=[])


class ScopedQuerySet(models.QuerySet):
    """Scoping for every model of this app: staff see their association's records, the township all."""

    association_path = "association"

    def visible_to(self, user: User):
        """Return the records this user may see: the one place this app's scoping lives."""
        condition = _visible_filter(user, self.association_path)
        return self if condition is None else self.filter(condition)


class Cultivar(models.Model):
    """A pear cultivar (品种) grown by the association's members."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    introduced_year = models.PositiveSmallIntegerField(_("year introduced"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cultivar")
        verbose_name_plural = _("cultivars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GrowerQuerySet(ScopedQuerySet):
    pass


class Grower(models.Model):
    """A pear grower (会员), linked to a collective member where the grower is one."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="growers",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    code = models.CharField(_("grower code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    member = models.ForeignKey(
        "collective.Member",
        verbose_name=_("collective member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="growers",
    )
    village = models.ForeignKey(
        Organisation,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="village_growers",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    orchard_area_mu = models.DecimalField(_("orchard area (mu)"), max_digits=10, decimal_places=2)
    cultivars = models.ManyToManyField(Cultivar, verbose_name=_("cultivars grown"), blank=True, related_name="growers")
    joined_on = models.DateField(_("joined on"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = GrowerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grower")
        verbose_name_plural = _("growers")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(orchard_area_mu__gte=0), name="grower_area_not_negative"),
            models.UniqueConstraint(
                fields=["association", "member"],
                condition=Q(member__isnull=False),
                name="grower_member_once_per_association",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TrainingSessionQuerySet(ScopedQuerySet):
    def counts_by_year(self) -> list[dict]:
        """Return [{year, sessions, attendances}] in year order."""
        return list(
            self.annotate(year=ExtractYear("held_on"))
            .values("year")
            .annotate(sessions=Count("pk", distinct=True), attendances=Count("attendances"))
            .order_by("year")
        )

    def counts_by_topic(self) -> list[dict]:
        """Return [{topic, label, sessions}] with the most frequent topic first."""
        labels = dict(TrainingSession.Topic.choices)
        rows = self.values("topic").annotate(sessions=Count("pk")).order_by("-sessions", "topic")
        return [{**row, "label": labels.get(row["topic"], row["topic"])} for row in rows]

    def counts_by_year_and_topic(self) -> dict[int, dict[str, int]]:
        """Return {year: {topic: sessions}}."""
        table: dict[int, dict[str, int]] = {}
        rows = self.annotate(year=ExtractYear("held_on")).values("year", "topic").annotate(sessions=Count("pk"))
        for row in rows.order_by("year", "topic"):
            table.setdefault(row["year"], {})[row["topic"]] = row["sessions"]
        return table


class TrainingSession(models.Model):
    """A technical training session (技术培训) with the growers who attended."""

    class Topic(models.TextChoices):
        PRUNING = "pruning", _("Pruning and training of trees")
        GRAFTING = "grafting", _("Grafting and cultivar renewal")
        POLLINATION = "pollination", _("Flowering and pollination")
        THINNING = "thinning", _("Fruit thinning and bagging")
        PESTS = "pests", _("Pest and disease control")
        FERTILISATION = "fertilisation", _("Soil, water and fertilisation")
        STANDARDS = "standards", _("Standardised and pollution-free production")
        HARVEST = "harvest", _("Harvest, grading and cold storage")
        PROCESSING = "processing", _("Processing and marketing")

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    code = models.CharField(_("session code"), max_length=32, unique=True)
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic)
    title = models.CharField(_("title"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    attendees = models.ManyToManyField(
        Grower, verbose_name=_("growers present"), through="Attendance", related_name="training_sessions"
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = TrainingSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-code"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_topic_display()}"


class AttendanceQuerySet(ScopedQuerySet):
    association_path = "session__association"


class Attendance(models.Model):
    """A grower present at a training session."""

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("training session"), on_delete=models.CASCADE, related_name="attendances"
    )
    grower = models.ForeignKey(Grower, verbose_name=_("grower"), on_delete=models.PROTECT, related_name="attendances")

    objects = AttendanceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session__held_on", "grower__code"]
        constraints = [models.UniqueConstraint(fields=["session", "grower"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.grower} @ {self.session}"


class CertificationQuerySet(ScopedQuerySet):
    def valid_on(self, day: date) -> CertificationQuerySet:
        return self.filter(valid_from__lte=day, valid_to__gte=day)

    def expiring(self, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> CertificationQuerySet:
        """Return the certificates still valid today that expire within the warning period."""
        return self.valid_on(today).filter(valid_to__lte=today + timedelta(days=within_days))


class Certification(models.Model):
    """A product certification: pollution-free (无公害), green food (绿色) or organic (有机)."""

    class Kind(models.TextChoices):
        POLLUTION_FREE = "pollution_free", _("Pollution-free agricultural product")
        GREEN = "green", _("Green food")
        ORGANIC = "organic", _("Organic product")

    class Status(models.TextChoices):
        NOT_YET_VALID = "future", pgettext_lazy("certificate", "Not yet valid")
        VALID = "valid", pgettext_lazy("certificate", "Valid")
        EXPIRING = "expiring", pgettext_lazy("certificate", "Expiring soon")
        EXPIRED = "expired", pgettext_lazy("certificate", "Expired")

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="certifications",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    certificate_number = models.CharField(_("certificate number"), max_length=64)
    scope = models.CharField(_("scope"), max_length=200, help_text=_("Products and area the certificate covers."))
    issuer = models.CharField(_("issuer"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = CertificationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-valid_to", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="certification_period_in_order"),
            models.UniqueConstraint(fields=["association", "certificate_number"], name="certificate_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.certificate_number}"

    def status_on(self, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> str:
        if today < self.valid_from:
            return self.Status.NOT_YET_VALID
        if today > self.valid_to:
            return self.Status.EXPIRED
        if self.valid_to <= today + timedelta(days=within_days):
            return self.Status.EXPIRING
        return self.Status.VALID


class Grade(models.TextChoices):
    PREMIUM = "premium", _("Premium")
    STANDARD = "standard", _("Standard")
    SUBSTANDARD = "substandard", _("Substandard")


class HarvestQuerySet(ScopedQuerySet):
    association_path = "grower__association"

    def totals_by_year(self) -> list[dict]:
        """Return [{season, premium_kg, standard_kg, substandard_kg, total_kg, growers}] in season order."""
        rows = (
            self.values("season")
            .annotate(
                premium=Sum("premium_kg"),
                standard=Sum("standard_kg"),
                substandard=Sum("substandard_kg"),
                growers=Count("grower", distinct=True),
            )
            .order_by("season")
        )
        return [
            {
                "season": row["season"],
                "premium_kg": row["premium"] or 0,
                "standard_kg": row["standard"] or 0,
                "substandard_kg": row["substandard"] or 0,
                "total_kg": (row["premium"] or 0) + (row["standard"] or 0) + (row["substandard"] or 0),
                "growers": row["growers"],
            }
            for row in rows
        ]

    def totals_by_season_and_cultivar(self) -> dict[int, dict[str, int]]:
        """Return {season: {cultivar name: total kg}}."""
        table: dict[int, dict[str, int]] = {}
        rows = (
            self.values("season", "cultivar__name")
            .annotate(total=Sum(F("premium_kg") + F("standard_kg") + F("substandard_kg")))
            .order_by("season", "cultivar__name")
        )
        for row in rows:
            table.setdefault(row["season"], {})[row["cultivar__name"]] = row["total"] or 0
        return table


class Harvest(models.Model):
    """One grower's harvest of one cultivar in one season, by grade."""

    grower = models.ForeignKey(Grower, verbose_name=_("grower"), on_delete=models.PROTECT, related_name="harvests")
    season = models.PositiveSmallIntegerField(_("season (year)"))
    cultivar = models.ForeignKey(Cultivar, verbose_name=_("cultivar"), on_delete=models.PROTECT, related_name="+")
    premium_kg = models.PositiveIntegerField(_("premium (kg)"), default=0)
    standard_kg = models.PositiveIntegerField(_("standard (kg)"), default=0)
    substandard_kg = models.PositiveIntegerField(_("substandard (kg)"), default=0)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = HarvestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("harvest")
        verbose_name_plural = _("harvests")
        ordering = ["-season", "grower__code", "cultivar__name"]
        constraints = [
            models.UniqueConstraint(fields=["grower", "season", "cultivar"], name="harvest_once_per_grower_season"),
            models.CheckConstraint(
                condition=Q(premium_kg__gte=0) & Q(standard_kg__gte=0) & Q(substandard_kg__gte=0),
                name="harvest_quantities_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(premium_kg__gt=0) | Q(standard_kg__gt=0) | Q(substandard_kg__gt=0),
                name="harvest_not_empty",
            ),
            models.CheckConstraint(condition=Q(season__gte=1990, season__lte=2100), name="harvest_season_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.grower} {self.season} {self.cultivar}"

    @property
    def total_kg(self) -> int:
        return self.premium_kg + self.standard_kg + self.substandard_kg


class ColdStore(models.Model):
    """A cold store (冷库). Its stock is the sum of its lots' remaining fruit, kept under a row lock."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="cold_stores",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    capacity_kg = models.BigIntegerField(_("capacity (kg)"))
    stock_kg = models.BigIntegerField(_("stock (kg)"), default=0, editable=False)
    fee_fen_per_tonne_day = models.BigIntegerField(
        _("storage fee (fen per tonne per day)"),
        default=0,
        help_text=_("Applies to lots booked in from now on; each lot keeps the rate it was booked at."),
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cold store")
        verbose_name_plural = _("cold stores")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity_kg__gt=0), name="cold_store_capacity_positive"),
            models.CheckConstraint(
                condition=Q(stock_kg__gte=0) & Q(stock_kg__lte=F("capacity_kg")),
                name="cold_store_stock_within_capacity",
            ),
            models.CheckConstraint(condition=Q(fee_fen_per_tonne_day__gte=0), name="cold_store_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free_kg(self) -> int:
        return self.capacity_kg - self.stock_kg

    @property
    def fill_percent(self) -> Decimal:
        return (Decimal(self.stock_kg * 100) / Decimal(self.capacity_kg)).quantize(Decimal("0.1"), ROUND_HALF_UP)


class StorageLotQuerySet(ScopedQuerySet):
    association_path = "store__association"

    def in_stock(self) -> StorageLotQuerySet:
        return self.filter(remaining_kg__gt=0)


class StorageLot(models.Model):
    """Fruit booked into a cold store: one grower, cultivar and grade."""

    store = models.ForeignKey(ColdStore, verbose_name=_("cold store"), on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("lot code"), max_length=32, unique=True)
    grower = models.ForeignKey(Grower, verbose_name=_("grower"), on_delete=models.PROTECT, related_name="storage_lots")
    cultivar = models.ForeignKey(Cultivar, verbose_name=_("cultivar"), on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=16, choices=Grade)
    quantity_kg = models.BigIntegerField(_("quantity in (kg)"))
    remaining_kg = models.BigIntegerField(_("remaining (kg)"), editable=False)
    stored_on = models.DateField(_("stored on"))
    fee_fen_per_tonne_day = models.BigIntegerField(_("storage fee (fen per tonne per day)"), editable=False)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = StorageLotQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("storage lot")
        verbose_name_plural = _("storage lots")
        ordering = ["-stored_on", "-code"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_kg__gt=0), name="storage_lot_quantity_positive"),
            models.CheckConstraint(
                condition=Q(remaining_kg__gte=0) & Q(remaining_kg__lte=F("quantity_kg")),
                name="storage_lot_remaining_within_quantity",
            ),
            models.CheckConstraint(condition=Q(fee_fen_per_tonne_day__gte=0), name="storage_lot_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class StorageMovementQuerySet(ScopedQuerySet):
    association_path = "lot__store__association"


class StorageMovement(models.Model):
    """Fruit taken out of a lot: sold, or sent to processing."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        PROCESSING = "processing", _("Processing")

    lot = models.ForeignKey(StorageLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    quantity_kg = models.BigIntegerField(_("quantity out (kg)"))
    moved_on = models.DateField(_("date out"))
    buyer = models.CharField(_("buyer"), max_length=100, blank=True)
    batch = models.ForeignKey(
        "ProcessingBatch",
        verbose_name=_("processing batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draws",
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = StorageMovementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("storage movement")
        verbose_name_plural = _("storage movements")
        ordering = ["moved_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_kg__gt=0), name="storage_movement_quantity_positive"),
            models.CheckConstraint(
                condition=(Q(kind="processing") & Q(batch__isnull=False)) | (Q(kind="sale") & Q(batch__isnull=True)),
                name="storage_movement_processing_has_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} -{self.quantity_kg} kg @ {self.moved_on}"


class Product(models.TextChoices):
    VINEGAR = "vinegar", _("Pear vinegar")
    WINE = "wine", _("Fruit wine")


class ProcessingBatchQuerySet(ScopedQuerySet):
    pass


class ProcessingBatch(models.Model):
    """A batch of pear vinegar (梨醋) or fruit wine (果酒) made from substandard fruit out of storage."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="processing_batches",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    code = models.CharField(_("batch code"), max_length=32, unique=True)
    product = models.CharField(_("product"), max_length=16, choices=Product)
    processed_on = models.DateField(_("date"))
    input_kg = models.BigIntegerField(_("fruit in (kg)"), editable=False)
    output_litres = models.DecimalField(_("output (litres)"), max_digits=12, decimal_places=1)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = ProcessingBatchQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("processing batch")
        verbose_name_plural = _("processing batches")
        ordering = ["-processed_on", "-code"]
        constraints = [
            models.CheckConstraint(condition=Q(input_kg__gt=0), name="processing_batch_input_positive"),
            models.CheckConstraint(condition=Q(output_litres__gt=0), name="processing_batch_output_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_product_display()}"

    @property
    def yield_litres_per_kg(self) -> Decimal:
        """Litres of product per kilogram of fruit, to three decimals."""
        return (self.output_litres / Decimal(self.input_kg)).quantize(Decimal("0.001"), ROUND_HALF_UP)


class ProductSaleQuerySet(ScopedQuerySet):
    def in_year(self, year: int) -> ProductSaleQuerySet:
        return self.filter(sold_on__year=year)

    def total_fen(self) -> int:
        return self.aggregate(total=Sum("amount_fen"))["total"] or 0


class ProductSale(models.Model):
    """A sale of processed products: revenue of the processing business."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("grower association"),
        on_delete=models.PROTECT,
        related_name="product_sales",
        limit_choices_to={"kind": Organisation.Kind.SOCIAL},
    )
    code = models.CharField(_("sale code"), max_length=32, unique=True)
    batch = models.ForeignKey(
        ProcessingBatch, verbose_name=_("processing batch"), on_delete=models.PROTECT, related_name="sales"
    )
    product = models.CharField(_("product"), max_length=16, choices=Product)
    sold_on = models.DateField(_("date"))
    litres = models.DecimalField(_("litres"), max_digits=12, decimal_places=1)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    buyer = models.CharField(_("buyer"), max_length=100)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = ProductSaleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product sale")
        verbose_name_plural = _("product sales")
        ordering = ["-sold_on", "-code"]
        constraints = [
            models.CheckConstraint(condition=Q(litres__gt=0), name="product_sale_litres_positive"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="product_sale_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_product_display()} {self.litres} L"

    @property
    def source_reference(self) -> str:
        """A stable reference for the revenue entry this sale becomes."""
        return f"association.ProductSale:{self.code}"
