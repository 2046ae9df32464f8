"""Ten tabs of one app in one browser all submit at once and all get their own result. The runtime shares one
event stream per browser (docs/design/frontend.md), so the tabs do not hold ten long-lived requests and
cannot exhaust Chromium's six connections per host."""

from __future__ import annotations

from typing import Any

from browser_helpers import RunningApps, block, expect, field, open_app

TABS = 10
STREAM_PATHS = ("/queue/data", "/queue/stream")


def test_ten_tabs_submit_at_once(context: Any, apps: RunningApps) -> None:
    app = apps.get("echo")
    streams: list[str] = []
    joins: list[dict[str, Any]] = []

    def seen(request: Any) -> None:
        if any(path in request.url for path in STREAM_PATHS):
            streams.append(request.url)
        elif request.url.endswith("/queue/join") and request.method == "POST":
            joins.append(request.post_data_json)

    context.on("request", seen)
    pages = [open_app(context.new_page(), app) for _ in range(TABS)]
    for i, tab in enumerate(pages):
        field(tab, app.text).fill(f"tab {i}")
    for tab in pages:
        block(tab, app.send).click()
    for i, tab in enumerate(pages):
        expect(field(tab, app.out)).to_have_value(f"echo: tab {i}", timeout=20_000)
    # Requests a SharedWorker makes are not reported per page; tabs that each opened a stream would be.
    if joins:  # the tabs joined from the page: every join names the same shared stream
        stream_ids = {join.get("stream_id") for join in joins}
        assert len(joins) == TABS and len(stream_ids) == 1 and None not in stream_ids, f"stream ids: {stream_ids}"
    assert len(streams) <= 1, f"{len(streams)} event streams for {TABS} tabs (expected one shared): {streams}"
