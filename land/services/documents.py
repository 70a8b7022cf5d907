"""The printable contract."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from collective.money import format_yuan, round_half_up
from land.models import (
    LandTransferContract,
)
from land.services.rent import rent_per_mu_for_year


def rent_steps(*, contract: LandTransferContract) -> list[tuple[int, str]]:
    """Return (first year, rent per mu to the fen, as money is shown) for each rent the contract's term goes
    through; the rent itself stays exact (rent_per_mu_for_year), only the figure printed is rounded."""
    steps: list[tuple[int, str]] = []
    previous = None
    for year in range(contract.start_date.year, contract.end_date.year + 1):
        rent = rent_per_mu_for_year(contract=contract, year=year)
        if rent != previous:
            steps.append((year, format_yuan(round_half_up(rent))))
            previous = rent
    return steps


def render_contract_pdf(*, contract: LandTransferContract, base_url: str | None = None) -> bytes:
    """Render the contract as a PDF in Chinese: parties, parcels, term, rent and escalation, profit share.

    A contract is a page or two, so it renders within the request; long reports belong in Celery.
    """
    from weasyprint import HTML

    contract = (
        LandTransferContract.objects.select_related("household__association", "transferee")
        .prefetch_related("lines__parcel")
        .get(pk=contract.pk)
    )
    with translation.override("zh-hans"):
        html = render_to_string(
            "land/contract_pdf.html",
            {
                "contract": contract,
                "lines": sorted(contract.lines.all(), key=lambda line: line.parcel.code),
                "rent_yuan_per_mu": format_yuan(contract.rent_per_mu_fen),
                "rent_steps": rent_steps(contract=contract),
            },
        )
    return HTML(string=html, base_url=base_url).write_pdf()
