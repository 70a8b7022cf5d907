# ruff: noqa: RUF001, RUF002 - the expected texts are Chinese, with Chinese punctuation
"""The farmer's portal on a 360×740 phone in Debian's chromium: every page fits, nothing errors, an objection."""

import pytest
from django.urls import reverse

from dividends.models import Objection
from tests.browser import check_phone_page, collect_console_errors, log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_page(page, live_server, path: str, name: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    check_phone_page(page, name)


def test_a_farmer_reads_every_page_and_objects_on_a_phone(page, live_server, farmer_a, in_notice):
    household = farmer_a.household_id
    errors = collect_console_errors(page)
    log_in(page, live_server, farmer_a.username)

    assert page.locator("h1").inner_text() == "我家的收入"
    assert "正在公示" in page.locator("article.news").inner_text()
    assert "¥37,764.02" in page.locator("#year-2024").inner_text()  # A01-001's total in DESIGN.md's appendix
    check_phone_page(page, "portal-home")

    open_page(page, live_server, reverse("portal:household", kwargs={"household_pk": household}), "portal-household")
    assert "**************" in page.locator("main").inner_text()
    open_page(page, live_server, reverse("portal:land", kwargs={"household_pk": household}), "portal-land")
    assert "12.5 亩（0.8333 公顷）" in page.locator("main").inner_text()
    open_page(page, live_server, reverse("portal:payouts", kwargs={"household_pk": household}), "portal-payouts")
    open_page(page, live_server, reverse("portal:statements", kwargs={"household_pk": household}), "portal-statements")
    open_page(page, live_server, reverse("portal:notice", kwargs={"household_pk": household}), "portal-notice")

    page.click("main a[role=button]:has-text('提出异议')")
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=text]", "我家的地块面积应为13亩。")
    check_phone_page(page, "portal-objection-form")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "您的异议已提交" in page.locator("main").inner_text()
    assert "我家的地块面积应为13亩。" in page.locator("main").inner_text()
    check_phone_page(page, "portal-notice-objection-lodged")
    assert Objection.objects.get().text == "我家的地块面积应为13亩。"

    # The news of the notice was read when the notice was opened.
    page.goto(f"{live_server.url}/")
    assert page.locator("article.news").count() == 0
    assert errors == []


def test_a_farmer_changes_the_one_time_password_on_a_phone(page, live_server, farmer_a, in_notice):
    farmer_a.must_change_password = True
    farmer_a.save(update_fields=["must_change_password"])
    errors = collect_console_errors(page)
    log_in(page, live_server, farmer_a.username)
    assert page.url.endswith(reverse("password_change"))
    check_phone_page(page, "portal-password-change")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", "pear-blossom-2025")
    page.fill("input[name=new_password2]", "pear-blossom-2025")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "我家的收入"
    assert errors == []


def test_an_official_opens_a_farmer_account_on_a_phone(page, live_server, village_official_a, appendix):
    errors = collect_console_errors(page)
    log_in(page, live_server, village_official_a.username)
    page.click("nav.role-nav >> text=农户账号")
    page.wait_for_load_state("networkidle")
    check_phone_page(page, "collective-farmer-account-list")
    page.fill("input[name=household]", "A01-002")
    page.click("main article button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=phone]", "13912345678")
    check_phone_page(page, "collective-farmer-account-form")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    password = page.locator("#one-time-password").inner_text()
    check_phone_page(page, "collective-farmer-account-password")
    assert errors == []

    page.click("text=退出")
    page.wait_for_load_state("networkidle")
    log_in(page, live_server, "13912345678", password)
    assert page.url.endswith(reverse("password_change"))
