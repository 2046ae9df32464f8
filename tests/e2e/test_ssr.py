"""Server-side rendering: with JavaScript disabled, the first HTML response already shows every component
and its current value, and carries the config inline."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import RunningApps, block, expect, expect_selection, field, open_app

import podium as gr


@pytest.fixture
def static_page(browser: Any) -> Any:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 760})
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def visible_components(demo: gr.Blocks) -> list[Any]:
    return [
        b
        for b in demo.blocks.values()
        if isinstance(b, gr.Component) and not isinstance(b, gr.State) and b.visible is not False
    ]


def test_every_component_is_in_the_html_without_javascript(static_page: Any, apps: RunningApps) -> None:
    for name in ("forms", "display", "interface", "blocks", "files", "layouts"):
        app = apps.get(name)
        static_page.goto(app.demo.local_url, wait_until="load")
        html = static_page.content()
        assert "window.gradio_config" in html, f"{name}: the config is not inlined in the page"
        expect(static_page.locator("#podium-app")).to_be_visible()
        for component in visible_components(app.demo):
            expect(block(static_page, component), f"{name}: {component!r}").to_be_attached()
            expect(block(static_page, component)).to_have_attribute("data-testid", component.get_block_name())
            if getattr(component, "label", None) and component.get_block_name() not in ("button", "clearbutton"):
                expect(block(static_page, component)).to_contain_text(component.label)


def test_form_values_are_rendered_without_javascript(static_page: Any, apps: RunningApps) -> None:
    forms = apps.get("forms")
    static_page.goto(forms.demo.local_url, wait_until="load")
    expect(field(static_page, forms.name)).to_have_value("Ada")
    expect(field(static_page, forms.number)).to_have_value("1.5")
    expect(field(static_page, forms.slider)).to_have_value("10")
    expect(field(static_page, forms.checked)).to_be_checked()
    picks = block(static_page, forms.picks)
    expect(picks.get_by_role("checkbox", name="red")).to_be_checked()
    expect(picks.get_by_role("checkbox", name="green")).not_to_be_checked()
    size = block(static_page, forms.radio)
    expect(size.get_by_role("radio", name="small")).to_be_checked()
    expect(size.get_by_role("radio", name="large")).not_to_be_checked()
    expect_selection(static_page, forms.single, ["y"])
    expect_selection(static_page, forms.multi, ["x"])
    expect(field(static_page, forms.color)).to_have_value("#ff0000")
    expect(block(static_page, forms.go)).to_contain_text("Summarize")


def test_display_values_are_rendered_without_javascript(static_page: Any, apps: RunningApps) -> None:
    display = apps.get("display")
    static_page.goto(display.demo.local_url, wait_until="load")
    markdown = block(static_page, display.markdown)
    expect(markdown.get_by_role("heading", name="Display title")).to_be_visible()
    expect(markdown.locator("strong")).to_have_text("bold")
    expect(block(static_page, display.html).locator("p.e2e-html b")).to_have_text("HTML")
    expect(block(static_page, display.data)).to_contain_text("apple")
    expect(block(static_page, display.label)).to_contain_text("cat")
    expect(block(static_page, display.code)).to_contain_text("print('hello from code')")
    expect(block(static_page, display.color).locator("input")).to_have_value(re.compile("#3366ff", re.I))


def test_interface_layout_is_rendered_without_javascript(static_page: Any, apps: RunningApps) -> None:
    app = apps.get("interface")
    static_page.goto(app.demo.local_url, wait_until="load")
    expect(static_page.get_by_role("heading", name="Greeter")).to_be_visible()
    expect(static_page.get_by_text("Says hello as loudly as you like.")).to_be_visible()
    expect(static_page.get_by_role("button", name="Submit")).to_be_visible()
    expect(static_page.get_by_role("button", name="Clear")).to_be_visible()
    expect(block(static_page, app.demo.examples_dataset)).to_contain_text("Ann")
    expect(field(static_page, app.demo.input_components[1])).to_have_value("2")


# Runs before any page script: records every `.pd-block` element removed from the page and every layout shift.
WATCH_HYDRATION = """
window.__removedBlocks = [];
window.__layoutShift = 0;
new MutationObserver((records) => {
  for (const r of records) for (const n of r.removedNodes)
    if (n.nodeType === 1 && (n.matches('.pd-block') || n.querySelector('.pd-block'))) window.__removedBlocks.push(n.outerHTML.slice(0, 120));
}).observe(document, { childList: true, subtree: true });
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__layoutShift += e.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


def test_hydration_keeps_the_server_markup(page: Any, apps: RunningApps) -> None:
    """The runtime takes over the server-rendered blocks in place: none is thrown away and rebuilt, and
    nothing moves (cumulative layout shift stays near zero)."""
    page.add_init_script(WATCH_HYDRATION)
    for name in ("forms", "display", "interface"):
        app = apps.get(name)
        open_app(page, app)
        page.wait_for_timeout(300)  # let a late re-render (if any) happen before reading the observers
        removed = page.evaluate("window.__removedBlocks")
        assert removed == [], f"{name}: hydration replaced server-rendered blocks: {removed[:3]}"
        shift = page.evaluate("window.__layoutShift")
        assert shift < 0.01, f"{name}: the page moved while the runtime took over (layout shift {shift:.3f})"


def test_hidden_blocks_carry_the_hidden_attribute(static_page: Any, apps: RunningApps) -> None:
    app = apps.get("layouts")
    static_page.goto(app.demo.local_url, wait_until="load")
    expect(block(static_page, app.shown)).to_have_attribute("hidden", "")
    expect(block(static_page, app.shown)).to_be_hidden()
    expect(static_page.get_by_role("tab", name="First")).to_have_attribute("aria-selected", "true")
    expect(field(static_page, app.first_text)).to_have_value("one")


SNAPSHOT = """() => {
  const root = document.querySelector('#podium-app');
  const fields = Array.from(root.querySelectorAll('input, textarea, select'), (e) =>
    e.type === 'checkbox' || e.type === 'radio' ? String(e.checked) : e.value);
  return { text: root.innerText, fields };
}"""


def test_the_runtime_shows_what_the_server_rendered(static_page: Any, page: Any, apps: RunningApps) -> None:
    """Same visible text and the same input values before and after the runtime takes over: no value flickers."""
    for name in ("forms", "display", "interface", "layouts"):
        app = apps.get(name)
        static_page.goto(app.demo.local_url, wait_until="load")
        before = static_page.evaluate(SNAPSHOT)
        open_app(page, app)
        after = page.evaluate(SNAPSHOT)
        assert after["fields"] == before["fields"], f"{name}: input values changed on hydration"
        assert after["text"] == before["text"], f"{name}: visible text changed on hydration"
