"""A Blocks app in a browser: chained events (.then/.success/.failure), per-session State across clicks, a
streaming generator whose output grows, and gr.Error / gr.Info shown as toasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_helpers import VIEWPORT, RunningApps, block, expect, field, open_app


def test_chained_events_then_success_failure(page: Any, apps: RunningApps, screenshot_dir: Path) -> None:
    app = apps.get("blocks")
    open_app(page, app)
    block(page, app.run).click()
    expect(field(page, app.upper)).to_have_value("PODIUM")
    expect(field(page, app.final)).to_have_value("PODIUM!")
    expect(field(page, app.status)).to_have_value("ok:PODIUM")
    page.screenshot(path=str(screenshot_dir / "blocks.png"))

    field(page, app.name).fill("fail")
    block(page, app.run).click()
    expect(page.get_by_test_id("toast-error")).to_contain_text("step one failed")  # the gr.Error toast
    expect(field(page, app.status)).to_have_value("recovered")  # .failure ran, .success did not
    expect(field(page, app.upper)).to_have_value("PODIUM")  # the failed step changed nothing


def test_state_is_kept_across_clicks_per_session(browser: Any, page: Any, apps: RunningApps) -> None:
    app = apps.get("blocks")
    open_app(page, app)
    for expected in ("clicked 1 times", "clicked 2 times", "clicked 3 times"):
        block(page, app.count_button).click()
        expect(field(page, app.counter)).to_have_value(expected)
    other = browser.new_context(viewport=VIEWPORT)
    try:
        other_page = open_app(other.new_page(), app)
        block(other_page, app.count_button).click()
        expect(field(other_page, app.counter)).to_have_value("clicked 1 times")  # a new visitor, a new State
    finally:
        other.close()
    block(page, app.count_button).click()
    expect(field(page, app.counter)).to_have_value("clicked 4 times")


def test_streaming_output_grows_to_its_final_value(page: Any, apps: RunningApps) -> None:
    app = apps.get("blocks")
    app.stream_gate.clear()
    open_app(page, app)
    try:
        block(page, app.stream_button).click()
        expect(field(page, app.streamed)).to_have_value("part 1")  # the first yield, while the handler waits
    finally:
        app.stream_gate.set()
    expect(field(page, app.streamed)).to_have_value("part 1 part 2 part 3 part 4")


def test_error_info_and_warning_toasts(page: Any, apps: RunningApps) -> None:
    app = apps.get("blocks")
    open_app(page, app)
    block(page, app.fail_button).click()
    error = page.get_by_test_id("toast-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("custom failure: podium")
    expect(error).to_have_attribute("role", "alert")
    block(page, app.info_button).click()
    info = page.get_by_test_id("toast-info")
    expect(info).to_be_visible()
    expect(info).to_contain_text("info about podium")
    expect(page.get_by_test_id("toast-warning")).to_contain_text("warning about podium")
    expect(field(page, app.notice)).to_have_value("notified podium")


def test_js_handler_runs_in_the_browser(page: Any, apps: RunningApps) -> None:
    app = apps.get("blocks")
    open_app(page, app)
    joins: list[str] = []
    page.on("request", lambda r: joins.append(r.url) if "/gradio_api/" in r.url else None)
    field(page, app.name).fill("abc")
    block(page, app.reverse_button).click()
    expect(field(page, app.reversed_text)).to_have_value("cba")
    assert joins == [], f"a js-only event reached the server: {joins}"


def test_progress_bar_and_queue_position(browser: Any, page: Any, apps: RunningApps) -> None:
    app = apps.get("progress")
    app.gate.clear()
    app.started.clear()
    open_app(page, app)
    other = browser.new_context(viewport=VIEWPORT)
    waiting = other.new_page()
    try:
        open_app(waiting, app)
        field(page, app.text).fill("first")
        block(page, app.go).click()
        bar = block(page, app.out).get_by_role("progressbar", name="Halfway there")
        expect(bar).to_have_attribute("aria-valuenow", "50")
        assert app.started.wait(10)
        field(waiting, app.text).fill("second")
        block(waiting, app.go).click()  # concurrency_limit=1: waits behind the first
        expect(block(waiting, app.out).get_by_role("status")).to_contain_text("queue: 1/")
    finally:
        app.gate.set()
        expect(field(page, app.out)).to_have_value("done first")
        expect(field(waiting, app.out)).to_have_value("done second")
        other.close()
    expect(bar).to_be_hidden()


def test_plain_exception_hides_its_message(page: Any, apps: RunningApps) -> None:
    """A handler's own exception (not gr.Error) shows an error, never its message (show_error is off)."""
    app = apps.get("blocks")
    open_app(page, app)
    block(page, app.crash_button).click()
    error = page.get_by_test_id("toast-error")
    expect(error).to_be_visible()
    expect(error).not_to_contain_text("secret detail")
    expect(page.locator("body")).not_to_contain_text("secret detail")


def test_returned_component_updates_props(page: Any, apps: RunningApps) -> None:
    app = apps.get("blocks")
    open_app(page, app)
    block(page, app.relabel_button).click()
    expect(field(page, app.notice)).to_have_value("relabelled podium")
    expect(page.get_by_label("Renamed box", exact=True)).to_have_value("relabelled podium")
    expect(block(page, app.notice)).not_to_contain_text("Notice")
