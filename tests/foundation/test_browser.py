import pytest

from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = pytest.mark.browser


def test_the_login_page_and_a_home_page_work_on_a_phone(page, live_server, village_official_a):
    errors = collect_console_errors(page)
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "登录甘田"
    check_phone_page(page, "foundation-login")

    log_in(page, live_server, village_official_a.username)
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "甘田村股份经济合作社"
    check_phone_page(page, "foundation-village-home")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    check_phone_page(page, "foundation-village-home-en")
    assert errors == []
