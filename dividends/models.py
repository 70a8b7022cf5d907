"""Money in and money out: ledger entries, policies, distribution runs, their pools, lines and payouts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from collective.models import Household, Organisation, User
from dividends import engine

RATE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


def sees_all_money(user) -> bool:
    return user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT)


# --- Ledger --------------------------------------------------------------------------------------


class LedgerEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> LedgerEntryQuerySet:
        """The entries this user may see: the one place ledger scoping lives."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_money(user):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()

    def of_year(self, year: int) -> LedgerEntryQuerySet:
        return self.filter(entry_date__year=year)

    def revenue(self) -> LedgerEntryQuerySet:
        return self.filter(direction=LedgerEntry.Direction.REVENUE)

    def expenses(self) -> LedgerEntryQuerySet:
        return self.filter(direction=LedgerEntry.Direction.EXPENSE)

    def totals_by_category(self) -> dict[tuple[str, str], int]:
        """{(direction, category): amount in fen}."""
        rows = self.values("direction", "category").annotate(total=models.Sum("amount_fen")).order_by()
        return {(row["direction"], row["category"]): row["total"] for row in rows}


class LedgerEntry(models.Model):
    """A revenue or expense entry of the company or of an association (收入 / 支出)."""

    class Direction(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        EXPENSE = "expense", _("Expense")

    class Category(models.TextChoices):
        LAND_OPERATION = engine.LAND_OPERATION, _("Land operation")
        RENTAL = "rental", _("Rental")
        PROCESSING = "processing", _("Processing and sales")
        SERVICES = "services", _("Services")
        SUBSIDIES = "subsidies", _("Subsidies")
        ADMINISTRATION = "administration", pgettext_lazy("expense category", "Administration")
        OTHER = "other", _("Other")
        BORROWING = engine.BORROWING, _("Borrowed funds (not income)")

    class RentalSource(models.TextChoices):
        LVHE_MARKET = "lvhe_market", _("Lvhe market management rights")
        TOWNSHIP_CANTEEN = "township_canteen", _("Township canteen contract")
        OTHER = "other", _("Other rental")

    REVENUE_CATEGORIES = (
        Category.LAND_OPERATION,
        Category.RENTAL,
        Category.PROCESSING,
        Category.SERVICES,
        Category.SUBSIDIES,
        Category.OTHER,
        Category.BORROWING,
    )
    EXPENSE_CATEGORIES = (
        Category.LAND_OPERATION,
        Category.RENTAL,
        Category.PROCESSING,
        Category.SERVICES,
        Category.ADMINISTRATION,
        Category.OTHER,
    )

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    direction = models.CharField(_("revenue or expense"), max_length=8, choices=Direction)
    category = models.CharField(_("category"), max_length=24, choices=Category)
    rental_source = models.CharField(_("rental source"), max_length=24, choices=RentalSource, blank=True)
    entry_date = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    source_reference = models.CharField(
        _("source document"), max_length=100, blank=True, help_text=_("Voucher, invoice or contract number.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = LedgerEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-entry_date", "-pk"]
        indexes = [models.Index(fields=["organisation", "entry_date"], name="ledger_org_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    direction="revenue",
                    category__in=[
                        "land_operation",
                        "rental",
                        "processing",
                        "services",
                        "subsidies",
                        "other",
                        "borrowing",
                    ],
                )
                | Q(
                    direction="expense",
                    category__in=["land_operation", "rental", "processing", "services", "administration", "other"],
                ),
                name="ledger_category_fits_direction",
            ),
            models.CheckConstraint(
                condition=Q(rental_source="") | Q(category="rental"), name="ledger_rental_source_only_for_rental"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.get_direction_display()} {self.get_category_display()} {self.amount_fen}"

    @property
    def year(self) -> int:
        return self.entry_date.year

    def clean(self) -> None:
        allowed = self.REVENUE_CATEGORIES if self.direction == self.Direction.REVENUE else self.EXPENSE_CATEGORIES
        if self.category and self.category not in allowed:
            raise ValidationError(
                {
                    "category": _("“%(category)s” is not a category of %(direction)s.")
                    % {"category": self.get_category_display(), "direction": self.get_direction_display()}
                }
            )
        if (
            self.category == self.Category.RENTAL
            and self.direction == self.Direction.REVENUE
            and not self.rental_source
        ):
            raise ValidationError({"rental_source": _("Say where the rental income comes from.")})
        if self.rental_source and self.category != self.Category.RENTAL:
            raise ValidationError({"rental_source": _("Only rental entries have a rental source.")})
        if self.amount_fen is not None and self.amount_fen <= 0:
            raise ValidationError({"amount_fen": _("The amount must be more than zero.")})


# --- Policy --------------------------------------------------------------------------------------


class DistributionPolicyQuerySet(models.QuerySet):
    def visible_to(self, user) -> DistributionPolicyQuerySet:
        if not user.is_authenticated:
            return self.none()
        if sees_all_money(user) or user.role == User.Role.VILLAGE:
            return self
        return self.none()


class DistributionPolicy(models.Model):
    """The rates and record date of one organisation's distribution of one fiscal year."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="distribution_policies",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    land_share_rate = models.DecimalField(
        _("land share rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("Share of the land-operation profit paid as land dividend (分红), e.g. 0.30."),
    )
    reserve_rate = models.DecimalField(
        _("provident fund rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("公积金, share of net profit, e.g. 0.20."),
    )
    welfare_rate = models.DecimalField(
        _("welfare fund rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("公益金, share of net profit, e.g. 0.10."),
    )
    payout_rate = models.DecimalField(
        _("payout rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("Share of the distributable profit paid to the shareholders, e.g. 0.80."),
    )
    retention_rate = models.DecimalField(
        _("association retention rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("Share each association keeps for the collective, e.g. 0.10."),
    )
    record_date = models.DateField(
        _("record date"), help_text=_("Shares and company equity are counted as of this date.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DistributionPolicyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("distribution policy")
        verbose_name_plural = _("distribution policies")
        ordering = ["organisation__code", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "version"], name="policy_unique_version"),
        ]

    def __str__(self) -> str:
        return _("%(organisation)s %(year)s policy v%(version)s") % {
            "organisation": self.organisation,
            "year": self.year,
            "version": self.version,
        }

    @property
    def rates(self) -> engine.Rates:
        return engine.Rates(
            land_share=self.land_share_rate,
            reserve=self.reserve_rate,
            welfare=self.welfare_rate,
            payout=self.payout_rate,
            retention=self.retention_rate,
        )

    @property
    def member_dividend_rate(self) -> Decimal:
        """The share of net profit that reaches the shareholders: payout * (1 - reserve - welfare)."""
        return self.payout_rate * (1 - self.reserve_rate - self.welfare_rate)

    @property
    def is_frozen(self) -> bool:
        """A policy used by an approved run is never changed."""
        return self.runs.filter(status__in=DistributionRun.LOCKING_STATUSES).exists()


# --- Runs ----------------------------------------------------------------------------------------


class DistributionRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> DistributionRunQuerySet:
        """The runs this user may see: officials all but drafts of others' making; farmers the published
        runs that concern their household's association."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_money(user):
            return self
        if user.role == User.Role.VILLAGE:
            return self.exclude(status=DistributionRun.Status.DRAFT)
        if user.role == User.Role.FARMER and user.household_id:
            association_id = Household.objects.filter(pk=user.household_id).values("association_id")[:1]
            return self.filter(
                Exists(Pool.objects.filter(run=OuterRef("pk"), association_id=association_id)),
                status__in=DistributionRun.PUBLISHED_STATUSES,
            )
        return self.none()

    def locking(self) -> DistributionRunQuerySet:
        return self.filter(status__in=DistributionRun.LOCKING_STATUSES)

    def published(self) -> DistributionRunQuerySet:
        return self.filter(status__in=DistributionRun.PUBLISHED_STATUSES)


class DistributionRun(models.Model):
    """One computation of one company's fiscal year under one policy (DESIGN.md §3)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPUTING = "computing", _("Computing")
        COMPUTED = "computed", _("Computed")
        FAILED = "failed", _("Failed")
        NOTICE = "notice", _("In public notice")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Distribution")
        REVERSAL = "reversal", _("Reversal")

    # Approved and later: the run, its policy and its year's ledger entries are never changed.
    LOCKING_STATUSES = (Status.APPROVED, Status.PAID, Status.CLOSED)
    # What a farmer may see: from the public notice on.
    PUBLISHED_STATUSES = (Status.NOTICE, Status.APPROVED, Status.PAID, Status.CLOSED)
    # The accountant may (re)compute these.
    COMPUTABLE_STATUSES = (Status.DRAFT, Status.COMPUTED, Status.FAILED)

    company = models.ForeignKey(
        Organisation,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="distribution_runs",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    policy = models.ForeignKey(
        DistributionPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="runs"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.REGULAR)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacements",
        help_text=_("The reversed run this run corrects."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    error = models.TextField(_("error"), blank=True)
    inputs = models.JSONField(_("frozen inputs"), default=dict, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    inputs_frozen_at = models.DateTimeField(_("inputs frozen at"), null=True, blank=True)
    # The holdings a run split are a reference into the append-only share ledger, not a copy: the lines
    # of the share events up to this one (the last the run read) effective on or before the record
    # date, with the share types' weights frozen in `inputs` (services/inputs.run_holdings).
    record_date = models.DateField(_("record date"), null=True, blank=True)
    ledger_mark = models.BigIntegerField(_("last share event read"), null=True, blank=True)
    # When a computing run last moved (started, inputs frozen, a chunk done): a run computing that has not
    # moved for longer than any step may take is waiting for a lost message (resume_stalled_runs).
    progressed_at = models.DateTimeField(_("last progress at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # The day the server recorded the publication: the notice period counts from it, never from a typed date.
    notice_published_on = models.DateField(_("public notice published on"), null=True, blank=True, editable=False)
    notice_starts_on = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice until"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, verbose_name=_("published by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        User, verbose_name=_("approved by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    resolution_date = models.DateField(_("date of the assembly's resolution"), null=True, blank=True)
    resolution_reference = models.CharField(
        _("resolution reference"),
        max_length=100,
        blank=True,
        help_text=_("The resolution of the members' representative assembly (成员代表大会决议)."),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = DistributionRunQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["chunks_done", "progressed_at", "inputs", "figures"])

    class Meta:
        verbose_name = _("distribution run")
        verbose_name_plural = _("distribution runs")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "year"],
                condition=Q(kind="regular", status__in=["draft", "computing", "computed", "failed", "notice"]),
                name="run_one_open_regular_run_per_year",
            ),
            models.CheckConstraint(condition=Q(chunks_done__lte=models.F("chunks_total")), name="run_chunks_counted"),
            models.CheckConstraint(
                condition=Q(notice_starts_on__isnull=True)
                | Q(notice_published_on__isnull=False, notice_starts_on__gte=models.F("notice_published_on")),
                name="run_notice_starts_on_or_after_publication",
            ),
            models.CheckConstraint(
                condition=Q(kind="regular", reverses__isnull=True) | Q(kind="reversal", reverses__isnull=False),
                name="run_reversal_reverses_a_run",
            ),
        ]

    def __str__(self) -> str:
        return _("%(company)s %(year)s %(kind)s #%(pk)s") % {
            "company": self.company,
            "year": self.year,
            "kind": self.get_kind_display(),
            "pk": self.pk,
        }

    @property
    def is_reversal(self) -> bool:
        return self.kind == self.Kind.REVERSAL

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKING_STATUSES

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED_STATUSES

    @property
    def is_waiting_for_worker(self) -> bool:
        """Computing, and nothing has moved for a while: no Celery worker has taken its next step.

        With a worker, each step moves progressed_at within seconds; the embedded mode computes in the
        request, so a run there is never seen waiting.
        """
        if self.status != self.Status.COMPUTING or settings.CELERY_TASK_ALWAYS_EAGER or not self.progressed_at:
            return False
        return timezone.now() - self.progressed_at > timedelta(seconds=settings.DIVIDENDS_WORKER_WAIT_SECONDS)

    @property
    def progress_percent(self) -> int:
        if self.status != self.Status.COMPUTING:
            return 100 if self.computed_at else 0
        if not self.chunks_total:
            return 0
        return self.chunks_done * 100 // self.chunks_total

    @property
    def notice_over(self) -> bool:
        """The notice has run its course: its recorded end has come, and it lasted the minimum from its start."""
        if not self.notice_ends_on or not self.notice_starts_on:
            return False
        ends_on = max(self.notice_ends_on, self.notice_ends_for(self.notice_starts_on))
        return timezone.localdate() >= ends_on

    def notice_ends_for(self, starts_on: date) -> date:
        return starts_on + timedelta(days=settings.DIVIDENDS_MIN_NOTICE_DAYS)

    # The steps of a run's life and the rule (dividends/rules.py) that says whose each is. None: the
    # rule is on the line, not the run (an objection is lodged against one payout).
    STEP_PERMISSIONS = {
        "compute": "dividends.compute_run",
        "publish": "dividends.publish_run",
        "withdraw": "dividends.publish_run",
        "approve": "dividends.approve_run",
        "reverse": "dividends.reverse_run",
        "close": "dividends.close_run",
        "pay": "dividends.pay_run",  # the payment page and the bank batches
        "mark_paid": "dividends.pay_run",
        "object": None,
    }

    def step_is_open(self, step: str) -> bool:
        """Whether the run's state lets the step be taken now, whoever asks (the one place this is decided)."""
        Status = self.Status
        if step == "compute":
            return self.status in self.COMPUTABLE_STATUSES and not self.is_reversal
        if step == "publish":
            return self.status == Status.COMPUTED and not self.is_reversal
        if step == "withdraw":
            return self.status == Status.NOTICE
        if step == "approve":
            # A reversal is approved straight after it is computed: it has no notice of its own.
            return self.status == (Status.COMPUTED if self.is_reversal else Status.NOTICE)
        if step == "reverse":
            return self.is_locked and not self.is_reversal and not hasattr(self, "reversal")
        if step == "close":
            return self.status == Status.PAID
        if step == "pay":
            return self.is_locked
        if step == "mark_paid":
            return self.status == Status.APPROVED
        if step == "object":
            return self.status == Status.NOTICE
        raise ValueError(step)

    def allowed_steps(self, user) -> frozenset[str]:
        """The steps this user may take on the run now: their role's, and open in the run's state.

        The services check each step with the same two halves (they give the reason a step is refused);
        the pages and their templates show a step's button only when it is in this set.
        """
        return frozenset(
            step
            for step, permission in self.STEP_PERMISSIONS.items()
            if self.step_is_open(step) and (permission is None or user.has_perm(permission, self))
        )


class PoolQuerySet(models.QuerySet):
    def visible_to(self, user) -> PoolQuerySet:
        """The company's pools (public in the notice) and the pools of the associations the user may see.

        A village official sees the company-level pools and its own association's, never another
        village's; the township and the company see all. The run page and the API both read this.
        """
        return self.filter(Q(association__isnull=True) | Q(association__in=Organisation.objects.visible_to(user)))


class Pool(models.Model):
    """An amount the run sets aside and, where it has lines, splits (DESIGN.md §3)."""

    class Kind(models.TextChoices):
        RENT = engine.POOL_RENT, _("Guaranteed rent")
        WAGES = engine.POOL_WAGES, _("Wages")
        LAND_DIVIDEND = engine.POOL_LAND_DIVIDEND, _("Land dividend")
        RESERVE = engine.POOL_RESERVE, _("Provident fund")
        WELFARE = engine.POOL_WELFARE, _("Welfare fund")
        SHAREHOLDER = engine.POOL_SHAREHOLDER, _("Shareholder pool")
        RETAINED = engine.POOL_RETAINED, _("Retained earnings")
        RECEIVED = engine.POOL_RECEIVED, _("Received by the association")
        RETENTION = engine.POOL_RETENTION, _("Association retention")
        SPLIT = engine.POOL_SPLIT, _("Share dividend pool")

    run = models.ForeignKey(DistributionRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="pools")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    total_weight = models.DecimalField(_("total weight"), max_digits=30, decimal_places=8, null=True, blank=True)
    # The split's weights as whole numbers: weight * 1e8 / divisor, summed (see engine.weight_units).
    total_units = models.BigIntegerField(_("total weight units"), default=0)
    weight_divisor = models.BigIntegerField(_("weight divisor"), default=1)
    leftover_fen = models.BigIntegerField(_("fen left after the floors"), default=0)
    # The last line the left-over fen reach, in the ranking remainder DESC, ordinal ASC: a line gets one
    # when its remainder is above leftover_remainder, or equal to it with an ordinal up to leftover_ordinal.
    # Planned before the chunks (on PostgreSQL) so they write final amounts; the finish checks the ranking.
    leftover_remainder = models.BigIntegerField(null=True, blank=True, editable=False)
    leftover_ordinal = models.BigIntegerField(null=True, blank=True, editable=False)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = PoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["run", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind"], condition=Q(association__isnull=True), name="pool_unique_company_kind"
            ),
            models.UniqueConstraint(
                fields=["run", "kind", "association"],
                condition=Q(association__isnull=False),
                name="pool_unique_association_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return engine.pool_name(self.kind, self.association.code if self.association_id else None)


class RunChunk(models.Model):
    """One task's share of a run: a block of one association's holders, in code order."""

    run = models.ForeignKey(DistributionRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    association = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="+")
    ordinal_from = models.PositiveIntegerField()
    ordinal_to = models.PositiveIntegerField()
    done = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="chunk_unique_number")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number}"


# --- Frozen inputs -------------------------------------------------------------------------------

# The frozen inputs and the staging table PayoutPart are written a million rows at a time by the run
# itself, from rows it has just read from the registry, the land contracts and its own pools, and
# never by people. A foreign-key constraint would check and lock the referenced row once per written
# row (about 9 µs each on PostgreSQL here: seconds per run, more than the write itself), so these
# references are plain indexed columns; Django still PROTECTs households and associations they
# name (docs/scaling.md). The payouts are written the same way; the finish step checks their
# references set-based, one anti-join per reference, before the run is marked computed.
FROZEN_FK = {"db_constraint": False}


class RunContractLine(models.Model):
    """A contract line as the run saw it, with its rent and land dividend (steps 1 and 3)."""

    run = models.ForeignKey(
        DistributionRun, on_delete=models.CASCADE, related_name="contract_lines", **FROZEN_FK, db_index=False
    )
    ordinal = models.PositiveIntegerField()
    contract_id = models.BigIntegerField()
    contract_number = models.CharField(max_length=64)
    parcel_code = models.CharField(max_length=32)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", **FROZEN_FK)
    household_code = models.CharField(max_length=32)
    association = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", **FROZEN_FK, db_index=False
    )
    area_mu = models.DecimalField(max_digits=12, decimal_places=4)
    # The exact rent in fen per mu after escalation; text, because compounding can outgrow any fixed scale.
    rent_per_mu_fen = models.CharField(max_length=64)
    days_active = models.PositiveSmallIntegerField()
    days_in_year = models.PositiveSmallIntegerField()
    profit_share = models.BooleanField()
    profit_share_weight = models.DecimalField(max_digits=12, decimal_places=4)
    land_weight = models.DecimalField(max_digits=24, decimal_places=8)
    rent_fen = models.BigIntegerField()
    land_dividend_fen = models.BigIntegerField()
    # The contract's terms as the run saw them, so days_active and rent_per_mu_fen can be checked from the
    # run alone (null on runs computed before they were frozen).
    start_date = models.DateField(null=True)
    end_date = models.DateField(null=True)
    terminated_on = models.DateField(null=True)
    base_rent_per_mu_fen = models.BigIntegerField(null=True)
    escalation_percent = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    escalation_every_years = models.PositiveSmallIntegerField(null=True)

    class Meta:
        ordering = ["run", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["run", "ordinal"], name="run_contract_line_unique")]

    def __str__(self) -> str:
        return f"{self.contract_number}/{self.parcel_code}"

    @property
    def rent_per_mu(self) -> Decimal:
        return Decimal(self.rent_per_mu_fen)


