"""Remediation labour: recording it, its wages and the lines of a year."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collective.models import Household, Member, Organisation
from collective.money import round_half_up_product
from collective.services import households_on
from land.models import (
    LabourRecord,
)


@dataclass(frozen=True)
class LabourLine:
    """One labour record of a year with its wage, credited to the member's household on the work date.

    left_household_on: the day the member left that household after the work (a move, split or
    merge), None when the member is still in it; it says why the household may differ from today's.
    """

    record_id: int
    household_id: int
    household_code: str
    association_id: int
    member_name: str
    work_date: date
    days: Decimal
    day_wage_fen: int
    wage_fen: int
    member_id: int | None = None
    left_household_on: date | None = None


@dataclass(frozen=True)
class HouseholdLabourTotal:
    household_id: int
    household_code: str
    days: Decimal
    wage_fen: int
    records: int


@transaction.atomic
def record_labour(
    *,
    member: Member,
    employer: Organisation,
    work_date: date,
    days: Decimal,
    day_wage_fen: int,
    task: str,
    recorded_by=None,
    is_synthetic: bool = False,
) -> LabourRecord:
    """Record a member's days of remediation work; the household is the member's on that day."""
    errors: dict[str, list[str]] = {}
    if days <= 0:
        errors["days"] = [_("The days worked must be more than zero.")]
    if day_wage_fen < 0:
        errors["day_wage"] = [_("The day wage cannot be negative.")]
    if employer.kind != Organisation.Kind.COMPANY:
        errors["employer"] = [_("The employer must be a company.")]
    if not task.strip():
        errors["task"] = [_("Say what the work was.")]
    if errors:
        raise ValidationError(errors)
    on_work_date = households_on(member_days=[(member.pk, work_date)])[member.pk, work_date]
    return LabourRecord.objects.create(
        member=member,
        household_id=on_work_date.household_id,
        employer=employer,
        work_date=work_date,
        days=days,
        day_wage_fen=day_wage_fen,
        task=task.strip(),
        recorded_by=recorded_by,
        is_synthetic=is_synthetic,
    )


def wage_fen(*, days: Decimal, day_wage_fen: int) -> int:
    return round_half_up_product(Decimal(days), day_wage_fen)


def labour_lines_for_year(*, employer: Organisation, year: int) -> list[LabourLine]:
    """Return every labour record of `year` for this employer with its wage, round_half_up(days * day wage).

    Each is credited to the household the member belonged to on the work date, from the member's
    moves (collective.services.households_on), whatever household the record names: a move recorded
    after the labour, or dated before it, cannot send the wage to the wrong household.
    Sorted by (household code, work date, record id).
    """
    records = list(
        LabourRecord.objects.filter(employer=employer, work_date__year=year).values_list(
            "pk", "member_id", "member__name", "work_date", "days", "day_wage_fen"
        )
    )
    on_work_date = households_on(member_days=[(member_id, work_date) for _pk, member_id, _n, work_date, *_ in records])
    households = {
        pk: (code, association_id)
        for pk, code, association_id in Household.objects.filter(
            pk__in={on_day.household_id for on_day in on_work_date.values()}
        ).values_list("pk", "code", "association_id")
    }
    lines = []
    for pk, member_id, member_name, work_date, days, day_wage_fen in records:
        on_day = on_work_date[member_id, work_date]
        household_code, association_id = households[on_day.household_id]
        lines.append(
            LabourLine(
                record_id=pk,
                household_id=on_day.household_id,
                household_code=household_code,
                association_id=association_id,
                member_name=member_name,
                work_date=work_date,
                days=days,
                day_wage_fen=day_wage_fen,
                wage_fen=wage_fen(days=days, day_wage_fen=day_wage_fen),
                member_id=member_id,
                left_household_on=on_day.left_on,
            )
        )
    lines.sort(key=lambda line: (line.household_code, line.work_date, line.record_id))
    return lines


def labour_totals(*, records: Iterable[LabourRecord]) -> list[HouseholdLabourTotal]:
    """Total the days and wages of labour records per household, each record's wage rounded as a run pays it."""
    totals: dict[int, list] = {}
    for record in records:
        entry = totals.setdefault(record.household_id, [record.household.code, Decimal(0), 0, 0])
        entry[1] += record.days
        entry[2] += wage_fen(days=record.days, day_wage_fen=record.day_wage_fen)
        entry[3] += 1
    return sorted(
        (
            HouseholdLabourTotal(household_id=pk, household_code=code, days=days, wage_fen=wage, records=count)
            for pk, (code, days, wage, count) in totals.items()
        ),
        key=lambda total: total.household_code,
    )
