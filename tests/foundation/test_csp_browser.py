"""In Debian's chromium: no page of any role breaks the Content-Security-Policy."""

import re
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from collective.demo import DEMO_PASSWORD, FARMER_PHONE
from collective.models import User
from tests.browser import ARTIFACTS, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Record every CSP violation a page reports, before any of its own scripts run.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} at ${where}`);
});
"""
# Pages visited per URL pattern and role: one household's page stands for all of them.
PER_PATTERN = 1
NEVER_VISIT = ("/logout/", "/i18n/")
# Files named as files are not pages, and some take long to make (a village's certificates as one PDF).
FILE_SUFFIXES = (".pdf", ".xlsx", ".csv", ".zip", ".png", ".svg")


def _static_paths() -> list[str]:
    """Every URL pattern without a parameter, found by walking the URLconf (new pages are included by themselves)."""
    paths = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and not re.search(r"[\\^$()\[\]?*+]", route):
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def _pattern_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _crawl(page, live_server, role: str) -> tuple[list[str], list[str]]:
    """Visit the role's pages: every parameterless pattern, then the links found, a few per pattern.

    Returns the pages loaded in the browser and the violations they reported.
    """
    violations, loaded = [], []
    console = collect_console_errors(page)
    seen_per_pattern: dict[str, int] = defaultdict(int)
    queue = list(_static_paths())
    visited = set()
    while queue:
        path = queue.pop(0)
        if path in visited or path.startswith(NEVER_VISIT) or urlsplit(path).path.endswith(FILE_SUFFIXES):
            continue
        visited.add(path)
        pattern = _pattern_of(urlsplit(path).path)
        if pattern is None or seen_per_pattern[pattern] >= PER_PATTERN:
            continue
        seen_per_pattern[pattern] += 1
        # Files (spreadsheets, PDFs, CSV) are not pages: ask first what comes back.
        head = page.request.get(f"{live_server.url}{path}", max_redirects=0)
        if head.status == 405 or "text/html" not in head.headers.get("content-type", "") or not head.body():
            continue  # an action that takes POST only, or a file
        assert "content-security-policy" in head.headers, path
        page.goto(f"{live_server.url}{path}", wait_until="load")
        loaded.append(path)
        found = page.evaluate("window.__cspViolations || []")
        violations += [f"{role} {path}: {v}" for v in found]
        violations += [f"{role} {path}: {m}" for m in console if "Content Security Policy" in m]
        console.clear()
        if urlsplit(page.url).netloc != urlsplit(live_server.url).netloc:
            continue
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(page.url, href))
            if target.netloc == urlsplit(live_server.url).netloc and target.path not in visited:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return loaded, violations


def test_no_page_of_any_role_breaks_the_content_security_policy(browser, live_server):
    call_command("load_gantian_demo", verbosity=0)
    roles = ["township", "accountant", "village01", "pear", FARMER_PHONE, "admin"]
    assert User.objects.filter(username__in=roles).count() == len(roles)
    all_violations, pages = [], {}
    for username in roles:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        context.add_init_script(LISTEN_FOR_VIOLATIONS)
        page = context.new_page()
        log_in(page, live_server, username, DEMO_PASSWORD)
        assert "/login/" not in page.url and "/second-factor/" not in page.url, username
        pages[username], violations = _crawl(page, live_server, username)
        all_violations += violations
        context.close()
    print({username: len(loaded) for username, loaded in pages.items()})
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "csp-violations.txt").write_text("\n".join(all_violations))
    assert all(len(loaded) >= 5 for loaded in pages.values()), pages
    # The pages that once broke the policy are among those loaded: the API documentation (Swagger UI)
    # and an admin change history (django-simple-history's list).
    assert "/api/v1/docs/" in pages["township"]
    assert any(path.endswith("/history/") for path in pages["admin"]), pages["admin"]
    assert all_violations == []
