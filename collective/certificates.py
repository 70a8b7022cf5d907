"""The share certificate (股权证) of a household as a Chinese PDF, like the land contract and the statement.

WeasyPrint renders the template with the Noto CJK fonts the contract uses; a certificate is one page, so it
renders within the request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from collective.models import Household, ShareType
from collective.services import household_holdings


def certificate_context(*, household: Household, as_of: date) -> dict:
    """The holder, the holdings on `as_of` with their weights, the weighted total and the members then."""
    share_types = {t.pk: t for t in ShareType.objects.filter(association_id=household.association_id)}
    holdings = [
        {"share_type": share_types[h.share_type_id], "quantity": h.quantity}
        for h in household_holdings(household=household, as_of=as_of)
    ]
    return {
        "household": household,
        "members": household.members.in_membership_on(as_of).filter(household=household),
        "holdings": holdings,
        "as_of": as_of,
        "weighted": sum((h["quantity"] * h["share_type"].weight for h in holdings), Decimal(0)),
    }


def render_certificate_pdf(*, household: Household, as_of: date, base_url: str | None = None) -> bytes:
    """The certificate as a PDF in Chinese: issuer, number, holder, holdings on a date, members, seal."""
    from weasyprint import HTML

    context = certificate_context(household=household, as_of=as_of)
    with translation.override("zh-hans"):
        html = render_to_string("collective/certificate_pdf.html", context)
    return HTML(string=html, base_url=base_url).write_pdf()
