"""Registry operations: households and members, the share ledger, quantification, the registry as of a date.

Every change to holdings is a ShareEvent appended by one of the functions below, which check the
rules inside one transaction with the households concerned locked (select_for_update), so two
officials recording at once cannot take the same shares twice. Callers check permissions first
(collective.rules); these functions check the registry's own rules and raise ValidationError with
a message for people.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from collective.models import (
    Heartbeat,
    Household,
    Member,
    MemberMove,
    Organisation,
    PiiReveal,
    QuantityUnits,
    ShareEvent,
    ShareEventLine,
    ShareType,
    User,
    quantity_from_units,
)
from collective.resident_id import validate_id_number

ZERO = Decimal(0)


def record_heartbeat(*, name: str) -> Heartbeat:
    """Record that a background process named `name` is alive now."""
    heartbeat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
    return heartbeat


def format_shares(quantity: Decimal | int | None) -> str:
    """Return a share quantity without trailing zeros: Decimal('12.5000') -> '12.5'."""
    if quantity is None:
        return ""
    text = f"{Decimal(quantity):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --- The registry as of a date -------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """What one holder held of one share type on a date. household_id None: the association's collective holding."""

    household_id: int | None
    household_code: str | None
    share_type_id: int
    share_type_code: str
    weight: Decimal
    quantity: Decimal


def _holding_sort_key(holding: Holding) -> tuple:
    # The association's own line sorts last, as in the dividend split.
    return (holding.household_code is None, holding.household_code or "", holding.share_type_code)


def registries_as_of(*, associations: Iterable[Organisation], as_of: date) -> dict[int, list[Holding]]:
    """Return {association id: its non-zero holdings on a date}, summed in the database in one query."""
    association_ids = [association.pk for association in associations]
    result: dict[int, list[Holding]] = {association_id: [] for association_id in association_ids}
    if not association_ids:
        return result
    rows = (
        ShareEventLine.objects.filter(event__association_id__in=association_ids, event__effective_date__lte=as_of)
        .values(
            "event__association_id",
            "household_id",
            "household__code",
            "share_type_id",
            "share_type__code",
            "share_type__weight",
        )
        .annotate(units=Sum(QuantityUnits("quantity_delta")))
        .exclude(units=0)
        .order_by()
    )
    for row in rows:
        result[row["event__association_id"]].append(
            Holding(
                household_id=row["household_id"],
                household_code=row["household__code"],
                share_type_id=row["share_type_id"],
                share_type_code=row["share_type__code"],
                weight=row["share_type__weight"],
                quantity=quantity_from_units(row["units"]),
            )
        )
    for holdings in result.values():
        holdings.sort(key=_holding_sort_key)
    return result


def registry_as_of(*, association: Organisation, as_of: date) -> list[Holding]:
    """Return the association's non-zero holdings on a date (households, then its own collective holding)."""
    return registries_as_of(associations=[association], as_of=as_of)[association.pk]


def household_holdings(*, household: Household, as_of: date) -> list[Holding]:
    """Return one household's non-zero holdings on a date."""
    rows = (
        ShareEventLine.objects.filter(household=household, event__effective_date__lte=as_of)
        .values("share_type_id", "share_type__code", "share_type__weight")
        .annotate(units=Sum(QuantityUnits("quantity_delta")))
        .exclude(units=0)
        .order_by("share_type__code")
    )
    return [
        Holding(
            household_id=household.pk,
            household_code=household.code,
            share_type_id=row["share_type_id"],
            share_type_code=row["share_type__code"],
            weight=row["share_type__weight"],
            quantity=quantity_from_units(row["units"]),
        )
        for row in rows
    ]


def _holdings_by_type(*, household: Household, as_of: date) -> dict[int, Decimal]:
    return {holding.share_type_id: holding.quantity for holding in household_holdings(household=household, as_of=as_of)}


# --- Appending events: the rules every event obeys -------------------------------------------------


@dataclass(frozen=True)
class _Line:
    household: Household | None
    share_type: ShareType
    delta: Decimal


def _holder_label(household: Household | None):
    return household.code if household is not None else _("the association (collective holding)")


