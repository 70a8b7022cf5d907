"""Membership identification (成员身份确认): rounds, named criteria, the people's entries, three postings, objections.

A round belongs to one association and has a base date (基准日). Its criteria are named rules in
order (membership.criteria); each person of the registry on the base date gets an entry whose
proposed status and deciding rule come from those rules, and an official may override it with a
reason. The list is posted three times (三榜公示); each posting keeps a frozen copy of the list as
published, so what was posted is never rewritten by a later change, and the changes between two
postings are the difference of two copies. After the third posting closes, the final list is
applied to the registry (membership.services.complete_round).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from collective.models import Household, Member, Organisation, User

POSTINGS = 3
MIN_PERIOD_DAYS = 7


class Status(models.TextChoices):
    MEMBER = "member", pgettext_lazy("membership status", "Member")
    NOT_MEMBER = "not_member", pgettext_lazy("membership status", "Not a member")


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> RoundQuerySet:
        """Rounds of the associations whose registry the user may read; a farmer's own association's."""
        if not user.is_authenticated:
            return self.none()
        if user.role == User.Role.FARMER:
            if not user.household_id:
                return self.none()
            return self.filter(association__households=user.household_id)
        return self.filter(association__in=Organisation.objects.visible_to(user).collectives())


class Round(models.Model):
    """One confirmation round (一轮成员身份确认) of an association on a base date."""

    class Stage(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTING = "posting", _("In public posting")
        COMPLETED = "completed", _("Completed: final list applied to the registry")

    association = models.ForeignKey(
        Organisation,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="membership_rounds",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVE},
    )
    title = models.CharField(_("title"), max_length=120)
    base_date = models.DateField(_("base date (基准日)"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, default=Stage.DRAFT)
    resolution = models.FileField(_("assembly resolution"), upload_to="membership/resolutions/%Y/", blank=True)
    resolution_adopted_on = models.DateField(_("resolution adopted on"), null=True, blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        User, verbose_name=_("completed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    objects = RoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership round")
        verbose_name_plural = _("membership rounds")
        ordering = ["association", "-base_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["association", "base_date"], name="membership_round_base_date_unique"),
            # One round at a time per association: a second waits until the first is completed.
            models.UniqueConstraint(
                fields=["association"], condition=~Q(stage="completed"), name="membership_one_open_round"
            ),
            models.CheckConstraint(
                condition=~Q(stage="completed") | Q(completed_on__isnull=False), name="membership_completed_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.association.code} {self.title}"

    @property
    def is_completed(self) -> bool:
        return self.stage == self.Stage.COMPLETED


class Criterion(models.Model):
    """One named rule of a round (membership.criteria.RULES), with the status it gives and its place."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="criteria")
    rule = models.CharField(_("rule"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Status)
    position = models.PositiveSmallIntegerField(_("order"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "rule"], name="membership_criterion_rule_unique"),
            models.UniqueConstraint(fields=["round", "position"], name="membership_criterion_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        from membership.criteria import RULES

        rule = RULES.get(self.rule)
        return str(rule.label) if rule else self.rule


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> EntryQuerySet:
        """Entries officials may read; a farmer reads their own household's, no other."""
        if not user.is_authenticated:
            return self.none()
        if user.role == User.Role.FARMER:
            return self.filter(household_id=user.household_id) if user.household_id else self.none()
        return self.filter(round__in=Round.objects.visible_to(user))


class Entry(models.Model):
    """A person on a round's list: the proposed status with the rule that decided it, and any override."""

    class Circumstance(models.TextChoices):
        STUDENT = "student", _("Registration moved out for school (在校学生)")
        SOLDIER = "soldier", _("Serving in the army (现役军人)")
        UXORILOCAL = "uxorilocal", _("Married in as a son-in-law (入赘)")
        MARRIED_OUT_STAYED = "married_out_stayed", _("Married out, registration still here (外嫁女未迁户口)")
        MARRIED_OUT = "married_out", _("Married out, registration moved (外嫁女已迁户口)")
        REGISTRATION_OUT = "registration_out", _("Household registration moved out (户籍迁出)")
        CIVIL_SERVANT = "civil_servant", _("Civil servant on the state payroll (国家公职人员)")

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name=_("household on the base date"), on_delete=models.PROTECT, related_name="+"
    )
    circumstances = models.JSONField(_("circumstances"), default=list, blank=True)
    proposed_status = models.CharField(_("proposed status"), max_length=16, choices=Status)
    proposed_rule = models.CharField(_("deciding rule"), max_length=32)
    override_status = models.CharField(_("status set by an official"), max_length=16, choices=Status, blank=True)
    override_reason = models.CharField(_("reason for the override"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        User, verbose_name=_("overridden by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = EntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["round", "household__code", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="membership_entry_member_unique"),
            models.CheckConstraint(
                condition=Q(override_status="") | ~Q(override_reason=""), name="membership_override_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status}"

    @property
    def status(self) -> str:
        return self.override_status or self.proposed_status

    @property
    def is_member(self) -> bool:
        return self.status == Status.MEMBER

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def rule_label(self) -> str:
        from membership.criteria import RULES

        if self.override_status:
            return str(_("Set by an official: %(reason)s") % {"reason": self.override_reason})
        rule = RULES.get(self.proposed_rule)
        return str(rule.label) if rule else self.proposed_rule


class PostingQuerySet(models.QuerySet):
    def visible_to(self, user) -> PostingQuerySet:
        return self.filter(round__in=Round.objects.visible_to(user))


class Posting(models.Model):
    """One of the three public postings (三榜) of a round, open for objections for at least its period."""

    class Number(models.IntegerChoices):
        PRELIMINARY = 1, _("First posting: the preliminary list (初榜)")
        REVISED = 2, _("Second posting: the revised list (二榜)")
        FINAL = 3, _("Third posting: the final list (三榜)")

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="postings")
    number = models.PositiveSmallIntegerField(_("posting"), choices=Number)
    published_on = models.DateField(_("published on"))
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    # published_on + period_days, kept so the database itself refuses an early close.
    closes_on = models.DateField(_("open for objections until"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    published_by = models.ForeignKey(User, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+")
    closed_by = models.ForeignKey(
        User, verbose_name=_("closed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The list as published: [{"entry", "member", "name", "household", "masked_id", "sex", "status", "rule"}].
    snapshot = models.JSONField(_("the list as published"), default=list, editable=False)

    objects = PostingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["snapshot"])

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="membership_posting_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=POSTINGS), name="membership_three_postings"
            ),
            models.CheckConstraint(condition=Q(period_days__gte=MIN_PERIOD_DAYS), name="membership_posting_min_period"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("published_on")), name="membership_closes_after_publish"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("closes_on")),
                name="membership_posting_closed_after_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.number}"

    @staticmethod
    def closing_day(published_on, period_days: int):
        """The first day a posting published on a day may be closed: after period_days full days."""
        return published_on + timedelta(days=period_days)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def members_count(self) -> int:
        return sum(1 for row in self.snapshot if row["status"] == Status.MEMBER)


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ObjectionQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.role == User.Role.FARMER:
            return self.filter(household_id=user.household_id) if user.household_id else self.none()
        return self.filter(posting__round__in=Round.objects.visible_to(user))

    def unanswered(self) -> ObjectionQuerySet:
        return self.filter(answered_at__isnull=True)


class Objection(models.Model):
    """An objection (异议) to a posted list, by a farmer in the portal or by an official from paper."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the list is corrected")
        REJECTED = "rejected", _("Not upheld")

    posting = models.ForeignKey(Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="objections")
    household = models.ForeignKey(
        Household, verbose_name=_("household objecting"), on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(
        Entry,
        verbose_name=_("person concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
    )
    text = models.TextField(_("objection"), max_length=1000)
    on_paper = models.BooleanField(_("lodged on paper, recorded by an official"), default=False)
    lodged_by = models.ForeignKey(User, verbose_name=_("lodged by"), on_delete=models.PROTECT, related_name="+")
    lodged_at = models.DateTimeField(_("lodged at"), auto_now_add=True)
    answer = models.TextField(_("answer"), max_length=1000, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name=_("answered by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-lodged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | (~Q(answer="") & ~Q(outcome="")),
                name="membership_objection_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.text[:40]}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class RestorationQuerySet(models.QuerySet):
    def visible_to(self, user) -> RestorationQuerySet:
        """Officials of the member's association, and the township; no farmer reads the log."""
        if not user.is_authenticated or user.role == User.Role.FARMER:
            return self.none()
        return self.filter(member__association__in=Organisation.objects.visible_to(user).collectives())


class Restoration(models.Model):
    """A ceased membership restored (恢复成员身份): ended by mistake, or an objection upheld after the final list.

    Keeps what was annulled (the date, reason and note of the cessation) beside who restored it and why;
    the member's own row loses its cessation, and Member's history records the change with the reason.
    """

    member = models.ForeignKey(Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    ceased_on = models.DateField(_("membership had ceased on"))
    cease_reason = models.CharField(_("reason it had ceased"), max_length=16, choices=Member.CeaseReason)
    cease_note = models.CharField(_("note on ceasing"), max_length=200, blank=True)
    reason = models.CharField(_("reason for restoring"), max_length=300)
    objection = models.ForeignKey(
        Objection,
        verbose_name=_("objection upheld"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restorations",
    )
    restored_by = models.ForeignKey(User, verbose_name=_("restored by"), on_delete=models.PROTECT, related_name="+")
    restored_at = models.DateTimeField(_("restored at"), auto_now_add=True)

    objects = RestorationQuerySet.as_manager()

    class Meta:
        verbose_name = _("restored membership")
        verbose_name_plural = _("restored memberships")
        ordering = ["-restored_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="membership_restoration_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.restored_at:%Y-%m-%d}"