class RunLabourLine(models.Model):
    run = models.ForeignKey(
        DistributionRun, on_delete=models.CASCADE, related_name="labour_lines", **FROZEN_FK, db_index=False
    )
    record_id = models.BigIntegerField()
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", **FROZEN_FK)
    household_code = models.CharField(max_length=32)
    association = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", **FROZEN_FK, db_index=False
    )
    member_name = models.CharField(max_length=64)
    work_date = models.DateField()
    days = models.DecimalField(max_digits=6, decimal_places=2)
    day_wage_fen = models.BigIntegerField()
    wage_fen = models.BigIntegerField()
    # The household above is the member's on the work date (land.services.labour_lines_for_year): the
    # member, and the day they left that household after the work (None: never since), say why.
    member_id = models.BigIntegerField(null=True)
    left_household_on = models.DateField(null=True)

    class Meta:
        ordering = ["run", "household_code", "work_date", "record_id"]
        constraints = [models.UniqueConstraint(fields=["run", "record_id"], name="run_labour_line_unique")]

    def __str__(self) -> str:
        return f"{self.household_code} {self.work_date}"


# --- Lines and payouts ---------------------------------------------------------------------------


class PayoutPart(models.Model):
    """One part of one household's money in a run (rent, land dividend, share dividend, wages).

    The staging table of the chunked computation: chunks write the share-dividend floors with their
    exact remainders, the final step adds the left-over fen. household NULL is the association's own
    collective-share line: a line of its pool paid to the association, not a payout.
    """

    # The names of a household's four parts, the same on every page, PDF and API: 租金、土地分红、股金分红、薪金.
    class Part(models.TextChoices):
        RENT = engine.RENT, _("Rent")
        LAND_DIVIDEND = engine.LAND_DIVIDEND, _("Land dividend")
        SHARE_DIVIDEND = engine.SHARE_DIVIDEND, _("Share dividend")
        WAGES = engine.WAGES, _("Wages")

    run = models.ForeignKey(DistributionRun, on_delete=models.CASCADE, related_name="parts", **FROZEN_FK)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, related_name="+", **FROZEN_FK, db_index=False
    )
    association = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", **FROZEN_FK, db_index=False
    )
    part = models.CharField(max_length=16, choices=Part)
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="parts", **FROZEN_FK, db_index=False)
    ordinal = models.PositiveIntegerField(default=0)
    weight = models.DecimalField(max_digits=24, decimal_places=8, null=True)
    floor_fen = models.BigIntegerField()
    remainder = models.BigIntegerField(default=0)
    amount_fen = models.BigIntegerField()

    class Meta:
        verbose_name = _("payout part")
        verbose_name_plural = _("payout parts")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "household", "part"], condition=Q(household__isnull=False), name="part_unique_household"
            ),
            models.UniqueConstraint(
                fields=["run", "association", "part"],
                condition=Q(household__isnull=True),
                name="part_unique_association_line",
            ),
        ]
        indexes = [models.Index(fields=["pool", "ordinal"], name="part_pool_ordinal")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.household_id or 'collective'}/{self.part}"


