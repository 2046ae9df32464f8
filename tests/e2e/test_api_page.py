"""The "Use via API" page: opened from the footer, it lists the public endpoints with their parameters and
ready-to-copy snippets. Saves its screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_helpers import expect, open_app
from conftest import RunningApps


def test_api_page_from_the_footer(page: Any, apps: RunningApps, screenshot_dir: Path) -> None:
    app = apps.get("interface")
    open_app(page, app)
    page.locator("footer").get_by_role("link", name="Use via API").click()
    expect(page.get_by_text("/greet").first).to_be_visible()
    expect(page.get_by_text("intensity").first).to_be_visible()  # a parameter of the endpoint
    expect(page.get_by_text("from gradio_client import Client").first).to_be_visible()
    expect(page.get_by_text("client.predict(").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "api-page.png"))
    body = page.locator("body").inner_text()
    assert "curl" in body or "@gradio/client" in body or "bash" in body.lower()
