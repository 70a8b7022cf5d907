"""Quantification (股权量化): the rule, its preview and its commitment as one issue of shares."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from collective.models import (
    Household,
    Member,
    MemberMove,
    Organisation,
    ShareEvent,
    ShareType,
    User,
)
from collective.services.events import _append_event, _check_effective_date, _Line
from collective.services.registry import ZERO


@dataclass(frozen=True)
class QuantificationRule:
    """How an association's initial shares are issued from its roster on a base date (基准日).

    Each member in membership on the base date gets population_per_member shares of population_type;
    each gets labour_per_year shares of labour_type per year of age between labour_from_age and
    labour_to_age completed by the base date; the association holds collective_quantity of
    collective_type.
    """

    base_date: date
    population_type: ShareType | None = None
    population_per_member: Decimal = Decimal(1)
    labour_type: ShareType | None = None
    labour_from_age: int = 16
    labour_to_age: int = 60
    labour_per_year: Decimal = Decimal(1)
    collective_type: ShareType | None = None
    collective_quantity: Decimal = ZERO
    # When given, only these members are counted: a confirmed membership list (membership.services
    # passes a completed round's final list); None counts every member in membership on the base date.
    members: frozenset[int] | None = None

    def as_details(self) -> dict:
        def code(share_type: ShareType | None) -> str | None:
            return share_type.code if share_type else None

        return {
            "base_date": self.base_date.isoformat(),
            "population_type": code(self.population_type),
            "population_per_member": str(self.population_per_member),
            "labour_type": code(self.labour_type),
            "labour_from_age": self.labour_from_age,
            "labour_to_age": self.labour_to_age,
            "labour_per_year": str(self.labour_per_year),
            "collective_type": code(self.collective_type),
            "collective_quantity": str(self.collective_quantity),
            **({"members_listed": len(self.members)} if self.members is not None else {}),
        }


@dataclass(frozen=True)
class QuantificationLine:
    household_id: int
    household_code: str
    head_name: str
    members_counted: int
    labour_years: int
    population: Decimal
    labour: Decimal


@dataclass(frozen=True)
class SkippedMember:
    """A member in membership on the base date who is not counted, and why."""

    member_id: int
    name: str
    household_code: str
    reason: str


@dataclass(frozen=True)
class QuantificationPreview:
    rule: QuantificationRule
    lines: list[QuantificationLine]
    skipped: list[SkippedMember]
    members_counted: int
    labour_years: int
    population_total: Decimal
    labour_total: Decimal
    collective_quantity: Decimal
    digest: str = field(default="")


def labour_years(*, age: int | None, from_age: int, to_age: int) -> int:
    """Return the years of working age (from_age up to to_age) completed by someone of this age."""
    if age is None:
        return 0
    return max(0, min(age, to_age) - from_age)


def _check_rule(association: Organisation, rule: QuantificationRule) -> None:
    _check_effective_date(rule.base_date)
    if not (rule.population_type or rule.labour_type or rule.collective_type):
        raise ValidationError(_("Choose at least one share type to issue."), code="no_type")
    for share_type in (rule.population_type, rule.labour_type, rule.collective_type):
        if share_type is not None and share_type.association_id != association.pk:
            raise ValidationError(
                _("The share type %(share_type)s belongs to another association."),
                code="foreign_share_type",
                params={"share_type": share_type.name},
            )
    for share_type in (rule.population_type, rule.labour_type):
        if share_type is not None and share_type.is_collective:
            raise ValidationError(
                _("%(share_type)s is held by the association itself, not by a household."),
                code="collective_type",
                params={"share_type": share_type.name},
            )
    if rule.collective_type is not None and not rule.collective_type.is_collective:
        raise ValidationError(
            _("%(share_type)s is held by households; the association cannot hold it."),
            code="household_type",
            params={"share_type": rule.collective_type.name},
        )
    if rule.labour_type is not None and not 0 <= rule.labour_from_age < rule.labour_to_age:
        raise ValidationError(_("The working age must start before it ends."), code="ages")
    if min(rule.population_per_member, rule.labour_per_year, rule.collective_quantity) < 0:
        raise ValidationError(_("A number of shares cannot be negative."), code="negative")
    first = ShareEvent.objects.filter(association=association).order_by("effective_date", "pk").first()
    if first is not None:
        raise ValidationError(
            _(
                "The registry of this association has share events already (the first on %(date)s). "
                "Quantification is done once, on an empty registry: record later changes as share events."
            ),
            code="already_quantified",
            params={"date": first.effective_date.isoformat()},
        )


def preview_quantification(*, association: Organisation, rule: QuantificationRule) -> QuantificationPreview:
    """Compute, without writing anything, the shares each household would be issued under a rule."""
    _check_rule(association, rule)
    base = rule.base_date
    households = {
        household.pk: household
        for household in Household.objects.filter(association=association).select_related("head")
    }
    # Members who moved after the base date counted in the household they were in on that date.
    household_on_base: dict[int, int] = {}
    for member_id, from_household_id in (
        MemberMove.objects.filter(member__association=association, moved_on__gt=base)
        .order_by("-moved_on", "-pk")
        .values_list("member_id", "from_household_id")
    ):
        household_on_base[member_id] = from_household_id
    counted: dict[int, int] = defaultdict(int)
    years: dict[int, int] = defaultdict(int)
    skipped = []
    members = Member.objects.filter(association=association).in_membership_on(base).order_by("pk")
    for member in members.only("pk", "name", "household_id", "birth_date"):
        if rule.members is not None and member.pk not in rule.members:
            continue
        household_id = household_on_base.get(member.pk, member.household_id)
        household = households[household_id]
        if (household.established_on and household.established_on > base) or (
            household.dissolved_on and household.dissolved_on <= base
        ):
            reason = _(
                "Household %(code)s did not exist on the base date, and no move from another household is recorded."
            )
            skipped.append(
                SkippedMember(
                    member_id=member.pk,
                    name=member.name,
                    household_code=household.code,
                    reason=str(reason % {"code": household.code}),
                )
            )
            continue
        counted[household_id] += 1
        years[household_id] += labour_years(
            age=member.age_on(base), from_age=rule.labour_from_age, to_age=rule.labour_to_age
        )
    lines = []
    for household_id in sorted(counted, key=lambda pk: households[pk].code):
        household = households[household_id]
        lines.append(
            QuantificationLine(
                household_id=household_id,
                household_code=household.code,
                head_name=household.head.name if household.head else "",
                members_counted=counted[household_id],
                labour_years=years[household_id],
                population=counted[household_id] * rule.population_per_member if rule.population_type else ZERO,
                labour=years[household_id] * rule.labour_per_year if rule.labour_type else ZERO,
            )
        )
    collective = rule.collective_quantity if rule.collective_type else ZERO
    digest = hashlib.sha256(
        repr(
            (
                rule.as_details(),
                [(ln.household_id, str(ln.population), str(ln.labour)) for ln in lines],
                [member.member_id for member in skipped],
                str(collective),
            )
        ).encode()
    ).hexdigest()
    return QuantificationPreview(
        rule=rule,
        lines=lines,
        skipped=skipped,
        members_counted=sum(counted.values()),
        labour_years=sum(years.values()),
        population_total=sum((line.population for line in lines), ZERO),
        labour_total=sum((line.labour for line in lines), ZERO),
        collective_quantity=collective,
        digest=digest,
    )


@transaction.atomic
def commit_quantification(
    *,
    association: Organisation,
    rule: QuantificationRule,
    expected_digest: str | None = None,
    recorded_by: User | None = None,
    note: str = "",
) -> ShareEvent:
    """Issue the shares of a quantification as one event on the base date.

    With expected_digest (from the preview the official checked), refuse when the roster changed since.
    """
    # Serialise quantifications of one association: the check for an earlier one must see the other's row.
    Organisation.objects.select_for_update().filter(pk=association.pk).first()
    preview = preview_quantification(association=association, rule=rule)
    if expected_digest is not None and preview.digest != expected_digest:
        raise ValidationError(
            _("The roster changed since the preview. Check the new preview before issuing the shares."),
            code="stale_preview",
        )
    households = Household.objects.in_bulk([line.household_id for line in preview.lines])
    lines: list[_Line] = []
    for line in preview.lines:
        household = households[line.household_id]
        if rule.population_type and line.population:
            lines.append(_Line(household, rule.population_type, line.population))
        if rule.labour_type and line.labour:
            lines.append(_Line(household, rule.labour_type, line.labour))
    if rule.collective_type and preview.collective_quantity:
        lines.append(_Line(None, rule.collective_type, preview.collective_quantity))
    return _append_event(
        association=association,
        kind=ShareEvent.Kind.ISSUE,
        effective_date=rule.base_date,
        base_date=rule.base_date,
        lines=lines,
        note=note or str(_("Quantification on the base date")),
        recorded_by=recorded_by,
        details=rule.as_details(),
    )
