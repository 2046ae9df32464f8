"""The "Use via API" page: opened from the footer, it lists the public endpoints with their parameters and
ready-to-copy snippets for Python, JavaScript and curl; the API recorder turns clicks in the UI into client
code. Saves its screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_helpers import RunningApps, expect, field, open_app


def test_api_page_from_the_footer(page: Any, apps: RunningApps, screenshot_dir: Path) -> None:
    app = apps.get("interface")
    url = app.demo.local_url.rstrip("/") + "/"
    open_app(page, app)
    page.locator("footer").get_by_role("link", name="Use via API").click()
    dialog = page.get_by_role("dialog", name="Use via API")
    expect(dialog).to_be_visible()
    endpoint = dialog.get_by_role("region", name="/greet")
    expect(endpoint).to_be_visible()
    expect(endpoint).to_contain_text("intensity")  # a parameter, with its type
    expect(endpoint).to_contain_text("float")
    snippet = endpoint.get_by_role("tabpanel")
    expect(snippet).to_contain_text("import Client")
    expect(snippet).to_contain_text(f'Client("{url}")')
    expect(snippet).to_contain_text('api_name="/greet"')
    page.screenshot(path=str(screenshot_dir / "api-page.png"))

    endpoint.get_by_role("tab", name="JavaScript").click()
    expect(snippet).to_contain_text("@gradio/client")
    expect(snippet).to_contain_text('.predict("/greet"')
    endpoint.get_by_role("tab", name="curl").click()
    expect(snippet).to_contain_text("curl")
    expect(snippet).to_contain_text("/gradio_api/call/greet")
    expect(page).to_have_url(url + "?view=api")

    dialog.get_by_role("button", name="Close the API page").click()
    expect(dialog).to_be_hidden()


def test_api_recorder_turns_clicks_into_code(page: Any, apps: RunningApps) -> None:
    app = apps.get("interface")
    open_app(page, app)
    footer_link = page.locator("footer").get_by_role("link", name="Use via API")
    footer_link.click()
    page.get_by_role("dialog", name="Use via API").get_by_role("button", name="Record").click()
    expect(page.get_by_role("dialog", name="Use via API")).to_be_hidden()  # closes so the app can be used

    field(page, app.demo.input_components[0]).fill("Zed")
    page.get_by_role("button", name="Submit").click()
    expect(field(page, app.demo.output_components[0])).to_have_value("Hello, Zed!!")

    footer_link.click()
    recorder = page.get_by_role("region", name="API recorder")
    recorder.get_by_role("button", name="Stop recording").click()
    expect(recorder).to_contain_text("1 call recorded")
    expect(recorder.get_by_role("tabpanel")).to_contain_text('"Zed"')
    expect(recorder.get_by_role("tabpanel")).to_contain_text('api_name="/greet"')
