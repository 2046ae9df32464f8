"""The Interface page in a browser: title, description and article, Submit, the examples table, Clear, and
the light/dark theme (followed from the OS, switchable in the footer). Saves the Interface screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_helpers import VIEWPORT, RunningApps, block, expect, field, open_app

# Runs before the page's scripts: the theme and background of the first frame the browser renders.
FIRST_FRAME = """
requestAnimationFrame(() => {
  const bg = getComputedStyle(document.body || document.documentElement).backgroundColor.match(/[\\d.]+/g).map(Number);
  window.__firstFrame = [document.documentElement.getAttribute('data-theme'), bg];
});
"""


def background_luminance(page: Any) -> float:
    """0 (black) to 255 (white): the page's background as the user sees it."""
    return float(
        page.evaluate(
            """() => {
              for (const el of [document.querySelector('#podium-app'), document.body, document.documentElement]) {
                const m = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g);
                if (m && (m.length < 4 || Number(m[3]) > 0)) return 0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2];
              }
              return 255;
            }"""
        )
    )


def test_interface_submit_examples_clear(page: Any, apps: RunningApps, screenshot_dir: Path) -> None:
    app = apps.get("interface")
    demo = app.demo
    name, intensity = demo.input_components
    (greeting,) = demo.output_components
    open_app(page, app)
    expect(page.get_by_role("heading", name="Greeter")).to_be_visible()
    expect(page.get_by_text("Says hello as loudly as you like.")).to_be_visible()
    expect(page.get_by_text("Built with Podium.")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "interface-light.png"))

    field(page, name).fill("Cy")
    page.get_by_role("button", name="Submit").click()
    expect(field(page, greeting)).to_have_value("Hello, Cy!!")

    examples = block(page, demo.examples_dataset)
    examples.get_by_text("Ann", exact=True).click()
    expect(field(page, name)).to_have_value("Ann")
    expect(field(page, intensity)).to_have_value("3")
    page.get_by_role("button", name="Submit").click()
    expect(field(page, greeting)).to_have_value("Hello, Ann!!!")

    page.get_by_role("button", name="Clear").click()
    expect(field(page, name)).to_have_value("")
    expect(field(page, greeting)).to_have_value("")


def test_theme_follows_the_os_and_switches(browser: Any, apps: RunningApps, screenshot_dir: Path) -> None:
    app = apps.get("interface")
    light = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    dark = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    try:
        light_page = open_app(light.new_page(), app)
        dark_page = open_app(dark.new_page(), app)
        assert background_luminance(light_page) > 180, "light OS scheme: the page should be light"
        assert background_luminance(dark_page) < 80, "dark OS scheme: the page should follow it and be dark"

        light_page.locator("footer").get_by_label("Theme").select_option("dark")
        expect(light_page.locator("html")).to_have_attribute("data-theme", "dark")
        assert background_luminance(light_page) < 80, "choosing Dark in the footer did not darken the page"
        field(light_page, app.demo.input_components[0]).fill("Dee")
        light_page.get_by_role("button", name="Submit").click()
        expect(field(light_page, app.demo.output_components[0])).to_have_value("Hello, Dee!!")
        light_page.screenshot(path=str(screenshot_dir / "interface-dark.png"))

        light_page.add_init_script(FIRST_FRAME)
        light_page.reload(wait_until="load")  # the choice is remembered, from the very first frame (no flash)
        expect(light_page.locator("html")).to_have_attribute("data-theme", "dark")
        light_page.wait_for_function("() => window.__firstFrame !== undefined")
        theme, rgb = light_page.evaluate("window.__firstFrame")
        assert theme == "dark", f"the first frame was painted with data-theme={theme!r}: a light flash"
        assert 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 80, f"first frame background {rgb}"
        light_page.locator("footer").get_by_label("Theme").select_option("light")
        expect(light_page.locator("html")).to_have_attribute("data-theme", "light")
        assert background_luminance(light_page) > 180
    finally:
        light.close()
        dark.close()


def test_interface_stop_cancels_a_generator(page: Any, apps: RunningApps) -> None:
    app = apps.get("interface_stream")
    (name,) = app.demo.input_components
    (ticks,) = app.demo.output_components
    app.gate.clear()
    open_app(page, app)
    field(page, name).fill("a")
    page.get_by_role("button", name="Submit").click()
    expect(field(page, ticks)).to_have_value("a: tick 1")
    page.get_by_role("button", name="Stop").click()
    expect(block(page, ticks).get_by_role("status")).to_have_count(0)  # no longer shown as running
    app.gate.set()  # the cancelled generator may go on in its thread; its output must not show
    page.wait_for_timeout(500)
    expect(field(page, ticks)).to_have_value("a: tick 1")

    field(page, name).fill("b")
    page.get_by_role("button", name="Submit").click()
    expect(field(page, ticks)).to_have_value("b: tick 2")


def test_interface_swaps_submit_and_stop_while_streaming(page: Any, apps: RunningApps) -> None:
    """Gradio shows Stop instead of Submit while an Interface's generator runs, and Submit again after."""
    app = apps.get("interface_stream")
    (name,) = app.demo.input_components
    (ticks,) = app.demo.output_components
    app.gate.clear()
    open_app(page, app)
    submit, stop = page.get_by_role("button", name="Submit"), page.get_by_role("button", name="Stop")
    try:
        expect(stop).to_be_hidden(timeout=2_000)  # the page is loaded: no need to wait long
        field(page, name).fill("c")
        submit.click()
        expect(field(page, ticks)).to_have_value("c: tick 1")
        expect(stop).to_be_visible()
        expect(submit).to_be_hidden()
    finally:
        app.gate.set()
    expect(field(page, ticks)).to_have_value("c: tick 2")
    expect(submit).to_be_visible()
    expect(stop).to_be_hidden()
