"""The Content-Security-Policy is enforced, strict, and no template carries inline script or style."""

import re
from pathlib import Path

from django.conf import settings

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style[\s>]", re.IGNORECASE)
# PDFs are drawn by WeasyPrint on the server, never shown by a browser under the policy.
NOT_PAGES = ("_pdf.html", "pdf/")


def test_every_page_answers_with_the_enforced_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http" not in policy  # no remote origin


def test_no_template_has_inline_script_handlers_or_style():
    offenders = []
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    for root in roots:
        for template in root.rglob("*.html"):
            if any(part in str(template) for part in NOT_PAGES):
                continue
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if INLINE.search(line):
                    offenders.append(f"{template.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:80]}")
    assert offenders == []
