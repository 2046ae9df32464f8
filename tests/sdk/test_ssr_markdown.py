"""The Python Markdown renderer (`podium.ssr.render_markdown`) gives exactly the HTML of the browser's
(frontend_dist/src/app/components/markdown.ts): both run the cases of
frontend_dist/tests/components/markdown_cases.json, and hydration then changes nothing in a Markdown block."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from podium.ssr import render_markdown
from podium.ssr.markdown import safe_url

CASES = json.loads(
    (Path(__file__).resolve().parents[2] / "frontend_dist/tests/components/markdown_cases.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case: dict[str, Any]) -> None:
    options = case["options"]
    html = render_markdown(
        case["markdown"], sanitize=options.get("sanitize", True), line_breaks=options.get("lineBreaks", False)
    )
    assert html == case["html"]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "<iframe src=https://evil></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<svg onload=alert(1)>",
    ],
)
def test_nothing_executable_gets_through(source: str) -> None:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Tags().feed(render_markdown(source))
    for tag, attrs in found:
        assert tag not in ("script", "iframe", "svg")
        for name, value in attrs:
            assert not name.startswith("on")
            assert "javascript:" not in (value or "").lower()


def test_safe_url() -> None:
    assert safe_url("https://a.b/c") and safe_url("/x") and safe_url("#top") and safe_url("mailto:a@b.c")
    assert not safe_url("javascript:alert(1)") and not safe_url(" jav\tascript:x") and not safe_url("data:text/html,x")
