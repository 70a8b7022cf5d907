"""Every page every demo user can reach, in Chinese, holds no English.

The walk is generic: for each demo login it starts at every URL pattern that needs no argument and
follows the links of each page it reaches (GET only, HTML only, two pages per URL pattern), so the
pages other engineers add later are walked too. A Latin word is allowed only when it is a code or a
number (it holds a digit), or one of the few names in ALLOWED below.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from collective.models import User

# Proper nouns, file formats and the technical words a page may show as they are.
ALLOWED = {"English", "Excel", "xlsx", "csv", "YYYY-MM-DD", "worker", "make", "Gantian"}
# The share types' codes (slugs) the help text gives as examples.
ALLOWED |= {"population", "labour", "collective"}
# GeoJSON, its keywords and its datum, named in the boundary import's instructions as a file must spell them.
ALLOWED |= {"GeoJSON", "FeatureCollection", "Polygon", "properties", "code", "WGS"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/accounts/logout", "/logout", "/i18n/")
PER_PATTERN = 2
LOGINS = ["township", "accountant", "village01", "village02", "pear", "13800000001"]


class PageText(HTMLParser):
    """The words a reader sees (text, titles, placeholders, labels), and the page's links."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template", "code", "kbd", "samp"):
            self._hidden += 1  # a program's text, or a code (a column name, a header) shown as such
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.words.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.words.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "code", "kbd", "samp") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words.append(data)


def english_in(text: str) -> set[str]:
    found = set()
    for token in text.split():
        if any(ch.isdigit() for ch in token) or token.isupper() or "@" in token or "://" in token:
            continue  # a code (A01-001, XINGLV, PDF), a number, an address
        found.update(word for word in LATIN_WORD.findall(token) if word not in ALLOWED)
    return found


def start_urls() -> list[str]:
    """Every URL pattern that takes no argument."""
    urls = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route and "^" not in route:
                urls.append("/" + route.lstrip("/").replace("\\Z", "").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return [url for url in urls if not url.startswith(SKIPPED_PREFIXES)]


def walk_as(client, username: str) -> dict[str, set[str]]:
    client.force_login(User.objects.get(username=username))
    queue, seen, per_pattern, english = ["/", *start_urls()], set(), {}, {}
    while queue:
        url = urldefrag(queue.pop(0))[0]
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or url in seen or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        seen.add(url)
        try:
            match = resolve(parts.path)
        except Resolver404:
            continue
        key = match.route
        if per_pattern.get(key, 0) >= PER_PATTERN:
            continue
        per_pattern[key] = per_pattern.get(key, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = PageText()
        parser.feed(response.content.decode())
        words = english_in(" ".join(parser.words))
        if words:
            english[url] = words
        queue.extend(parser.links)
    return english


@pytest.fixture
def demo(db):
    call_command("load_gantian_demo", verbosity=0)


@pytest.mark.parametrize("username", LOGINS)
def test_no_english_reaches_a_chinese_page(client, demo, username):
    logins = set(User.objects.values_list("username", flat=True))  # who did what is shown by login name
    english = {url: words - logins for url, words in walk_as(client, username).items() if words - logins}
    assert english == {}
