# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The registry pages in a real browser on a 360-px phone: they fit, they work, nothing errors."""

import pytest

from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = pytest.mark.browser


def test_an_official_works_the_registry_on_a_phone(page, live_server, village_official_a, registry_a):
    household = registry_a[0]
    head = household.head
    errors = collect_console_errors(page)
    log_in(page, live_server, village_official_a.username)

    page.click("nav.role-nav >> text=农户")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "农户"
    check_phone_page(page, "collective-household-list")

    page.click(f"text={household.code}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == f"农户 {household.code}"
    assert head.id_number not in page.content()
    check_phone_page(page, "collective-household-detail")
    # The reveal swaps in the whole number (htmx), and only that.
    page.locator("form[action$='/reveal/'] button").nth(1).click()
    page.wait_for_selector("code.revealed")
    assert page.locator("code.revealed").inner_text() == head.id_number

    page.goto(f"{live_server.url}/collective/households/{household.pk}/events/transfer/")
    page.fill("input[name=to_household]", registry_a[1].code)
    page.select_option("select[name=share_type]", label="人口股")
    page.fill("input[name=quantity]", "1")
    page.fill("input[name=effective_date]", "2022-03-15")
    check_phone_page(page, "collective-transfer-form")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已登记：转让。" in page.content()

    page.goto(f"{live_server.url}/collective/registry/?as_of=2022-03-15")
    assert "股权登记簿" in page.locator("h1").inner_text()
    check_phone_page(page, "collective-registry")

    # The share certificate is a PDF, fetched with the browser's session as the household page links it.
    certificate = page.request.get(f"{live_server.url}/collective/households/{household.pk}/certificate/")
    assert certificate.headers["content-type"] == "application/pdf"
    assert certificate.body().startswith(b"%PDF-")

    page.goto(f"{live_server.url}/collective/import/")
    check_phone_page(page, "collective-import")
    assert errors == []
