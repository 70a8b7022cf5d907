"""The registry as of a date: every holder's shares by type, from the share events up to that day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from collective.models import (
    Household,
    Organisation,
    QuantityUnits,
    ShareEventLine,
    quantity_from_units,
)

ZERO = Decimal(0)


def format_shares(quantity: Decimal | int | None) -> str:
    """Return a share quantity without trailing zeros: Decimal('12.5000') -> '12.5'."""
    if quantity is None:
        return ""
    text = f"{Decimal(quantity):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


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
