"""Layouts in a browser: switching Tabs, opening an Accordion, a hidden block revealed by gr.update; and an app
launched with ssr_mode=False (empty page without JavaScript, fully rendered with it)."""

from __future__ import annotations

from typing import Any

from browser_helpers import RunningApps, block, expect, field, open_app


def test_tabs_accordion_and_visibility(page: Any, apps: RunningApps) -> None:
    app = apps.get("layouts")
    open_app(page, app)
    first, second = page.get_by_role("tab", name="First"), page.get_by_role("tab", name="Second")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(field(page, app.first_text)).to_be_visible()
    expect(field(page, app.second_text)).to_be_hidden()
    second.click()
    expect(second).to_have_attribute("aria-selected", "true")
    expect(field(page, app.second_text)).to_be_visible()
    expect(field(page, app.second_text)).to_have_value("two")
    expect(field(page, app.first_text)).to_be_hidden()

    note = block(page, app.hidden_note)
    expect(note).to_be_hidden()
    page.get_by_text("More", exact=True).click()
    expect(note).to_be_visible()
    expect(note).to_contain_text("Inside the accordion")

    expect(block(page, app.shown)).to_be_hidden()
    block(page, app.reveal).click()
    expect(block(page, app.shown)).to_be_visible()
    expect(field(page, app.shown)).to_have_value("revealed")


def test_ssr_mode_false_renders_in_the_browser(browser: Any, page: Any, apps: RunningApps) -> None:
    app = apps.get("no_ssr")
    static = browser.new_context(java_script_enabled=False)
    try:
        static_page = static.new_page()
        static_page.goto(app.demo.local_url, wait_until="load")
        expect(static_page.locator("#podium-app .pd-block")).to_have_count(0)
        assert "window.gradio_config" in static_page.content()
    finally:
        static.close()
    open_app(page, app)
    expect(field(page, app.text)).to_have_value("client side")
    field(page, app.text).press("Enter")
    expect(field(page, app.out)).to_have_value("CLIENT SIDE")