class PayoutQuerySet(models.QuerySet):
    def visible_to(self, user) -> PayoutQuerySet:
        """The payouts this user may see: the one place payout scoping lives.

        Township and accountant: all. A village official: their association's. A farmer: their own
        household's, from the public notice on.
        """
        if not user.is_authenticated:
            return self.none()
        if sees_all_money(user):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(association_id=user.organisation_id).exclude(run__status=DistributionRun.Status.DRAFT)
        if user.role == User.Role.FARMER and user.household_id:
            return self.filter(household_id=user.household_id, run__status__in=DistributionRun.PUBLISHED_STATUSES)
        return self.none()

    def with_year_and_association_code(self) -> PayoutQuerySet:
        """What a payout's row shows of its run and association, read in the same query as the row.

        Annotated rather than joined into model objects: a run carries its frozen inputs (tens of
        kilobytes for a county), and a page of payouts needs one year and one code per row.
        """
        return self.annotate(year=F("run__year"), association_code=F("association__code"))

    def search(self, text: str) -> PayoutQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(household__code__icontains=text)


# Each part and the attribute that holds it in fen, on a payout and on a statement, in the order shown.
PART_FIELDS = {
    PayoutPart.Part.RENT: "rent_fen",
    PayoutPart.Part.LAND_DIVIDEND: "land_dividend_fen",
    PayoutPart.Part.SHARE_DIVIDEND: "share_dividend_fen",
    PayoutPart.Part.WAGES: "wage_fen",
}


