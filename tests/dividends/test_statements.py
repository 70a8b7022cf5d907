"""A household's statement: the three incomes, how each was computed, and the PDF."""

import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dividends import services


@pytest.fixture
def published(appendix, compute, accountant):
    run = compute(appendix.policy)
    return services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))


def test_statement_amounts_equal_the_payout_lines(appendix, published):
    for payout in published.payouts.select_related("household"):
        statement = services.build_household_statement(household=payout.household, year=2024)
        assert statement.rent_fen == payout.rent_fen
        assert statement.dividends_fen == payout.land_dividend_fen + payout.share_dividend_fen
        assert statement.wage_fen == payout.wage_fen
        assert statement.total_fen == payout.total_fen
        (entry,) = statement.runs
        assert sum(line.rent_fen for line in entry.rent_lines) == payout.rent_fen
        assert sum(line.amount_fen for line in entry.land_lines) == payout.land_dividend_fen
        assert sum(line.wage_fen for line in entry.wage_lines) == payout.wage_fen
        assert (entry.share.amount_fen if entry.share else 0) == payout.share_dividend_fen


def test_the_statement_explains_each_income(appendix, published):
    statement = services.build_household_statement(household=appendix.household("A01-001"), year=2024)
    (entry,) = statement.runs
    (rent,) = entry.rent_lines
    assert (rent.contract_number, rent.area_mu, rent.rent_per_mu_yuan, rent.days_active, rent.rent_fen) == (
        "HT-2021-001",
        Decimal("12.5"),
        "600.00",
        366,
        750000,
    )
    (land,) = entry.land_lines
    assert (land.weight, land.amount_fen) == (Decimal(4575), 1173253)
    assert (entry.land_pool_fen, entry.land_pool_weight) == (1550745, Decimal(6047))
    share = entry.share
    assert share.association.code == "A01"
    assert {(h.share_type_code, h.quantity, h.weight) for h in share.holdings} == {
        ("population", Decimal(4), Decimal(1)),
        ("labour", Decimal(10), Decimal("0.1")),
    }
    assert (share.weight, share.pool_fen, share.pool_weight, share.amount_fen) == (
        Decimal(5),
        5559445,
        Decimal(15),
        1853149,
    )


def test_a_draft_or_computed_run_is_not_on_a_statement(appendix, compute):
    compute(appendix.policy)
    statement = services.build_household_statement(household=appendix.household("A01-001"), year=2024)
    assert statement.runs == [] and statement.total_fen == 0


def test_the_statement_pdf_is_a_pdf_in_chinese(appendix, published):
    statement = services.build_household_statement(household=appendix.household("A01-002"), year=2024)
    pdf = services.render_statement_pdf(statement=statement)
    assert pdf.startswith(b"%PDF")
    # The CJK font is embedded, so Chinese prints as characters, not boxes.
    inflated = b"".join(
        _inflate(match.group(1)) for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    )
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Sans-CJK-SC", inflated + pdf)


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


def test_statement_pages_are_scoped_to_the_household(client, appendix, published, farmer_a, farmer_b):
    farmer_a.household = appendix.household("A01-002")
    farmer_a.save()
    client.force_login(farmer_a)
    own = appendix.household("A01-002")
    response = client.get(reverse("dividends:statement", args=[own.pk, 2024]))
    assert response.status_code == 200
    assert "¥18,746.92" in response.content.decode()
    response = client.get(reverse("dividends:statement-pdf", args=[own.pk, 2024]))
    assert response["Content-Type"] == "application/pdf"
    other = appendix.household("A01-001")
    assert client.get(reverse("dividends:statement", args=[other.pk, 2024])).status_code == 404
    assert client.get(reverse("dividends:statement-pdf", args=[other.pk, 2024])).status_code == 404
