"""The land pages on a 360-px phone, in Chinese, through Debian's chromium."""

from datetime import date
from decimal import Decimal

import pytest

from land import services
from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _chinese(settings):
    # The land tests assert English messages; in the browser the default language is Chinese.
    settings.LANGUAGE_CODE = "zh-hans"


def test_an_official_drafts_signs_and_reads_a_contract_on_a_phone(
    page, live_server, village_official_a, company, parcel_a, member_a, make_contract, household_a
):
    errors = collect_console_errors(page)
    older = make_contract(number="HT-2021-001", household=household_a, parcels=[(parcel_a, Decimal(10))])
    services.terminate_contract(contract=older, terminated_on=date(2023, 12, 31), reason="改签")
    log_in(page, live_server, village_official_a.username)

    page.goto(f"{live_server.url}/land/contracts/new/")
    page.fill("input[name=number]", "HT-2024-002")
    page.fill("input[name=household_code]", "A01-001")
    page.fill("input[name=start_date]", "2024-07-01")
    page.fill("input[name=end_date]", "2033-06-30")
    page.fill("input[name=rent_per_mu]", "600")
    page.fill("input[name=lines-0-parcel_code]", "P-01")
    page.fill("input[name=lines-0-area_mu]", "13")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "超过了地块面积 12.5 亩" in page.locator("#parcel-errors").inner_text()
    check_phone_page(page, "land-contract-form-errors")

    page.fill("input[name=lines-0-area_mu]", "8")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("合同 HT-2024-002")
    page.click("text=签订")
    page.fill("input[name=signed_on]", "2024-06-20")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "¥2,413.11" in body  # 8 mu * ¥600 * 184/366 for 2024
    check_phone_page(page, "land-contract-detail")

    page.goto(f"{live_server.url}/land/contracts/")
    assert "HT-2024-002" in page.locator("main").inner_text()
    check_phone_page(page, "land-contract-list")
    page.goto(f"{live_server.url}/land/parcels/{parcel_a.pk}/")
    assert "HT-2021-001" in page.locator("main").inner_text()
    check_phone_page(page, "land-parcel-detail")

    page.goto(f"{live_server.url}/land/labour/new/")
    page.fill("input[name=household_code]", "A01-001")
    page.locator("input[name=household_code]").dispatch_event("change")
    page.locator("select[name=member] option").nth(1).wait_for(state="attached")
    assert "张三" in page.locator("select[name=member]").inner_text()
    check_phone_page(page, "land-labour-form")
    assert errors == []