def payout_parts(source) -> list[tuple[str, str, int]]:
    """(key, name, fen) of each part of a payout or statement: 租金、土地分红、股金分红、薪金."""
    return [(part.value, part.label, getattr(source, field)) for part, field in PART_FIELDS.items()]


class Payout(models.Model):
    """What one household gets from one run: rent 租金, dividends 股金 (land + share), wages 薪金.

    Rent, land dividend and wages are paid by the company; the share dividend by the association.
    Immutable once computed, except the payment marks; audited through its run.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet paid")
        PAID = "paid", _("Paid")

    # The run's and the association's own indexes would only repeat the leading columns of the unique
    # (run, household) and the (run, association) indexes: a million payouts are written without them.
    # No row-by-row key checks (FROZEN_FK): dividends.services.finish.check_payout_references checks
    # every reference of a run's payouts in one query each.
    run = models.ForeignKey(
        DistributionRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="payouts",
        db_index=False,
        **FROZEN_FK,
    )
    # A household's payouts of every run are found through the unique (household, run) index.
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="payouts",
        db_index=False,
        **FROZEN_FK,
    )
    # The household's code when the run was computed, as on the run's frozen lines: the lists are in
    # this order, read from an index, instead of sorting every payout of the run by a joined code.
    household_code = models.CharField(_("household code"), max_length=32)
    # Σ quantity * share type weight of the household's holdings on the record date: what its share
    # dividend was paid on (NULL: no share-dividend line).
    weighted_holdings = models.DecimalField(
        _("weighted holdings"), max_digits=24, decimal_places=8, null=True, blank=True
    )
    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        **FROZEN_FK,
    )
    rent_fen = models.BigIntegerField(_("rent (fen)"), default=0)
    land_dividend_fen = models.BigIntegerField(_("land dividend (fen)"), default=0)
    share_dividend_fen = models.BigIntegerField(_("share dividend (fen)"), default=0)
    wage_fen = models.BigIntegerField(_("wages (fen)"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"))
    status = models.CharField(_("payment"), max_length=8, choices=Status, default=Status.PENDING)
    company_paid_on = models.DateField(_("company part paid on"), null=True, blank=True)
    company_bank_reference = models.CharField(_("company bank reference"), max_length=64, blank=True)
    association_paid_on = models.DateField(_("share dividend paid on"), null=True, blank=True)
    association_bank_reference = models.CharField(_("association bank reference"), max_length=64, blank=True)

    objects = PayoutQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["run", "household_code"]
        constraints = [
            models.UniqueConstraint(fields=["household", "run"], name="payout_one_per_household"),
            models.CheckConstraint(
                condition=Q(
                    total_fen=models.F("rent_fen")
                    + models.F("land_dividend_fen")
                    + models.F("share_dividend_fen")
                    + models.F("wage_fen")
                ),
                name="payout_total_is_sum_of_parts",
            ),
        ]
        # A run's payouts in list order; an association's payouts of every run or of one in list order,
        # the total as a last key so a list's count and totals are read from the index alone.
        indexes = [
            models.Index(fields=["run", "household_code", "id"], name="payout_run_code"),
            models.Index(
                fields=["association", "run", "household_code", "id", "total_fen"], name="payout_association_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.total_fen}"

    @property
    def dividends_fen(self) -> int:
        """Land dividend plus share dividend."""
        return self.land_dividend_fen + self.share_dividend_fen

    @property
    def parts(self) -> list[tuple[str, str, int]]:
        return payout_parts(self)

    @property
    def company_part_fen(self) -> int:
        return self.rent_fen + self.land_dividend_fen + self.wage_fen

    @property
    def association_part_fen(self) -> int:
        return self.share_dividend_fen

    @property
    def paid_on(self) -> date | None:
        """The day the household had all its money, when it has."""
        if self.status != self.Status.PAID:
            return None
        dates = [d for d in (self.company_paid_on, self.association_paid_on) if d]
        return max(dates) if dates else None


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ObjectionQuerySet:
        if not user.is_authenticated:
            return self.none()
        if sees_all_money(user):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(household__association_id=user.organisation_id)
        if user.role == User.Role.FARMER and user.household_id:
            return self.filter(household_id=user.household_id)
        return self.none()

    def open(self) -> ObjectionQuerySet:
        return self.filter(status=Objection.Status.OPEN)


class Objection(models.Model):
    """An objection (异议) against a line of a run during its public notice."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    run = models.ForeignKey(DistributionRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="objections")
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="objections"
    )
    # The line objected to; kept NULL after a withdrawn notice is recomputed (the household stays).
    payout = models.ForeignKey(
        Payout, verbose_name=_("line"), on_delete=models.SET_NULL, null=True, blank=True, related_name="objections"
    )
    amount_fen = models.BigIntegerField(_("amount objected to (fen)"))
    raised_by = models.ForeignKey(User, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"), max_length=2000)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name=_("answered by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("lodged at"), auto_now_add=True)

    objects = ObjectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status="open") | ~Q(answer=""), name="objection_answered_has_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.text[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


