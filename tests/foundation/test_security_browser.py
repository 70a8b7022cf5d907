"""In Debian's chromium: an official cannot get past the sign-in without the second factor; enrolment by QR code."""

from urllib.parse import urlsplit

import pytest

from tests.browser import collect_console_errors
from tests.conftest import PASSWORD, authenticator, authenticator_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_enrolled_official_gets_nowhere_without_the_code(page, live_server, village_official_a):
    device = authenticator(village_official_a)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", village_official_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not([name=language])")
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/second-factor/"
    assert page.locator("h1").inner_text() == "第二重验证"

    # Typing the address of a page leads back to the code.
    page.goto(f"{live_server.url}/collective/households/")
    assert urlsplit(page.url).path == "/second-factor/"
    page.fill("input[name=token]", "000000")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "这个验证码不对" in page.locator("main").inner_text()
    assert urlsplit(page.url).path == "/second-factor/"

    page.wait_for_timeout(1100)  # django-otp's delay after a wrong code
    page.fill("input[name=token]", authenticator_code(device))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/collective/households/"
    assert page.locator("h1").count() == 1


def test_a_first_sign_in_enrols_with_the_qr_code(page, live_server, accountant):
    errors = collect_console_errors(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", accountant.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not([name=language])")
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/second-factor/enrol/"
    assert page.locator(".second-factor-qr img").evaluate("img => img.naturalWidth") > 100
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=accountant)
    page.fill("input[name=token]", authenticator_code(device))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("main a[role=button]")
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/"
    assert errors == []
