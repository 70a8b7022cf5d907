"""The printable contract: a real PDF in Chinese that names the contract."""

import re
import shutil
import subprocess
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse

from land import services


def pdf_text(pdf: bytes) -> str:
    """Return the PDF's text with pdftotext when poppler is installed, else its decompressed objects.

    The objects hold the document information (title, keywords), so the contract number is found
    either way; the body text is only readable through pdftotext (the glyphs are subset fonts).
    """
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    parts = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            data = zlib.decompress(pdf[match.end() : end].rstrip(b"\r\n"))
        except zlib.error:
            continue
        text = data.decode("latin-1")
        text += "".join(
            bytes.fromhex(hexa).decode("utf-16-be", errors="replace")
            for hexa in re.findall(r"<feff([0-9a-f]+)>", text, flags=re.IGNORECASE)
        )
        parts.append(text)
    return "\n".join(parts)


def test_the_contract_pdf_is_a_pdf_that_names_the_contract(make_contract, household_a, parcel_a):
    contract = make_contract(
        number="HT-2021-001",
        household=household_a,
        parcels=[(parcel_a, Decimal("12.5"))],
        escalation_percent=Decimal(5),
        escalation_every_years=3,
    )
    pdf = services.render_contract_pdf(contract=contract)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 20_000  # the embedded CJK font subset alone is larger than this
    text = pdf_text(pdf)
    assert "HT-2021-001" in text
    assert "土地经营权流转合同" in text
    if shutil.which("pdftotext"):
        assert "12.5" in text
        assert "¥600.00" in text


def test_the_rent_steps_of_an_escalating_contract_are_listed(make_contract, household_a, parcel_a):
    from datetime import date

    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(1))],
        end_date=date(2027, 12, 31),
        escalation_percent=Decimal(5),
        escalation_every_years=3,
    )
    # 2021: ¥600; 2024: ¥630; 2027: ¥661.50 (60000 * 1.05^2 = 66150 fen).
    assert services.rent_steps(contract=contract) == [(2021, "600.00"), (2024, "630.00"), (2027, "661.50")]


@pytest.mark.parametrize(("persona", "status"), [("village_official_a", 200), ("village_official_b", 404)])
def test_the_pdf_page_is_scoped(client, request, make_contract, household_a, parcel_a, persona, status):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(1))])
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("land:contract-pdf", args=[contract.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