# --- What a farmer has read ----------------------------------------------------------------------


class NoticeReadQuerySet(models.QuerySet):
    def of(self, user) -> NoticeReadQuerySet:
        return self.filter(user_id=user.pk) if user.is_authenticated else self.none()


class NoticeRead(models.Model):
    """A farmer has read the home page's news that a run of their association entered public notice or was paid.

    The news itself is derived from the run (its status and the dates it entered notice and was paid);
    only the reading is stored, once per user, run and event.
    """

    EVENTS = [(status.value, status.label) for status in (DistributionRun.Status.NOTICE, DistributionRun.Status.PAID)]

    user = models.ForeignKey(
        User, verbose_name=User._meta.verbose_name, on_delete=models.CASCADE, related_name="+", editable=False
    )
    run = models.ForeignKey(DistributionRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=EVENTS)
    read_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = NoticeReadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "run", "status"], name="notice_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.run_id} {self.status}"


class PaymentExportQuerySet(models.QuerySet):
    def visible_to(self, user) -> PaymentExportQuerySet:
        """An official sees the exports of the runs they see; a farmer sees none."""
        if not user.is_authenticated or getattr(user, "is_farmer", False):
            return self.none()
        return self.filter(run__in=DistributionRun.objects.visible_to(user))


class PaymentExport(models.Model):
    """A bank batch left the system: who took it, when, of which run and payer, how many accounts.

    A bank file is personal data (names and account numbers): every export is recorded, and only
    the payer's own role gets the accounts in full (`full_accounts`).
    """

    user = models.ForeignKey(User, verbose_name=_("exported by"), on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(DistributionRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="exports")
    payer = models.ForeignKey(Organisation, verbose_name=_("payer"), on_delete=models.PROTECT, related_name="+")
    file_format = models.CharField(_("format"), max_length=8)
    accounts = models.PositiveIntegerField(_("accounts"))
    full_accounts = models.BooleanField(_("full account numbers"))
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    objects = PaymentExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank batch export")
        verbose_name_plural = _("bank batch exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.user} run {self.run_id} payer {self.payer_id} ({self.accounts}) @ {self.created_at:%Y-%m-%d %H:%M}"
        )
