"""Distribution policies and the county rules that bound them (DESIGN.md §3, step 5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from collective.models import Organisation, User
from dividends.models import DistributionPolicy, DistributionRun

RATE_FIELDS = ("land_share_rate", "reserve_rate", "welfare_rate", "payout_rate", "retention_rate")


def percent(value: Decimal) -> str:
    """0.3 -> '30 %', 0.125 -> '12.5 %'."""
    text = format((value * 100).normalize(), "f")
    return f"{text} %"


def county_rule_errors(*, reserve_rate: Decimal, welfare_rate: Decimal, payout_rate: Decimal) -> dict[str, list[str]]:
    """The county rules a set of rates breaks, each with its message, keyed by the field to correct."""
    errors: dict[str, list[str]] = {}
    minimum = settings.DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE
    maximum = settings.DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE
    funds = reserve_rate + welfare_rate
    if funds > 1:
        errors.setdefault("welfare_rate", []).append(
            _("Provident and welfare fund together cannot take more than the whole net profit (%(funds)s).")
            % {"funds": percent(funds)}
        )
        return errors
    if funds < minimum:
        errors.setdefault("reserve_rate", []).append(
            _(
                "County rule: the provident fund plus the welfare fund must be at least %(minimum)s of net profit; "
                "this policy sets %(funds)s."
            )
            % {"minimum": percent(minimum), "funds": percent(funds)}
        )
    member = payout_rate * (1 - funds)
    if member > maximum:
        errors.setdefault("payout_rate", []).append(
            _(
                "County rule: member dividends may be at most %(maximum)s of net profit; this policy pays "
                "%(member)s (payout rate %(payout)s × (1 − %(funds)s))."  # noqa: RUF001
            )
            % {
                "maximum": percent(maximum),
                "member": percent(member),
                "payout": percent(payout_rate),
                "funds": percent(funds),
            }
        )
    return errors


def validate_policy(
    *,
    organisation: Organisation,
    year: int,
    land_share_rate: Decimal,
    reserve_rate: Decimal,
    welfare_rate: Decimal,
    payout_rate: Decimal,
    retention_rate: Decimal,
    record_date: date,
) -> None:
    """Raise a ValidationError naming every rule these rates or this record date break."""
    errors: dict[str, list[str]] = {}
    if organisation.kind != Organisation.Kind.COMPANY:
        errors.setdefault("organisation", []).append(_("A distribution policy belongs to a company."))
    rates = {
        "land_share_rate": land_share_rate,
        "reserve_rate": reserve_rate,
        "welfare_rate": welfare_rate,
        "payout_rate": payout_rate,
        "retention_rate": retention_rate,
    }
    for name, value in rates.items():
        if value is None or not Decimal(0) <= value <= Decimal(1):
            errors.setdefault(name, []).append(_("A rate is between 0 and 1, such as 0.30."))
    if not errors:
        for name, messages in county_rule_errors(
            reserve_rate=reserve_rate, welfare_rate=welfare_rate, payout_rate=payout_rate
        ).items():
            errors.setdefault(name, []).extend(messages)
    if record_date is None or record_date < date(year, 1, 1):
        errors.setdefault("record_date", []).append(
            _("The record date cannot be before the fiscal year %(year)s begins.") % {"year": year}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_policy(
    *,
    user: User,
    organisation: Organisation,
    year: int,
    land_share_rate: Decimal,
    reserve_rate: Decimal,
    welfare_rate: Decimal,
    payout_rate: Decimal,
    retention_rate: Decimal,
    record_date: date,
    note: str = "",
    policy: DistributionPolicy | None = None,
) -> DistributionPolicy:
    """Create a policy (the next version for its year) or change one that no approved run has used."""
    if not user.has_perm("dividends.manage_policy"):
        raise PermissionDenied(_("Only the company accountant sets distribution policies."))
    validate_policy(
        organisation=organisation,
        year=year,
        land_share_rate=land_share_rate,
        reserve_rate=reserve_rate,
        welfare_rate=welfare_rate,
        payout_rate=payout_rate,
        retention_rate=retention_rate,
        record_date=record_date,
    )
    fields = {
        "land_share_rate": land_share_rate,
        "reserve_rate": reserve_rate,
        "welfare_rate": welfare_rate,
        "payout_rate": payout_rate,
        "retention_rate": retention_rate,
        "record_date": record_date,
        "note": note,
    }
    if policy is None:
        latest = DistributionPolicy.objects.filter(organisation=organisation, year=year).aggregate(v=Max("version"))
        return DistributionPolicy.objects.create(
            organisation=organisation, year=year, version=(latest["v"] or 0) + 1, created_by=user, **fields
        )
    policy = DistributionPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_frozen:
        raise ValidationError(
            _("This policy was used by an approved run and is frozen. Create a new version for a correction.")
        )
    if policy.runs.filter(status__in=[DistributionRun.Status.COMPUTING, DistributionRun.Status.NOTICE]).exists():
        raise ValidationError(
            _("A run that uses this policy is computing or in public notice; wait, or withdraw the notice first.")
        )
    if policy.organisation_id != organisation.pk or policy.year != year:
        raise ValidationError(_("A policy keeps its organisation and year; create a new one instead."))
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy
