"""The share events: the rules every event obeys, and issuing, cancelling, transferring, inheriting,
splitting and merging.

Every change to holdings is a ShareEvent appended here, checked inside one transaction with the
households concerned locked (select_for_update), so two officials recording at once cannot take the
same shares twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collective.hooks import check_share_event
from collective.models import (
    Household,
    Member,
    MemberMove,
    Organisation,
    QuantityUnits,
    ShareEvent,
    ShareEventLine,
    ShareType,
    User,
    quantity_from_units,
)
from collective.services.registry import ZERO, _holdings_by_type, format_shares, household_holdings


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
    check_share_event(association=association, effective_date=effective_date)
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
