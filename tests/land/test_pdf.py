"""The printable contract: a real PDF in Chinese that names the contract."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from land import services
from land.models import Parcel
from tests.pdf import pdf_pages, pdf_text, squeezed


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
    assert "土地经营权流转合同" in text  # the title is letter-spaced: read without whitespace, on any machine
    assert "12.5" in text and "12.5000" not in text  # areas without trailing zeros, as on the pages
    assert "¥600.00" in text


@pytest.mark.parametrize(("parcel_count", "escalating"), [(1, False), (2, False), (3, False), (3, True), (6, True)])
def test_the_signature_block_never_stands_alone_on_the_last_page(
    make_contract, household_a, parcel_a, parcel_count, escalating
):
    """Two or three parcels once pushed the signatures alone onto page 2: the last article goes with them,
    also when the table of rent steps of an escalating contract makes the text longer."""
    parcels = [parcel_a] + [
        Parcel.objects.create(
            code=f"P-0{n}",
            association=household_a.association,
            area_mu=Decimal(3),
            contract_household=household_a,
            contract_right_end=date(2057, 12, 31),
        )
        for n in range(2, parcel_count + 1)
    ]
    terms = {"end_date": date(2035, 12, 31), "escalation_percent": Decimal(5), "escalation_every_years": 3}
    contract = make_contract(
        household=household_a, parcels=[(parcel, Decimal(1)) for parcel in parcels], **(terms if escalating else {})
    )
    pages = [squeezed(page) for page in pdf_pages(services.render_contract_pdf(contract=contract))]
    assert len(pages) <= 2
    assert "签字" in pages[-1]
    assert "第五条变更与终止" in pages[-1]


def test_the_rent_steps_of_an_escalating_contract_are_listed_as_money(make_contract, household_a, parcel_a):
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(1))],
        end_date=date(2030, 12, 31),
        escalation_percent=Decimal(5),
        escalation_every_years=3,
    )
    # 2021: ¥600; 2024: ¥630; 2027: ¥661.50 (60000 * 1.05^2 = 66150 fen); 2030: 69457.5 fen, shown to the fen.
    steps = [(2021, "¥600.00"), (2024, "¥630.00"), (2027, "¥661.50"), (2030, "¥694.58")]
    assert services.rent_steps(contract=contract) == steps
    text = pdf_text(services.render_contract_pdf(contract=contract))
    assert "2030¥694.58" in text and "694.575" not in text


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
