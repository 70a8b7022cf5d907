from __future__ import annotations

from datetime import date
from fractions import Fraction

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OrganisationQuerySet(models.QuerySet):
    def collectives(self) -> OrganisationQuerySet:
        return self.filter(kind=Organisation.Kind.COLLECTIVE)

    def companies(self) -> OrganisationQuerySet:
        return self.filter(kind=Organisation.Kind.COMPANY)


class Organisation(models.Model):
    """A township, a village collective economic association, the company or a social organisation."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", _("Township")
        COLLECTIVE = "collective", _("Village collective economic association")
        COMPANY = "company", _("Company")
        SOCIAL = "social", _("Social organisation")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    township = models.ForeignKey(
        "self",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": Kind.TOWNSHIP},
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_collective(self) -> bool:
        return self.kind == self.Kind.COLLECTIVE


class User(AbstractUser):
    """A person who logs in. Each role sees what DESIGN.md §1 gives it, and nothing more."""

    class Role(models.TextChoices):
        TOWNSHIP = "township", _("Township official")
        VILLAGE = "village", _("Village official")
        ACCOUNTANT = "accountant", _("Company accountant")
        ASSOCIATION_STAFF = "association_staff", _("Pear association staff")
        FARMER = "farmer", _("Farmer")

    role = models.CharField(_("role"), max_length=24, choices=Role, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The association a village official keeps, or the organisation a user works for."),
    )
    household = models.ForeignKey(
        "collective.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password at next log-in"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="village") | Q(organisation__isnull=False),
                name="village_official_has_association",
            ),
            models.CheckConstraint(
                condition=~Q(role="farmer") | Q(household__isnull=False),
                name="farmer_has_household",
            ),
        ]

    @property
    def is_township_official(self) -> bool:
        return self.role == self.Role.TOWNSHIP

    @property
    def is_village_official(self) -> bool:
        return self.role == self.Role.VILLAGE

    @property
    def is_accountant(self) -> bool:
        return self.role == self.Role.ACCOUNTANT

    @property
    def is_association_staff(self) -> bool:
        return self.role == self.Role.ASSOCIATION_STAFF

    @property
    def is_farmer(self) -> bool:
        return self.role == self.Role.FARMER


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        """Return the households this user may see: the one place household scoping lives."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(association_id=user.organisation_id)
        if user.role == User.Role.FARMER:
            return self.filter(pk=user.household_id)
        return self.none()


class Household(models.Model):
    """A household (户) of one village collective economic association."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    code = models.CharField(_("household code"), max_length=32, unique=True)
    village_group = models.CharField(_("village group"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = HouseholdQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Member(models.Model):
    """A member (成员) of a household. The registry part of the collective app fills in the rest."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("name"), max_length=64)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household__code", "pk"]

    def __str__(self) -> str:
        return self.name


class EquityEventQuerySet(models.QuerySet):
    def holdings_as_of(self, company: Organisation, as_of: date) -> dict[int, int]:
        """Return {holder id: company shares} for a company on a date, derived from the events."""
        rows = (
            self.filter(company=company, effective_date__lte=as_of)
            .values("holder_id")
            .annotate(shares=Sum("shares_delta"))
            .order_by("holder_id")
        )
        return {row["holder_id"]: row["shares"] for row in rows if row["shares"]}


class EquityEvent(models.Model):
    """A change in an association's holding of company shares (equity), never edited in place."""

    class Reason(models.TextChoices):
        FOUNDING = "founding", _("Founding contribution")
        CAPITAL_INCREASE = "increase", _("Capital increase")
        TRANSFER = "transfer", _("Transfer")
        REDUCTION = "reduction", _("Capital reduction")

    company = models.ForeignKey(
        Organisation,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="equity_events",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    holder = models.ForeignKey(
        Organisation,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="held_equity_events",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    effective_date = models.DateField(_("effective date"))
    shares_delta = models.BigIntegerField(_("change in shares"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = EquityEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("equity event")
        verbose_name_plural = _("equity events")
        ordering = ["effective_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(shares_delta=0), name="equity_event_changes_something"),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.shares_delta:+} @ {self.effective_date}"


def equity_percentages(holdings: dict[int, int]) -> dict[int, Fraction]:
    """Return each holder's exact fraction of the company from {holder id: shares}."""
    total = sum(holdings.values())
    return {holder: Fraction(shares, total) for holder, shares in holdings.items()} if total else {}


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (the worker, beat)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M}"
