"""A member reads the association's published quarter on a 360 by 740 px phone in Debian's chromium."""

from datetime import date

import pytest
from django.urls import reverse

from books import services
from books.models import Account
from books.services import Line
from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_farmer_reads_the_published_quarter_on_a_phone(page, live_server, farmer_a, village_official_a):
    association = village_official_a.organisation
    services.post_system_voucher(
        organisation=association,
        voucher_date=date(2024, 2, 1),
        summary="收到财政补助",
        lines=[
            Line(account=Account.objects.get(organisation=association, code="102"), debit_fen=1_234_567),
            Line(account=Account.objects.get(organisation=association, code="50301"), credit_fen=1_234_567),
        ],
        source="test:subsidy",
    )
    services.publish_disclosure(user=village_official_a, organisation=association, year=2024, quarter=1)
    errors = collect_console_errors(page)
    log_in(page, live_server, farmer_a.username)
    page.click("a:has-text('集体账目公开')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("books:member-disclosures"))
    text = page.locator("#disclosure").inner_text()
    assert "2024年第1季度" in text
    assert "补助收入" in text and "¥12,345.67" in text
    assert "资产负债表" in text and "货币资金" in text
    check_phone_page(page, "books-member-disclosure")
    assert errors == []