def _check_effective_date(effective_date: date) -> None:
    if effective_date > timezone.localdate():
        raise ValidationError(
            _("The effective date %(date)s is in the future: record an event on or after the day it happens."),
            code="future_date",
            params={"date": effective_date.isoformat()},
        )


def _check_household_exists_on(household: Household, day: date) -> None:
    if household.established_on is not None and day < household.established_on:
        raise ValidationError(
            _("Household %(household)s was established on %(established)s, after the effective date %(date)s."),
            code="before_household",
            params={
                "household": household.code,
                "established": household.established_on.isoformat(),
                "date": day.isoformat(),
            },
        )
    if household.dissolved_on is not None and day >= household.dissolved_on:
        raise ValidationError(
            _("Household %(household)s was dissolved on %(dissolved)s: it can have no share events from that day on."),
            code="after_household",
            params={"household": household.code, "dissolved": household.dissolved_on.isoformat()},
        )


def _lock_households(households: Iterable[Household]) -> dict[int, Household]:
    """Lock the households' rows (in id order, so two transactions never wait on each other) and re-read them."""
    ids = sorted({household.pk for household in households})
    if not ids:
        return {}
    return {
        household.pk: household for household in Household.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def _check_not_below_zero(*, association: Organisation, lines: Sequence[_Line], effective_date: date) -> None:
    """Refuse lines that would take any holding below zero, on the effective date or on any later event date."""
    keys = {(line.household.pk if line.household else None, line.share_type.pk) for line in lines if line.delta < 0}
    if not keys:
        return
    household_ids = {household_id for household_id, _type in keys if household_id is not None}
    holder = Q(household_id__in=household_ids)
    if any(household_id is None for household_id, _type in keys):
        holder |= Q(household__isnull=True)
    rows = (
        ShareEventLine.objects.filter(holder, event__association=association, share_type_id__in={t for _h, t in keys})
        .values_list("household_id", "share_type_id", "event__effective_date")
        .annotate(units=Sum(QuantityUnits("quantity_delta")))
        .order_by()
    )
    by_key: dict[tuple, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for household_id, share_type_id, day, units in rows:
        if (household_id, share_type_id) in keys:
            by_key[household_id, share_type_id][day] += quantity_from_units(units)
    new_by_key: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        new_by_key[line.household.pk if line.household else None, line.share_type.pk] += line.delta
    for line in lines:
        key = (line.household.pk if line.household else None, line.share_type.pk)
        if key not in keys:
            continue
        keys.discard(key)
        days = by_key[key]
        before = sum((total for day, total in days.items() if day <= effective_date), ZERO)
        if before + new_by_key[key] < 0:
            raise ValidationError(
                _(
                    "%(holder)s holds %(held)s %(share_type)s on %(date)s, "
                    "less than the %(quantity)s this event takes away."
                ),
                code="below_zero",
                params={
                    "holder": _holder_label(line.household),
                    "held": format_shares(before),
                    "share_type": line.share_type.name,
                    "date": effective_date.isoformat(),
                    "quantity": format_shares(-new_by_key[key]),
                },
            )
        balance = before + new_by_key[key]
        for day in sorted(day for day in days if day > effective_date):
            balance += days[day]
            if balance < 0:
                raise ValidationError(
                    _(
                        "After this event, the events recorded later would leave %(holder)s with %(balance)s "
                        "%(share_type)s on %(date)s: a holding cannot fall below zero."
                    ),
                    code="below_zero_later",
                    params={
                        "holder": _holder_label(line.household),
                        "balance": format_shares(balance),
                        "share_type": line.share_type.name,
                        "date": day.isoformat(),
                    },
                )


# Checks the apps above this one add to every share event, each called as check(association=, effective_date=)
# and raising ValidationError to refuse it (dividends: no event on or before an approved run's record date).
# Registered in the apps' AppConfig.ready(), so collective never imports them.
share_event_checks: list[Callable[..., None]] = []


def _append_event(
    *,
    association: Organisation,
    kind: str,
    effective_date: date,
    lines: Sequence[_Line],
    note: str = "",
    recorded_by: User | None = None,
    member: Member | None = None,
    base_date: date | None = None,
    details: dict | None = None,
) -> ShareEvent:
    """Check the rules every event obeys and write it with its lines. Call inside transaction.atomic."""
    _check_effective_date(effective_date)
    for check in share_event_checks:
        check(association=association, effective_date=effective_date)
    lines = [line for line in lines if line.delta != 0]
    if not lines:
        raise ValidationError(_("This event changes no holding."), code="empty")
    for line in lines:
        if line.share_type.association_id != association.pk:
            raise ValidationError(
                _("The share type %(share_type)s belongs to another association."),
                code="foreign_share_type",
                params={"share_type": line.share_type.name},
            )
        if line.household is not None and line.household.association_id != association.pk:
            raise ValidationError(
                _("Household %(household)s belongs to another association: shares move only inside one association."),
                code="foreign_household",
                params={"household": line.household.code},
            )
        if line.share_type.is_collective and line.household is not None:
            raise ValidationError(
                _("%(share_type)s is held by the association itself, not by a household."),
                code="collective_type",
                params={"share_type": line.share_type.name},
            )
        if not line.share_type.is_collective and line.household is None:
            raise ValidationError(
                _("%(share_type)s is held by households; the association cannot hold it."),
                code="household_type",
                params={"share_type": line.share_type.name},
            )
    taking = [line.household for line in lines if line.delta < 0 and line.household is not None]
    locked = _lock_households(taking)
    if any(line.delta < 0 and line.household is None for line in lines):
        # The collective holding has no household row to lock: the association's row stands for it.
        Organisation.objects.select_for_update().filter(pk=association.pk).first()
    checked = set()
    for line in lines:
        if line.household is not None and line.household.pk not in checked:
            checked.add(line.household.pk)
            _check_household_exists_on(locked.get(line.household.pk, line.household), effective_date)
    _check_not_below_zero(association=association, lines=lines, effective_date=effective_date)
    event = ShareEvent.objects.create(
        association=association,
        kind=kind,
        effective_date=effective_date,
        base_date=base_date,
        member=member,
        note=note,
        details=details or {},
        recorded_by=recorded_by,
    )
    ShareEventLine.objects.bulk_create(
        ShareEventLine(event=event, household=line.household, share_type=line.share_type, quantity_delta=line.delta)
        for line in lines
    )
    return event


def _positive(quantity: Decimal) -> Decimal:
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationError(_("Enter a number of shares greater than zero."), code="not_positive")
    return quantity


# --- The share events ---------------------------------------------------------------------------


@transaction.atomic
def issue_shares(
    *,
    association: Organisation,
    household: Household | None,
    share_type: ShareType,
    quantity: Decimal,
    effective_date: date,
    note: str = "",
    recorded_by: User | None = None,
) -> ShareEvent:
    """Issue new shares to a household, or (household None) to the association's collective holding."""
    line = _Line(household, share_type, _positive(quantity))
    return _append_event(
        association=association,
        kind=ShareEvent.Kind.ISSUE,
        effective_date=effective_date,
        lines=[line],
        note=note,
        recorded_by=recorded_by,
    )


@transaction.atomic
def cancel_shares(
    *,
    association: Organisation,
    household: Household | None,
    share_type: ShareType,
    quantity: Decimal,
    effective_date: date,
    note: str,
    recorded_by: User | None = None,
) -> ShareEvent:
    """Cancel shares of a household (or of the collective holding); the reason is required."""
    if not note.strip():
        raise ValidationError(_("Give the reason for the cancellation."), code="no_reason")
    line = _Line(household, share_type, -_positive(quantity))
    return _append_event(
        association=association,
        kind=ShareEvent.Kind.CANCELLATION,
        effective_date=effective_date,
        lines=[line],
        note=note,
        recorded_by=recorded_by,
    )


@transaction.atomic
def transfer_shares(
    *,
    from_household: Household,
    to_household: Household,
    share_type: ShareType,
    quantity: Decimal,
    effective_date: date,
    note: str = "",
    recorded_by: User | None = None,
) -> ShareEvent:
    """Move shares of one type from one household to another of the same association."""
    quantity = _positive(quantity)
    if from_household.pk == to_household.pk:
        raise ValidationError(_("A transfer needs two different households."), code="same_household")
    return _append_event(
        association=from_household.association,
        kind=ShareEvent.Kind.TRANSFER,
        effective_date=effective_date,
        lines=[_Line(from_household, share_type, -quantity), _Line(to_household, share_type, quantity)],
        note=note,
        recorded_by=recorded_by,
    )


@transaction.atomic
def record_inheritance(
    *,
    deceased: Member,
    heir: Household,
    quantities: Mapping[ShareType, Decimal],
    effective_date: date,
    note: str = "",
    recorded_by: User | None = None,
) -> ShareEvent:
    """Pass shares of the household of a member who died to the heir household."""
    if deceased.cease_reason != Member.CeaseReason.DEATH or deceased.ceased_on is None:
        raise ValidationError(
            _("An inheritance needs a member whose death has been recorded. Record the death first."),
            code="not_deceased",
        )
    if deceased.ceased_on > effective_date:
        raise ValidationError(
            _("The inheritance (%(date)s) cannot take effect before the death (%(death)s)."),
            code="before_death",
            params={"date": effective_date.isoformat(), "death": deceased.ceased_on.isoformat()},
        )
    source = deceased.household
    if heir.pk == source.pk:
        raise ValidationError(
            _(
                "The heir household is the deceased's own household: shares belong to the household, "
                "so nothing changes."
            ),
            code="same_household",
        )
    if any(Decimal(quantity) < 0 for quantity in quantities.values()):
        raise ValidationError(_("A number of shares cannot be negative."), code="negative")
    lines = []
    for share_type, quantity in sorted(quantities.items(), key=lambda item: item[0].code):
        lines += [_Line(source, share_type, -Decimal(quantity)), _Line(heir, share_type, Decimal(quantity))]
    if not any(Decimal(quantity) > 0 for quantity in quantities.values()):
        raise ValidationError(_("Enter the shares the heir household inherits."), code="empty")
    return _append_event(
        association=source.association,
        kind=ShareEvent.Kind.INHERITANCE,
        effective_date=effective_date,
        lines=lines,
        note=note,
        recorded_by=recorded_by,
        member=deceased,
        details={"from_household": source.code, "to_household": heir.code},
    )


def _move(
    *, member: Member, to_household: Household, moved_on: date, note: str, recorded_by: User | None
) -> MemberMove:
    move = MemberMove.objects.create(
        member=member,
        from_household=member.household,
        to_household=to_household,
        moved_on=moved_on,
        note=note,
        recorded_by=recorded_by,
    )
    member.household = to_household
    return move


@transaction.atomic
def split_household(
    *,
    household: Household,
    effective_date: date,
    new_code: str,
    new_head: Member,
    members: Sequence[Member],
    kept: Mapping[ShareType, Decimal],
    moved: Mapping[ShareType, Decimal],
    village_group: str | None = None,
    address: str = "",
    note: str = "",
    recorded_by: User | None = None,
) -> ShareEvent:
    """Split a new household off (分户): some members move to it, and the shares are divided.

    kept and moved are the two parts of every share type; for each type they must add up to
    what the household held on the effective date.
    """
    household = _lock_households([household])[household.pk]
    _check_effective_date(effective_date)
    _check_household_exists_on(household, effective_date)
    new_code = new_code.strip()
    if not new_code:
        raise ValidationError(_("Give the new household a code."), code="no_code")
    if Household.objects.filter(code=new_code).exists():
        raise ValidationError(
            _("The household code %(code)s is already in use."), code="code_in_use", params={"code": new_code}
        )
    members = list({member.pk: member for member in [new_head, *members]}.values())
    for member in members:
        if member.household_id != household.pk or member.ceased_on is not None:
            raise ValidationError(
                _("%(name)s is not a member of household %(household)s in membership."),
                code="not_member",
                params={"name": member.name, "household": household.code},
            )
        if member.pk == household.head_id:
            raise ValidationError(
                _("The head of household %(household)s stays in it; choose another head first if the head leaves."),
                code="head_leaves",
                params={"household": household.code},
            )
    whole = _holdings_by_type(household=household, as_of=effective_date)
    types = {share_type.pk: share_type for share_type in [*kept, *moved]}
    for share_type_id in whole:
        if share_type_id not in types:
            types[share_type_id] = ShareType.objects.get(pk=share_type_id)
    for share_type in sorted(types.values(), key=lambda t: t.code):
        kept_quantity = Decimal(kept.get(share_type, ZERO))
        moved_quantity = Decimal(moved.get(share_type, ZERO))
        if kept_quantity < 0 or moved_quantity < 0:
            raise ValidationError(_("A number of shares cannot be negative."), code="negative")
        held = whole.get(share_type.pk, ZERO)
        if kept_quantity + moved_quantity != held:
            raise ValidationError(
                _(
                    "For %(share_type)s the parts (%(kept)s kept and %(moved)s to the new household) do not add up "
                    "to the %(whole)s held on %(date)s."
                ),
                code="parts_do_not_add_up",
                params={
                    "share_type": share_type.name,
                    "kept": format_shares(kept_quantity),
                    "moved": format_shares(moved_quantity),
                    "whole": format_shares(held),
                    "date": effective_date.isoformat(),
                },
            )
    if not any(Decimal(quantity) > 0 for quantity in moved.values()):
        raise ValidationError(
            _("A split divides the shares: give the new household at least some shares."), code="nothing_moved"
        )
    new_household = Household.objects.create(
        association=household.association,
        code=new_code,
        village_group=household.village_group if village_group is None else village_group,
        address=address or household.address,
        established_on=effective_date,
        is_synthetic=household.is_synthetic,
    )
    for member in members:
        _move(member=member, to_household=new_household, moved_on=effective_date, note=note, recorded_by=recorded_by)
        if member.pk == new_head.pk:
            member.relation = Member.Relation.HEAD
        member.save(update_fields=["household", "relation"])
    new_household.head = new_head
    new_household.save(update_fields=["head"])
    lines = []
    for share_type in sorted(types.values(), key=lambda t: t.code):
        quantity = Decimal(moved.get(share_type, ZERO))
        lines += [_Line(household, share_type, -quantity), _Line(new_household, share_type, quantity)]
    return _append_event(
        association=household.association,
        kind=ShareEvent.Kind.SPLIT,
        effective_date=effective_date,
        lines=lines,
        note=note,
        recorded_by=recorded_by,
        details={"from_household": household.code, "to_household": new_household.code},
    )


@transaction.atomic
def merge_households(
    *,
    absorbed: Household,
    into: Household,
    effective_date: date,
    note: str = "",
    recorded_by: User | None = None,
) -> ShareEvent | None:
    """Merge one household into another: its members and all its shares move, and it is dissolved.

    Returns the share event, or None when the absorbed household held no shares.
    """
    if absorbed.pk == into.pk:
        raise ValidationError(_("A household cannot merge into itself."), code="same_household")
    if absorbed.association_id != into.association_id:
        raise ValidationError(
            _("Household %(household)s belongs to another association: shares move only inside one association."),
            code="foreign_household",
            params={"household": into.code},
        )
    locked = _lock_households([absorbed, into])
    absorbed, into = locked[absorbed.pk], locked[into.pk]
    _check_effective_date(effective_date)
    _check_household_exists_on(absorbed, effective_date)
    _check_household_exists_on(into, effective_date)
    if ShareEventLine.objects.filter(household=absorbed, event__effective_date__gt=effective_date).exists():
        raise ValidationError(
            _("Household %(household)s has share events after %(date)s: a merge must be its last event."),
            code="later_events",
            params={"household": absorbed.code, "date": effective_date.isoformat()},
        )
    holdings = household_holdings(household=absorbed, as_of=effective_date)
    share_types = ShareType.objects.in_bulk([holding.share_type_id for holding in holdings])
    lines = []
    for holding in holdings:
        share_type = share_types[holding.share_type_id]
        lines += [_Line(absorbed, share_type, -holding.quantity), _Line(into, share_type, holding.quantity)]
    event = None
    if lines:
        event = _append_event(
            association=absorbed.association,
            kind=ShareEvent.Kind.MERGE,
            effective_date=effective_date,
            lines=lines,
            note=note,
            recorded_by=recorded_by,
            details={"from_household": absorbed.code, "to_household": into.code},
        )
    for member in absorbed.members.filter(ceased_on__isnull=True):
        _move(member=member, to_household=into, moved_on=effective_date, note=note, recorded_by=recorded_by)
        member.save(update_fields=["household"])
    absorbed.dissolved_on = effective_date
    absorbed.save(update_fields=["dissolved_on"])
    return event


# --- Quantification -----------------------------------------------------------------------------


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


# --- Households and members -----------------------------------------------------------------------


def next_household_code(*, association: Organisation) -> str:
    """Return the next free code of the form <association code>-NNN."""
    prefix = f"{association.code}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Household.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{(max(numbers, default=0) + 1):03d}"


@sensitive_variables("id_number")
def id_number_in_use(*, association: Organisation, id_number: str, exclude_member_id: int | None = None) -> bool:
    """Whether another member of the association has this resident ID number."""
    members = Member.objects.filter(association=association).with_id_number(id_number)
    if exclude_member_id is not None:
        members = members.exclude(pk=exclude_member_id)
    return members.exists()


@sensitive_variables("id_number")
def member_elsewhere(*, association: Organisation, id_number: str) -> Member | None:
    """The member in membership of another association with this ID number, if any.

    A person is a member of only one collective economic organisation: a second association takes
    them only through transfer_membership, which ends the first membership.
    """
    return (
        Member.objects.with_id_number(id_number)
        .filter(ceased_on__isnull=True)
        .exclude(association=association)
        .select_related("association")
        .first()
    )


def member_elsewhere_message(other: Member) -> str:
    return _(
        "The person with ID number %(masked)s is already a member of %(association)s: a person may be a member "
        "of only one collective economic organisation. If they have moved here, an official records a transfer "
        "of membership, which ends the membership there."
    ) % {"masked": other.masked_id_number, "association": other.association.name}


@sensitive_variables("id_number")
def _check_id_number(*, association: Organisation, id_number: str, birth_date: date | None, member_id: int | None):
    validate_id_number(id_number, birth_date=birth_date)
    if id_number_in_use(association=association, id_number=id_number, exclude_member_id=member_id):
        raise ValidationError(_("Another member of this association has this ID number."), code="id_number_in_use")
    other = member_elsewhere(association=association, id_number=id_number)
    if other is not None:
        raise ValidationError(member_elsewhere_message(other), code="member_elsewhere")


@sensitive_variables("bank_account")
@transaction.atomic
def create_household(
    *,
    association: Organisation,
    code: str,
    village_group: str = "",
    address: str = "",
    established_on: date | None = None,
    bank_name: str = "",
    bank_account: str = "",
    certificate_number: str = "",
) -> Household:
    """Create a household of an association."""
    code = code.strip()
    if Household.objects.filter(code=code).exists():
        raise ValidationError(
            _("The household code %(code)s is already in use."), code="code_in_use", params={"code": code}
        )
    household = Household(
        association=association,
        code=code,
        village_group=village_group,
        address=address,
        established_on=established_on,
        bank_name=bank_name,
        certificate_number=certificate_number,
    )
    household.bank_account = bank_account
    household.save()
    return household


@sensitive_variables("bank_account")
@transaction.atomic
def update_household(
    *,
    household: Household,
    village_group: str,
    address: str,
    established_on: date | None,
    head: Member | None,
    bank_name: str,
    bank_account: str | None = None,
    certificate_number: str = "",
) -> Household:
    """Change a household's particulars; bank_account None keeps the stored number."""
    if head is not None and (head.household_id != household.pk or head.ceased_on is not None):
        raise ValidationError(_("The head must be a member of this household in membership."), code="head_not_member")
    if established_on is not None:
        earlier = (
            ShareEventLine.objects.filter(household=household, event__effective_date__lt=established_on)
            .order_by("event__effective_date")
            .values_list("event__effective_date", flat=True)
            .first()
        )
        if earlier is not None:
            raise ValidationError(
                _("The household has a share event on %(date)s, before this establishment date."),
                code="events_before",
                params={"date": earlier.isoformat()},
            )
    household.village_group = village_group
    household.address = address
    household.established_on = established_on
    household.head = head
    household.bank_name = bank_name
    household.certificate_number = certificate_number
    if bank_account is not None:
        household.bank_account = bank_account
    household.save()
    return household


@sensitive_variables("id_number")
@transaction.atomic
def register_member(
    *,
    household: Household,
    name: str,
    sex: str,
    birth_date: date,
    id_number: str,
    relation: str,
    phone: str = "",
    joined_on: date | None = None,
) -> Member:
    """Add a member to a household; the first head of household becomes the household's head."""
    _check_id_number(association=household.association, id_number=id_number, birth_date=birth_date, member_id=None)
    member = Member(
        household=household,
        association_id=household.association_id,
        name=name.strip(),
        sex=sex,
        birth_date=birth_date,
        phone=phone,
        relation=relation,
        joined_on=joined_on,
    )
    member.id_number = id_number
    member.save()
    if relation == Member.Relation.HEAD and household.head_id is None:
        household.head = member
        household.save(update_fields=["head"])
    return member


@sensitive_variables("id_number")
@transaction.atomic
def update_member(
    *,
    member: Member,
    name: str,
    sex: str,
    birth_date: date,
    relation: str,
    phone: str = "",
    joined_on: date | None = None,
    id_number: str | None = None,
) -> Member:
    """Change a member's particulars; id_number None keeps the stored number (checked against the birth date)."""
    if id_number is not None:
        _check_id_number(
            association=member.household.association, id_number=id_number, birth_date=birth_date, member_id=member.pk
        )
        member.id_number = id_number
    elif member.id_number_encrypted:
        validate_id_number(member.id_number, birth_date=birth_date)
    member.name = name.strip()
    member.sex = sex
    member.birth_date = birth_date
    member.relation = relation
    member.phone = phone
    member.joined_on = joined_on
    member.save()
    return member


@transaction.atomic
def transfer_membership(
    *,
    member: Member,
    to_household: Household,
    transferred_on: date,
    relation: str,
    recorded_by: User | None = None,
    note: str = "",
) -> Member:
    """Move a person's membership to another association: end it in the old one, start it in the new one.

    The only way one ID number becomes a member of a second association. Both changes are in the
    members' history (who, when, before and after); the note names the other side of the transfer.
    """
    member = Member.objects.select_for_update().select_related("association").get(pk=member.pk)
    if to_household.association_id == member.association_id:
        raise ValidationError(
            _("The household is in the same association: move the member between households instead."),
            code="same_association",
        )
    _check_household_exists_on(to_household, transferred_on)
    id_number = member.id_number
    if id_number_in_use(association=to_household.association, id_number=id_number):
        raise ValidationError(_("Another member of this association has this ID number."), code="id_number_in_use")
    cease_membership(
        member=member,
        ceased_on=transferred_on,
        reason=Member.CeaseReason.MOVED_AWAY,
        note=_("Membership transferred to %(association)s, household %(household)s. %(note)s")
        % {"association": to_household.association.name, "household": to_household.code, "note": note},
    )
    new = Member(
        household=to_household,
        association_id=to_household.association_id,
        name=member.name,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        relation=relation,
        joined_on=transferred_on,
    )
    new.id_number = id_number
    new._change_reason = _("Membership transferred from %(association)s by %(user)s.") % {
        "association": member.association.name,
        "user": recorded_by.username if recorded_by else "-",
    }
    new.save()
    return new


@transaction.atomic
def cease_membership(*, member: Member, ceased_on: date, reason: str, note: str = "") -> Member:
    """Record that a member's membership ended (death, moving away, marrying out, ...) on a date."""
    _check_effective_date(ceased_on)
    if member.ceased_on is not None:
        raise ValidationError(
            _("The membership of %(name)s already ended on %(date)s."),
            code="already_ceased",
            params={"name": member.name, "date": member.ceased_on.isoformat()},
        )
    if reason not in Member.CeaseReason.values:
        raise ValidationError(_("Choose why the membership ended."), code="no_reason")
    for start in (member.joined_on, member.birth_date):
        if start is not None and ceased_on < start:
            raise ValidationError(
                _("The membership cannot end (%(date)s) before it began (%(start)s)."),
                code="before_start",
                params={"date": ceased_on.isoformat(), "start": start.isoformat()},
            )
    member.ceased_on = ceased_on
    member.cease_reason = reason
    member.cease_note = note
    member.save(update_fields=["ceased_on", "cease_reason", "cease_note"])
    return member


@transaction.atomic
def move_member(
    *,
    member: Member,
    to_household: Household,
    moved_on: date,
    relation: str,
    note: str = "",
    recorded_by: User | None = None,
) -> MemberMove:
    """Move a member to another household of the same association on a date."""
    _check_effective_date(moved_on)
    if to_household.pk == member.household_id:
        raise ValidationError(_("The member is in this household already."), code="same_household")
    if to_household.association_id != member.association_id:
        raise ValidationError(
            _(
                "Household %(household)s belongs to another association. A member who leaves the association "
                "ceases membership here and joins the other association there."
            ),
            code="foreign_household",
            params={"household": to_household.code},
        )
    if member.ceased_on is not None:
        raise ValidationError(
            _("%(name)s is no longer in membership and cannot move."), code="ceased", params={"name": member.name}
        )
    _check_household_exists_on(to_household, moved_on)
    last_move = member.moves.order_by("-moved_on").first()
    for start in (member.joined_on, last_move.moved_on if last_move else None):
        if start is not None and moved_on < start:
            raise ValidationError(
                _("The move (%(date)s) cannot be before %(start)s, when the member came to the current household."),
                code="before_start",
                params={"date": moved_on.isoformat(), "start": start.isoformat()},
            )
    old_household = member.household
    move = _move(member=member, to_household=to_household, moved_on=moved_on, note=note, recorded_by=recorded_by)
    member.relation = relation
    member.save(update_fields=["household", "relation"])
    if old_household.head_id == member.pk:
        old_household.head = None
        old_household.save(update_fields=["head"])
    return move


@dataclass(frozen=True)
class HouseholdOnDay:
    """The household a member belonged to on a day, and when (if ever) the member left it afterwards."""

    household_id: int
    left_on: date | None = None
    left_for_id: int | None = None


def households_on(*, member_days: Iterable[tuple[int, date]]) -> dict[tuple[int, date], HouseholdOnDay]:
    """Return {(member id, day): the member's household on that day}, from the members' recorded moves.

    A move (move_member, a split or a merge) on day d puts the member in the new household from d
    on, so on a day before the member's first move after it the member was in that move's
    from_household; with no later move, in the member's household today. Two queries in all.
    """
    pairs = set(member_days)
    member_ids = {member_id for member_id, _day in pairs}
    if not member_ids:
        return {}
    current = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "household_id"))
    moves: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for member_id, moved_on, from_id, to_id in (
        MemberMove.objects.filter(member_id__in=member_ids, moved_on__gt=min(day for _member, day in pairs))
        .order_by("moved_on", "pk")
        .values_list("member_id", "moved_on", "from_household_id", "to_household_id")
    ):
        moves[member_id].append((moved_on, from_id, to_id))
    result = {}
    for member_id, day in pairs:
        later = next((move for move in moves.get(member_id, ()) if move[0] > day), None)
        if later is None:
            result[member_id, day] = HouseholdOnDay(household_id=current[member_id])
        else:
            result[member_id, day] = HouseholdOnDay(household_id=later[1], left_on=later[0], left_for_id=later[2])
    return result


def reveal_id_number(*, member: Member, user: User) -> str:
    """Return a member's plain ID number for an official, recording who looked and when."""
    PiiReveal.objects.create(user=user, household=member.household, member=member, field=PiiReveal.Field.ID_NUMBER)
    return member.id_number


def reveal_bank_account(*, household: Household, user: User) -> str:
    """Return a household's plain bank account number for an official, recording who looked and when."""
    PiiReveal.objects.create(user=user, household=household, field=PiiReveal.Field.BANK_ACCOUNT)
    return household.bank_account
