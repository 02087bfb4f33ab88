"""The Content-Security-Policy of every page, and templates that keep within it."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "marshrut"
# Rendered to PDF by WeasyPrint, never served to a browser: their <style> meets no policy.
PDF_ONLY = {"analytics/report_document.html", "analytics/sheet.html"}
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
        "inline script",
    ),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"<style[\s>]"), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: link"),
]


def test_every_page_carries_the_policy(db: None) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in policy


def test_no_served_template_needs_inline_script_or_style() -> None:
    found = []
    for path in TEMPLATES.glob("*/templates/**/*.html"):
        name = "/".join(path.parts[path.parts.index("templates") + 1 :])
        if name in PDF_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []
