"""Deep links in a browser (docs/design/deep-links.md): a visitor fills the app, runs an event, picks a tab and
opens an accordion, clicks the DeepLinkButton; the copied URL reopens the app as they saw it in a new browser
context (without the State value, without running the `load` event the link restored), and without JavaScript
(server-side rendered). An unknown id shows the normal app with a notice; an oversized snapshot an error toast.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from browser_helpers import RunningApps, block, choose, expect, expect_selection, field, open_app

# Runs before any page script: records server-rendered blocks (and the notice) that hydration throws away.
WATCH_REMOVED = """
window.__removed = [];
new MutationObserver((records) => {
  for (const r of records) for (const n of r.removedNodes)
    if (n.nodeType === 1 && (n.matches('.pd-block, .pd-deeplink-notice') || n.querySelector('.pd-block')))
      window.__removed.push(n.outerHTML.slice(0, 120));
}).observe(document, { childList: true, subtree: true });
"""


def _fn_index(app: Any, api_name: str) -> int:
    deps = app.demo.get_config_file()["dependencies"]
    return next(d["id"] for d in deps if d["api_name"] == api_name)


def _share(page: Any, app: Any) -> tuple[str, dict[str, Any]]:
    """Click the DeepLinkButton; the link (from `data-deep-link`) and the body the browser POSTed."""
    button = block(page, app.share)
    with page.expect_request(lambda r: r.url.endswith("/deep_link") and r.method == "POST") as request:
        button.click()
    expect(button).to_have_attribute("data-deep-link", re.compile(r"\?deep_link=[A-Za-z0-9_-]{8,64}$"))
    expect(button).to_be_enabled()
    return button.get_attribute("data-deep-link"), json.loads(request.value.post_data or "{}")


def _fill(page: Any, app: Any) -> None:
    open_app(page, app)
    expect(field(page, app.greeting)).to_have_value("Welcome")  # the `load` event ran
    field(page, app.name).fill("Ada")
    choose(page, app.color, ["blue"])
    field(page, app.size).fill("7")
    block(page, app.go).click()
    expect(field(page, app.greeting)).to_have_value("Hello Ada: blue x7")
    expect(field(page, app.extra)).to_have_value("Ada was here")
    page.get_by_role("tab", name="Second").click()
    field(page, app.second_note).fill("second thoughts")
    page.get_by_text("Advanced", exact=True).click()
    field(page, app.notes).fill("open notes")


def _expect_restored(page: Any, app: Any) -> None:
    expect(field(page, app.name)).to_have_value("Ada")
    expect_selection(page, app.color, ["blue"])
    expect(field(page, app.size)).to_have_value("7")
    expect(field(page, app.greeting)).to_have_value("Hello Ada: blue x7")
    expect(block(page, app.extra)).to_be_visible()
    expect(field(page, app.extra)).to_have_value("Ada was here")
    expect(page.get_by_role("tab", name="Second")).to_have_attribute("aria-selected", "true")
    expect(field(page, app.second_note)).to_be_visible()
    expect(field(page, app.second_note)).to_have_value("second thoughts")
    expect(block(page, app.advanced)).to_have_attribute("open", "")
    expect(field(page, app.notes)).to_be_visible()
    expect(field(page, app.notes)).to_have_value("open notes")
    notice = page.locator(".pd-deeplink-notice")
    expect(notice).to_have_attribute("data-status", "restored")
    expect(notice).to_have_attribute("role", "status")


def test_a_deep_link_reopens_the_app_as_the_visitor_saw_it(browser: Any, context: Any, page: Any,
                                                           apps: RunningApps) -> None:
    app = apps.get("deep_links")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.demo.local_url.rstrip("/"))
    _fill(page, app)
    url, body = _share(page, app)

    # what the browser sent: values but no State and no buttons; the tab's id; the accordion open
    values = body["values"]
    assert body["session_hash"]
    assert str(app.secret.id) not in values
    for button in (app.go, app.show, app.share):
        assert str(button.id) not in values
    assert values[str(app.name.id)] == "Ada" and values[str(app.size.id)] == 7
    assert body["tabs"] == {str(app.tabs.id): "second"}
    assert body["accordions"] == {str(app.advanced.id): True}
    assert body["visible"][str(app.extra.id)] is True

    # the link is on the clipboard and the toast says so
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(page.get_by_test_id("toast-success")).to_contain_text("Link copied to clipboard")
    assert url.startswith(app.demo.local_url.rstrip("/"))

    # a new browser context (another visitor): the same values, tab and accordion; no State; no `load` rerun
    other = browser.new_context(viewport={"width": 1000, "height": 760})
    try:
        visitor = other.new_page()
        visitor.add_init_script(WATCH_REMOVED)
        joins: list[int] = []
        visitor.on("request", lambda r: joins.append(json.loads(r.post_data or "{}").get("fn_index"))
                   if r.url.endswith("/queue/join") else None)
        load_state = _fn_index(app, "load_state")
        with visitor.expect_request(lambda r: r.url.endswith("/queue/join")
                                    and json.loads(r.post_data or "{}").get("fn_index") == load_state):
            visitor.goto(url, wait_until="load")
        visitor.wait_for_function("() => window.podium !== undefined")
        _expect_restored(visitor, app)
        assert _fn_index(app, "welcome") not in joins, "the load event whose output the link restored ran"
        assert visitor.evaluate("window.__removed") == [], "hydration replaced the server's restored markup"
        block(visitor, app.show).click()
        expect(field(visitor, app.shown_secret)).to_have_value(re.compile(r"^(loaded|no secret)$"))
        # the notice can be dismissed and the app goes on from the restored values
        visitor.locator(".pd-deeplink-notice").get_by_role("button", name="Dismiss").click()
        expect(visitor.locator(".pd-deeplink-notice")).to_have_count(0)
        block(visitor, app.go).click()
        expect(field(visitor, app.greeting)).to_have_value("Hello Ada: blue x7")
    finally:
        other.close()

    # without JavaScript: the server renders the restored page
    static = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 760})
    try:
        static_page = static.new_page()
        static_page.goto(url, wait_until="load")
        _expect_restored(static_page, app)
    finally:
        static.close()


def test_an_unknown_link_shows_the_normal_app_with_a_notice(page: Any, apps: RunningApps) -> None:
    app = apps.get("deep_links")
    open_app(page, app, "?deep_link=NoSuchLink1234")
    notice = page.locator(".pd-deeplink-notice")
    expect(notice).to_have_attribute("data-status", "not_found")
    expect(notice).to_be_visible()
    expect(field(page, app.greeting)).to_have_value("Welcome")  # nothing restored: the load event runs
    expect(field(page, app.name)).to_have_value("")
    expect(page.get_by_role("tab", name="First")).to_have_attribute("aria-selected", "true")
    field(page, app.name).fill("Bea")
    block(page, app.go).click()
    expect(field(page, app.greeting)).to_have_value("Hello Bea: red x2")


@pytest.mark.parametrize("link_id", ["short", "bad id with spaces!"])
def test_a_malformed_link_id_shows_the_normal_app(page: Any, apps: RunningApps, link_id: str) -> None:
    app = apps.get("deep_links")
    open_app(page, app, f"?deep_link={link_id}")
    expect(page.locator(".pd-deeplink-notice")).to_have_attribute("data-status", "not_found")
    expect(field(page, app.greeting)).to_have_value("Welcome")


def test_an_oversized_snapshot_shows_an_error_toast(page: Any, apps: RunningApps) -> None:
    app = apps.get("deep_links")
    open_app(page, app)
    # 600,000 characters: over the store's 512 KB limit (set through the runtime: typing it would take long)
    page.evaluate(f"window.podium.handles({app.notes.id}).setValue('x'.repeat(600000))")
    button = block(page, app.share)
    button.click()
    toast = page.get_by_test_id("toast-error")
    expect(toast).to_contain_text("KB")
    expect(toast).to_contain_text("limit")
    expect(button).to_be_enabled()
    assert button.get_attribute("data-deep-link") is None
