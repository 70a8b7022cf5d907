"""Parcels: their rules and saving them."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from collective.models import Organisation
from collective.quantities import format_area
from land.models import (
    ContractParcel,
    Parcel,
)
from land.services.contracts import _lock_parcels


def validate_parcel(*, parcel: Parcel) -> None:
    """Raise a ValidationError, by field, when a parcel's data contradicts itself or its contracts."""
    errors: dict[str, list[str]] = defaultdict(list)
    if parcel.area_mu is not None and parcel.area_mu <= 0:
        errors["area_mu"].append(_("The area must be more than 0 mu."))
    if parcel.association_id and parcel.association.kind != Organisation.Kind.COLLECTIVE:
        errors["association"].append(_("A parcel belongs to a village collective economic association."))
    household = parcel.contract_household
    if household is not None and parcel.association_id and household.association_id != parcel.association_id:
        errors["contract_household"].append(
            _("Household %(household)s belongs to another association.") % {"household": household.code}
        )
    if parcel.pk:
        binding = ContractParcel.objects.filter(parcel_id=parcel.pk, binding=True)
        widest = binding.aggregate(area=Max("area_mu"), end=Max("end_date"))
        if widest["area"] is not None and parcel.area_mu is not None and parcel.area_mu < widest["area"]:
            errors["area_mu"].append(
                _("A signed contract takes %(area)s mu of this parcel; the area cannot be less.")
                % {"area": format_area(widest["area"])}
            )
        if widest["end"] is not None and parcel.contract_right_end and parcel.contract_right_end < widest["end"]:
            errors["contract_right_end"].append(
                _("A signed contract runs until %(end)s; the contract right cannot end before that.")
                % {"end": widest["end"].isoformat()}
            )
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_parcel(*, parcel: Parcel) -> Parcel:
    """Create or change a parcel after checking it against its association and its contracts."""
    if parcel.pk:
        _lock_parcels([parcel])
    validate_parcel(parcel=parcel)
    parcel.save()
    return parcel
