# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""The annual report as Excel and PDF, and a village's workbook for an auditor."""

import contextlib
import io
import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects, decompressed where they are streams (the font names live in object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(pdf[match.end() : end].rstrip(b"\r\n")))
    return b"".join(parts)


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_the_annual_report_workbook_has_the_api_figures_on_three_sheets(client, appendix, compute, township_official):
    compute(appendix.policy)
    client.force_login(township_official)
    api = client.get("/api/v1/reports/annual/", {"year": 2024}).json()

    response = client.get(reverse("desk:annual-report-xlsx", args=[2024]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    book = workbook(response)
    assert book.sheetnames == ["各村", "共同富裕指标", "乡镇"]
    rows = list(book["各村"].iter_rows(values_only=True))
    assert rows[0][0] == "2024年度报告"
    header, a01 = rows[1], rows[2]
    assert a01[header.index("编码")] == "A01"
    collective = Decimal(str(a01[header.index("集体收入（元）")]))
    assert collective == Decimal(api["associations"][0]["collective_income_fen"]) / 100
    indicators = list(book["共同富裕指标"].iter_rows(values_only=True))
    assert indicators[0][0] == "编码" and len(indicators) == 3


def test_the_annual_report_pdf_is_a_chinese_pdf(client, appendix, compute, township_official):
    compute(appendix.policy)
    client.force_login(township_official)

    response = client.get(reverse("desk:annual-report-pdf", args=[2024]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The CJK font is embedded, so the Chinese headings print as characters, not boxes.
    assert b"NotoSansCJK" in pdf_objects(response.content)


def test_the_village_workbook_fills_every_sheet_with_the_village_only(
    client, appendix, compute, village_official_a, association_a
):
    compute(appendix.policy)
    client.force_login(village_official_a)

    response = client.get(reverse("desk:village-workbook", args=[association_a.pk, 2024]))

    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == ["成员", "农户", "股权登记簿", "合同", "租金计划", "分配明细", "分配说明"]
    for sheet in book.worksheets:
        assert sheet.max_row >= 2, f"{sheet.title} is empty"
    payouts = list(book["分配明细"].iter_rows(values_only=True))
    assert [row[0] for row in payouts[1:]] == ["A01-001", "A01-002", "A01-003"]
    totals = {row[0]: Decimal(str(row[5])) for row in payouts[1:]}
    assert totals["A01-001"] == Decimal("37764.02")  # DESIGN.md's appendix
    codes = {row[0] for row in book["农户"].iter_rows(min_row=2, values_only=True)}
    assert codes == {"A01-001", "A01-002", "A01-003"}
    members = list(book["成员"].iter_rows(min_row=2, values_only=True))
    assert all("*" in (row[4] or "*") for row in members)  # ID numbers masked
