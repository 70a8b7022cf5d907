"""Double-entry books: accounts, vouchers (记账凭证) and their lines, monthly periods, disclosures."""

from __future__ import annotations

from datetime import date

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from books import chart
from collective.models import Household, Organisation, User


def sees_all_books(user) -> bool:
    return user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT)


def _scoped(queryset, user, field: str):
    """Officials see the books they keep; the township and the accountant see every organisation's."""
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_books(user):
        return queryset
    if user.role in (User.Role.VILLAGE, User.Role.ASSOCIATION_STAFF) and user.organisation_id:
        return queryset.filter(**{field: user.organisation_id})
    return queryset.none()


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> AccountQuerySet:
        return _scoped(self, user, "organisation_id")

    def leaves(self) -> AccountQuerySet:
        """The accounts a voucher line may use: those without sub-accounts."""
        return self.filter(is_leaf=True)


class Account(models.Model):
    """One account of one organisation's chart: a first-level account of the system or a sub-account."""

    class Kind(models.TextChoices):
        ASSET = chart.ASSET, _("Assets")
        LIABILITY = chart.LIABILITY, _("Liabilities")
        EQUITY = chart.EQUITY, _("Owners' equity")
        COST = chart.COST, _("Costs")
        PROFIT_LOSS = chart.PROFIT_LOSS, _("Profit and loss")

    class Side(models.TextChoices):
        DEBIT = chart.DEBIT, _("Debit")
        CREDIT = chart.CREDIT, _("Credit")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="accounts"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    side = models.CharField(_("balance side"), max_length=8, choices=Side)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_leaf = models.BooleanField(_("takes entries"), default=True, editable=False)
    # 往来: a sub-ledger account of one household, or of one counterparty named in full.
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    category = models.CharField(
        _("distribution category"),
        max_length=64,
        blank=True,
        help_text=_("Which line of the yearly distribution this account's postings count towards."),
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="account_code_unique_per_organisation"),
            models.UniqueConstraint(
                fields=["organisation", "parent", "household"],
                condition=Q(household__isnull=False),
                name="account_one_per_household_under_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.full_name}"

    @property
    def full_name(self) -> str:
        names = [self.name]
        parent = self.parent
        while parent is not None:
            names.append(parent.name)
            parent = parent.parent
        return "—".join(reversed(names))

    @property
    def top_code(self) -> str:
        return self.code[:4]


class PeriodQuerySet(models.QuerySet):
    def closed(self) -> PeriodQuerySet:
        return self.filter(closed_at__isnull=False)


class Period(models.Model):
    """A month of an organisation's books; once closed (结账) it takes no voucher."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="book_periods"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, verbose_name=_("closed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["organisation", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "month"], name="period_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_1_to_12"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}-{self.month:02d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class VoucherQuerySet(models.QuerySet):
    def visible_to(self, user) -> VoucherQuerySet:
        return _scoped(self, user, "organisation_id")

    def posted(self) -> VoucherQuerySet:
        return self.filter(status=Voucher.Status.POSTED)


class Voucher(models.Model):
    """A 记账凭证: numbered per organisation and month, balanced, reviewed by a second person, then posted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entered")
        REVIEWED = "reviewed", _("Reviewed")
        POSTED = "posted", _("Posted")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="vouchers"
    )
    voucher_date = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    month = models.PositiveSmallIntegerField(_("month"), editable=False)
    number = models.PositiveIntegerField(_("number"), editable=False)
    summary = models.CharField(_("summary"), max_length=200)
    attachments = models.PositiveSmallIntegerField(_("attachments"), default=0)
    scan = models.FileField(
        _("original document (scan)"),
        upload_to="books/vouchers/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        User, verbose_name=_("entered by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("reviewed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_by = models.ForeignKey(
        User, verbose_name=_("posted by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    # Vouchers made by the system (a migrated ledger entry, a distribution run) name what made them.
    source = models.CharField(_("source"), max_length=64, blank=True, db_index=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["organisation", "year", "month", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "month", "number"], name="voucher_number_unique_per_month"
            ),
            # The second person: whoever entered a voucher does not review it.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | Q(prepared_by__isnull=True) | ~Q(reviewed_by=F("prepared_by")),
                name="voucher_reviewer_is_not_preparer",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posted_at__isnull=False), name="voucher_posted_has_time"
            ),
            models.UniqueConstraint(
                fields=["source"], condition=~Q(source=""), name="voucher_source_unique_when_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.summary}"

    def save(self, *args, **kwargs):
        self.year, self.month = self.voucher_date.year, self.voucher_date.month
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """记-2024-03-007: how a voucher is cited."""
        return f"记-{self.year}-{self.month:02d}-{self.number:03d}"

    @property
    def is_posted(self) -> bool:
        return self.status == self.Status.POSTED

    @property
    def period_start(self) -> date:
        return date(self.year, self.month, 1)


class VoucherLineQuerySet(models.QuerySet):
    def posted(self) -> VoucherLineQuerySet:
        return self.filter(voucher__status=Voucher.Status.POSTED)


class VoucherLine(models.Model):
    """One line of a voucher: an account, a debit or a credit in fen (negative in red ink, 红字)."""

    voucher = models.ForeignKey(Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("line"))
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines")
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    debit_fen = models.BigIntegerField(_("debit (fen)"), default=0)
    credit_fen = models.BigIntegerField(_("credit (fen)"), default=0)

    objects = VoucherLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher", "position"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "position"], name="voucher_line_position_unique"),
            models.CheckConstraint(
                condition=(Q(debit_fen=0) & ~Q(credit_fen=0)) | (~Q(debit_fen=0) & Q(credit_fen=0)),
                name="voucher_line_debit_or_credit",
            ),
        ]
        indexes = [models.Index(fields=["account", "voucher"], name="voucher_line_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.debit_fen} {self.credit_fen}"


class DisclosureQuerySet(models.QuerySet):
    def visible_to(self, user) -> DisclosureQuerySet:
        """Officials see their organisations' disclosures; a farmer the published ones of their association."""
        if not user.is_authenticated:
            return self.none()
        if user.role == User.Role.FARMER and user.household_id:
            return self.filter(organisation_id=user.household.association_id, published_at__isnull=False)
        return _scoped(self, user, "organisation_id")

    def published(self) -> DisclosureQuerySet:
        return self.filter(published_at__isnull=False)


class Disclosure(models.Model):
    """A quarter's 财务公开: income, expenses and the balance sheet, frozen when published."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="disclosures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    figures = models.JSONField(_("figures"), default=dict)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, verbose_name=_("published by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("financial disclosure")
        verbose_name_plural = _("financial disclosures")
        ordering = ["organisation", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "quarter"], name="disclosure_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="disclosure_quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} Q{self.quarter}"
