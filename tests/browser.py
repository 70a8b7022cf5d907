"""Helpers for the browser tests: Debian's chromium through Playwright, on a phone-sized screen."""

from pathlib import Path

from django.conf import settings

from collective.models import User
from tests.conftest import PASSWORD, authenticator, authenticator_code

PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def collect_console_errors(page) -> list[str]:
    """Start collecting the page's console errors and uncaught exceptions; return the live list."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the log-in page; an official then gives the code of an authenticator set up for them."""
    user = User.objects.filter(username=username).first()
    device = authenticator(user) if user is not None and user.needs_second_factor else None
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:not([name=language])")
    page.wait_for_load_state("networkidle")
    if device is not None and "/second-factor/" in page.url:
        page.fill("input[name=token]", authenticator_code(device))
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")


def check_phone_page(page, name: str) -> None:
    """Assert the page fits a phone's width (no sideways scrolling) and save a screenshot of it."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    view_width = page.evaluate("window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert scroll_width <= view_width, f"{name} scrolls sideways: {scroll_width}px content in {view_width}px"
