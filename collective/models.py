from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from collective.crypto import decrypt, encrypt, keyed_hash, mask
from collective.identifiers import normalise_identifier


class OrganisationQuerySet(models.QuerySet):
    def collectives(self) -> OrganisationQuerySet:
        return self.filter(kind=Organisation.Kind.COLLECTIVE)

    def companies(self) -> OrganisationQuerySet:
        return self.filter(kind=Organisation.Kind.COMPANY)

    def visible_to(self, user) -> OrganisationQuerySet:
        """Return the organisations whose records this user (or API key principal) may read.

        The township, the accountant and superusers read all of them; a village official (or a key for one
        association) their association; the pear association's staff their own; a farmer none, as a farmer
        sees their household, not the association's records.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT):
            return self
        if user.role in (User.Role.VILLAGE, User.Role.ASSOCIATION_STAFF) and user.organisation_id:
            return self.filter(pk=user.organisation_id)
        return self.none()


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

    @property
    def needs_second_factor(self) -> bool:
        """Who can reveal an ID, export a bank file or approve a run signs in with a second factor.

        Association staff and farmers can do none of these and keep the password alone.
        """
        return self.is_superuser or self.role in (self.Role.TOWNSHIP, self.Role.VILLAGE, self.Role.ACCOUNTANT)


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

    def active_on(self, day: date) -> HouseholdQuerySet:
        """Households that existed on a day (established by then and not yet dissolved)."""
        return self.filter(Q(established_on__isnull=True) | Q(established_on__lte=day)).filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
        )


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
    head = models.ForeignKey(
        "collective.Member",
        verbose_name=_("head of household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    established_on = models.DateField(
        _("established on"), null=True, blank=True, help_text=_("Leave empty when it is not known.")
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    certificate_number = models.CharField(_("share certificate number"), max_length=40, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_encrypted = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    masked_bank_account = models.CharField(_("bank account"), max_length=40, blank=True, editable=False)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = HouseholdQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=models.F("established_on")),
                name="household_dissolved_after_established",
            ),
        ]
        # Lists of payouts and other lines are ordered by their household's code: this lets PostgreSQL
        # read each code by key from the index alone (docs/scaling.md), not the wide household rows.
        indexes = [models.Index(fields=["id", "code"], name="household_id_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def bank_account(self) -> str:
        """The plain bank account number, for the payment batch only; pages show masked_bank_account."""
        return decrypt(self.bank_account_encrypted)

    @bank_account.setter
    def bank_account(self, value: str) -> None:
        value = normalise_identifier(value).value
        value = "".join((value or "").split())
        self.bank_account_encrypted = encrypt(value)
        self.masked_bank_account = mask(value, keep_start=4, keep_end=4)

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def certificate_label(self) -> str:
        """The certificate number, or one made from the household code when none was issued on paper."""
        return self.certificate_number or f"GQZ-{self.code}"


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MemberQuerySet:
        """Return the members of the households this user may see."""
        return self.filter(household__in=Household.objects.visible_to(user))

    def in_membership_on(self, day: date) -> MemberQuerySet:
        """Members born, joined and not yet ceased (by death, moving away, ...) on a day."""
        return self.filter(
            Q(birth_date__isnull=True) | Q(birth_date__lte=day),
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(ceased_on__isnull=True) | Q(ceased_on__gt=day),
        )

    def with_id_number(self, number: str) -> MemberQuerySet:
        """Members whose resident ID number is this one (found through the keyed hash)."""
        return self.filter(id_number_hash=keyed_hash(normalise_identifier(number).value))


class Member(models.Model):
    """A member (成员) of a household; in one household at a time, moves recorded as MemberMove."""

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        GRANDCHILD = "grandchild", _("Grandchild")
        PARENT = "parent", _("Parent")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other relative")

    class CeaseReason(models.TextChoices):
        DEATH = "death", _("Death")
        MOVED_AWAY = "moved_away", _("Moved away")
        MARRIED_OUT = "married_out", _("Married out")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    # The household's association, kept here so ID numbers can be unique per association in the database.
    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number (keyed hash)"), max_length=64, blank=True, editable=False)
    masked_id_number = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    id_number_last4 = models.CharField(
        _("last four characters of the ID number"), max_length=4, blank=True, editable=False, db_index=True
    )
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation, default=Relation.OTHER)
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    ceased_on = models.DateField(_("membership ceased on"), null=True, blank=True)
    cease_reason = models.CharField(_("reason membership ceased"), max_length=16, choices=CeaseReason, blank=True)
    cease_note = models.CharField(_("note on ceasing"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="member_id_number_unique_per_association",
            ),
            models.CheckConstraint(
                condition=(Q(ceased_on__isnull=True) & Q(cease_reason=""))
                | (Q(ceased_on__isnull=False) & ~Q(cease_reason="")),
                name="member_ceased_with_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Callers that only know the household (as the land app's labour records do) still get a valid row.
        if self.association_id is None and self.household_id is not None:
            self.association_id = Household.objects.values_list("association_id", flat=True).get(pk=self.household_id)
        super().save(*args, **kwargs)

    @property
    def id_number(self) -> str:
        """The plain resident ID number: only for an audited reveal (collective.services.reveal_id_number)."""
        return decrypt(self.id_number_encrypted)

    @id_number.setter
    def id_number(self, value: str) -> None:
        value = normalise_identifier(value).value
        value = (value or "").strip()
        self.id_number_encrypted = encrypt(value)
        self.id_number_hash = keyed_hash(value)
        self.masked_id_number = mask(value)
        self.id_number_last4 = value[-4:]

    @property
    def is_in_membership(self) -> bool:
        return self.ceased_on is None

    def age_on(self, day: date) -> int | None:
        """Completed years of age on a day."""
        if self.birth_date is None:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class MemberMove(models.Model):
    """A member moving from one household to another of the same association, with the date."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="moves")
    from_household = models.ForeignKey(
        Household, verbose_name=_("from household"), on_delete=models.PROTECT, related_name="moves_out"
    )
    to_household = models.ForeignKey(
        Household, verbose_name=_("to household"), on_delete=models.PROTECT, related_name="moves_in"
    )
    moved_on = models.DateField(_("moved on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "collective.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member move")
        verbose_name_plural = _("member moves")
        ordering = ["moved_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_household=models.F("to_household")), name="member_move_changes_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.from_household} -> {self.to_household} @ {self.moved_on}"


class ShareTypeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ShareTypeQuerySet:
        """Share types of the associations whose registry this user may see."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(association_id=user.organisation_id)
        if user.role == User.Role.FARMER and user.household_id:
            return self.filter(association__households=user.household_id)
        return self.none()


class ShareType(models.Model):
    """A kind of share an association issues (人口股, 劳龄股, 集体股, ...), with its dividend weight."""

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="share_types",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    code = models.SlugField(_("code"), max_length=32, help_text=_("For example population, labour or collective."))
    name = models.CharField(_("name"), max_length=64)
    weight = models.DecimalField(
        _("weight"),
        max_digits=12,
        decimal_places=4,
        help_text=_("Each share of this type counts this much in a dividend split."),
    )
    is_collective = models.BooleanField(
        _("held by the association"),
        default=False,
        help_text=_("A collective share (集体股) is held by the association itself, not by a household."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ShareTypeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("share type")
        verbose_name_plural = _("share types")
        ordering = ["association", "is_collective", "code"]
        constraints = [
            models.UniqueConstraint(fields=["association", "code"], name="share_type_code_unique_per_association"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="share_type_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ShareEventQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ShareEventQuerySet:
        """Share events of the associations whose registry this user may see."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in (User.Role.TOWNSHIP, User.Role.ACCOUNTANT):
            return self
        if user.role == User.Role.VILLAGE:
            return self.filter(association_id=user.organisation_id)
        if user.role == User.Role.FARMER and user.household_id:
            return self.filter(lines__household_id=user.household_id).distinct()
        return self.none()


class ShareEvent(models.Model):
    """One change to the share registry, never edited in place: holdings are the sums of the lines."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issue")
        TRANSFER = "transfer", _("Transfer")
        INHERITANCE = "inheritance", _("Inheritance")
        SPLIT = "split", _("Household split")
        MERGE = "merge", _("Household merge")
        CANCELLATION = "cancellation", _("Cancellation")

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="share_events",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    effective_date = models.DateField(_("effective date"))
    base_date = models.DateField(
        _("base date"), null=True, blank=True, help_text=_("Set on the issue of a quantification (基准日).")
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="share_events",
        help_text=_("For an inheritance: the member who died."),
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        "collective.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ShareEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("share event")
        verbose_name_plural = _("share events")
        ordering = ["effective_date", "pk"]
        indexes = [models.Index(fields=["association", "effective_date"], name="share_event_assoc_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} @ {self.effective_date}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A share event is never changed: record a new event (collective.services).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A share event is never deleted: record a cancelling event (collective.services).")


# Share quantities and share-type weights have four decimals. Summed in SQL, each is first made a whole
# number of ten-thousandths (QuantityUnits), so the sum is an exact integer on both databases: SQLite
# stores a DECIMAL column as a REAL and SUM() of REALs drifts (1.0001 - 1 gives 0.000099999999999989);
# PostgreSQL's numeric is exact either way. docs/distribution.md, "Exact share quantities".
QUANTITY_SCALE = 10_000


class QuantityUnits(models.Func):
    """A four-decimal column as a whole number of ten-thousandths, exactly, on either database.

    On SQLite the stored REAL is the nearest double to a decimal of at most 14 significant digits,
    so value * 10000 lies within far less than 0.5 of the whole number it stands for and ROUND()
    recovers that number exactly; on PostgreSQL numeric * 10000 is already whole.
    """

    template = "CAST(ROUND(%(expressions)s * 10000) AS BIGINT)"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="CAST(ROUND(%(expressions)s * 10000) AS INTEGER)", **extra_context
        )


def quantity_from_units(units: int | None) -> Decimal:
    """Ten-thousandths of a share (an exact SQL sum of QuantityUnits) as a four-decimal Decimal."""
    return Decimal(units or 0).scaleb(-4)


class ShareEventLine(models.Model):
    """A change in one holding: a household's (or, with no household, the association's) shares of a type.

    Lines are written once with their event and never changed, so the ledger itself is their history.
    """

    event = models.ForeignKey(ShareEvent, verbose_name=_("event"), on_delete=models.PROTECT, related_name="lines")
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="share_lines",
        help_text=_("Empty for the association's own collective holding."),
    )
    share_type = models.ForeignKey(
        ShareType, verbose_name=_("share type"), on_delete=models.PROTECT, related_name="lines"
    )
    quantity_delta = models.DecimalField(_("change in shares"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("share event line")
        verbose_name_plural = _("share event lines")
        ordering = ["event", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity_delta=0), name="share_line_changes_something"),
        ]

    def __str__(self) -> str:
        return f"{self.household or '-'} {self.share_type} {self.quantity_delta:+}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A share event line is never changed: record a new event (collective.services).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A share event line is never deleted: record a cancelling event (collective.services).")


class PiiReveal(models.Model):
    """An official looked at a plain resident ID or bank account number: who, whose, what, when."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        BANK_ACCOUNT = "bank_account", _("Bank account")

    user = models.ForeignKey("collective.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    field = models.CharField(_("field"), max_length=16, choices=Field)
    created_at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.field} {self.household} @ {self.created_at:%Y-%m-%d %H:%M}"


class SecondFactorEvent(models.Model):
    """What happened to an official's second factor, and who did it: the audit of enrolments and resets."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled an authenticator app")
        RECOVERY_CODE_USED = "recovery_code_used", _("Signed in with a recovery code")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Made new recovery codes")
        RESET = "reset", _("Second factor reset")

    user = models.ForeignKey(
        "collective.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="second_factor_events"
    )
    kind = models.CharField(_("event"), max_length=24, choices=Kind)
    actor = models.ForeignKey("collective.User", verbose_name=_("done by"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("second-factor event")
        verbose_name_plural = _("second-factor events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} by {self.actor} @ {self.created_at:%Y-%m-%d %H:%M}"


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


class ApiKeyPrincipal:
    """Who an API key acts as: the role its scope stands for, so every `.visible_to(user)` scopes it.

    A key for the township reads what a township official reads; a key for one association what
    that association's village official reads; a key for the pear association what its staff read.
    It is never a superuser or staff, has no household, and cannot log in to the pages.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    household_id = None
    household = None
    pk = None
    id = None

    ROLE_BY_KIND = {
        Organisation.Kind.TOWNSHIP: User.Role.TOWNSHIP,
        Organisation.Kind.COLLECTIVE: User.Role.VILLAGE,
        Organisation.Kind.SOCIAL: User.Role.ASSOCIATION_STAFF,
    }

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.key_id = key.pk
        self.organisation_id = key.organisation_id
        self.organisation = key.organisation
        self.role = self.ROLE_BY_KIND[key.organisation.kind]
        self.username = f"api-key:{key.prefix}"

    def __str__(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj=None) -> bool:
        import rules

        return rules.has_perm(perm, self, obj)

    @property
    def is_township_official(self) -> bool:
        return self.role == User.Role.TOWNSHIP

    @property
    def is_village_official(self) -> bool:
        return self.role == User.Role.VILLAGE

    @property
    def is_accountant(self) -> bool:
        return False

    @property
    def is_association_staff(self) -> bool:
        return self.role == User.Role.ASSOCIATION_STAFF

    @property
    def is_farmer(self) -> bool:
        return False


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user) -> ApiKeyQuerySet:
        """Township officials manage the reporting keys; nobody else sees them."""
        if not user.is_authenticated or getattr(user, "role", None) != User.Role.TOWNSHIP:
            return self.none()
        return self


class ApiKey(models.Model):
    """A key a reporting client sends as `Authorization: Api-Key …`, read-only, scoped to an organisation.

    Only the SHA-256 of the key is stored; the short public prefix finds the row. The key itself is
    shown once, when it is created (collective.services.accounts.create_api_key).
    """

    SCOPE_KINDS = (Organisation.Kind.TOWNSHIP, Organisation.Kind.COLLECTIVE, Organisation.Kind.SOCIAL)

    name = models.CharField(
        _("name"), max_length=100, help_text=_("Who uses the key, for example the station's reporting system.")
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="api_keys",
        limit_choices_to={"kind__in": SCOPE_KINDS},
        help_text=_("The township (all nine associations) or one association."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        "collective.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        "collective.User",
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False), name="api_key_revoked_by_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_township_scope(self) -> bool:
        return self.organisation.kind == Organisation.Kind.TOWNSHIP

    def principal(self) -> ApiKeyPrincipal:
        return ApiKeyPrincipal(self)
