"""Small Playwright helpers shared by the browser tests; selectors follow docs/design/frontend.md."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every browser test then, with the reason
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

from app_launcher import RunningApps, free_port, load_app  # noqa: E402, F401 - re-exported for the tests

APPS_DIR = Path(__file__).parent / "apps"
VIEWPORT = {"width": 1000, "height": 760}  # screenshots under docs/images are this wide


def open_app(page: Page, app: ModuleType, path: str = "") -> Page:
    """Open the app and wait until the runtime took over the server-rendered markup.

    The entry module sets `window.podium` (the runtime) and hydrates synchronously, so once it is set the
    events are wired; `#podium-app` must hold the rendered layout by then.
    """
    page.goto(app.demo.local_url.rstrip("/") + "/" + path.lstrip("/"), wait_until="load")
    page.wait_for_function("() => window.podium !== undefined")
    page.locator("#podium-app .pd-block").first.wait_for(state="attached")
    return page


def block(page: Page, component: Any) -> Locator:
    """The root element of a component (`id="component-{id}"` in the DOM contract)."""
    return page.locator(f"#component-{component.id}")


def field(page: Page, component: Any) -> Locator:
    """The input element of a form component (`id="input-{id}"` in the DOM contract)."""
    return page.locator(f"#input-{component.id}")


def choose(page: Page, dropdown: Any, options: list[str]) -> None:
    """Click each of `options` in a dropdown (a `<select>`, or a combobox with `role=option` items): for a
    single dropdown the last one becomes the value; a multiselect toggles each one."""
    control = field(page, dropdown)
    if control.evaluate("e => e.tagName") == "SELECT":
        if control.get_attribute("multiple") is None:
            control.select_option(label=options[-1])
        else:
            current = control.evaluate("e => Array.from(e.selectedOptions, o => o.label)")
            control.select_option(
                label=[o for o in current if o not in options] + [o for o in options if o not in current]
            )
        return
    for option in options:
        control.click()
        block(page, dropdown).get_by_role("option", name=option, exact=True).click()
    control.press("Escape")


def expect_selection(page: Page, dropdown: Any, options: list[str]) -> None:
    """The dropdown shows exactly `options` as selected (a `<select>`'s options, or the chips/text of a combobox)."""
    control = field(page, dropdown)
    if control.evaluate("e => e.tagName") == "SELECT":
        expect(control).to_have_values(options)
    elif getattr(dropdown, "multiselect", False):
        for option in options:
            expect(block(page, dropdown).locator(".pd-token, [data-value]").filter(has_text=option)).to_have_count(1)
    else:
        expect(control).to_have_value(options[0])
