"""Read amounts back out of the portal's HTML, by the classes the templates put on them."""

import re
from html import unescape


def _block(html: str, opening: str) -> str:
    """The HTML from an element's opening tag (a regex) to the end of that element's article or section."""
    match = re.search(opening, html)
    assert match, f"no element matching {opening!r}"
    tag = re.match(r"<(\w+)", match.group(0)).group(1)
    depth, position = 0, match.start()
    for found in re.finditer(rf"<(/?){tag}\b[^>]*>", html[match.start() :]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return html[position : match.start() + found.end()]
    raise AssertionError(f"unclosed {tag}")


def money_in(html: str, item_class: str) -> str:
    """The amount shown in the element of this class (its first `money` span or strong)."""
    block = _block(html, rf'<li class="{item_class}"[^>]*>')
    match = re.search(r'class="money[^"]*">([^<]+)<', block)
    assert match, f"no amount in {item_class}"
    return unescape(match.group(1)).strip()


def run_card(html: str, run_pk: int) -> str:
    return _block(html, rf'<article class="run-card" id="run-{run_pk}">')


def year_card(html: str, year: int) -> str:
    return _block(html, rf'<article class="year" id="year-{year}">')


def total_of_year_card(html: str, year: int) -> str:
    match = re.search(r'class="amount">([^<]+)<', year_card(html, year))
    return unescape(match.group(1)).strip()


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
