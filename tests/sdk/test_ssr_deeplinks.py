"""Server-side rendering of deep links: the notice at the top of a page opened with `?deep_link=ID`
(`config["deep_link_state"]`), the DeepLinkButton, and restored Tabs / Accordion state (props `selected`, `open`).

The markup must equal what the browser's runtime builds (so hydration changes nothing): the configs and their
server markup are stored in `frontend_dist/tests/runtime/deeplink_ssr_cases.json`, and
`frontend_dist/tests/runtime/deeplink_ssr.test.tsx` renders them with the real `<App>` and compares.
Regenerate the file after changing a renderer: `.venv/bin/python tests/sdk/test_ssr_deeplinks.py`.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import podium as gr
from podium.ssr import render_app
from podium.ssr.html import sorted_attributes
from podium.ssr.notice import NOTICE_FALLBACK

CASES_FILE = Path(__file__).resolve().parents[2] / "frontend_dist" / "tests" / "runtime" / "deeplink_ssr_cases.json"
XSS = "<script>alert('x')</script>"
STATUSES = ("restored", "partial", "not_found", "expired", "unavailable", "disabled")


def _app() -> gr.Blocks:
    with gr.Blocks() as demo:
        gr.Textbox(label="Name", value="Ada")
        with gr.Tabs():
            with gr.Tab("One", id="one"):
                gr.Textbox(label="In one")
            with gr.Tab("Two", id="two"):
                gr.Textbox(label="In two")
        with gr.Accordion("More", open=False):
            gr.Markdown("Inside")
        gr.DeepLinkButton()
        gr.DeepLinkButton("Off <b>", interactive=False, variant="primary", size="sm")
    return demo


def _base_config() -> dict[str, Any]:
    """The app's components and layout, numbered 1, 2, ... (block ids count up across the process)."""
    config = _app().get_config_file()
    new = {c["id"]: i + 1 for i, c in enumerate(config["components"])}

    def layout(node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": new.get(node["id"], node["id"])}
        if "children" in node:
            out["children"] = [layout(c) for c in node["children"]]
        return out

    components = [{"id": new[c["id"]], "type": c["type"], "props": c["props"]} for c in config["components"]]
    return {"components": components, "layout": layout(config["layout"])}


def _with(config: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(config)
    for key, value in changes.items():
        out[key] = value
    return out


def _restored(config: dict[str, Any]) -> dict[str, Any]:
    """As the server applies a snapshot: the second tab selected, the accordion open, a value set."""
    out = copy.deepcopy(config)
    for c in out["components"]:
        if c["type"] == "tabs":
            c["props"]["selected"] = "two"
        elif c["type"] == "accordion":
            c["props"]["open"] = True
        elif c["props"].get("label") == "Name":
            c["props"]["value"] = "Grace"
    return out


def cases() -> list[dict[str, Any]]:
    base = _base_config()
    configs: list[tuple[str, dict[str, Any]]] = [("no link", base)]
    for status in STATUSES:
        state = {"id": "abcdefgh12345678", "status": status, "message": f"The link says {status}.", "skipped": []}
        configs.append((status, _with(_restored(base) if status in ("restored", "partial") else base,
                                      deep_link_state=state)))
    configs.append(("fallback message", _with(base, deep_link_state={"id": "x", "status": "expired"})))
    configs.append(("escaped message", _with(base, deep_link_state={"id": "x", "status": "partial", "message": XSS})))
    out = []
    for name, config in configs:
        with sorted_attributes():
            html = render_app(config)
        out.append({"name": name, "config": config, "html": html})
    return out


def write_cases() -> None:
    CASES_FILE.write_text(json.dumps(cases(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _render(**changes: Any) -> str:
    return render_app(_with(_base_config(), **changes))


def test_no_state_means_no_notice() -> None:
    assert "pd-deeplink-notice" not in _render()
    for bad in (None, "restored", 3, [], {}, {"status": ""}, {"status": 5}, {"message": "no status"}):
        assert "pd-deeplink-notice" not in _render(deep_link_state=bad), bad


def test_the_notice_opens_the_app_with_its_status_and_message() -> None:
    for status in STATUSES:
        html = _render(deep_link_state={"id": "abcdefgh", "status": status, "message": f"Said {status}."})
        assert html.startswith(
            f'<div class="pd-deeplink-notice" role="status" data-status="{status}">'
            f'<span class="pd-deeplink-notice-message">Said {status}.</span>'
            '<button type="button" class="pd-deeplink-notice-dismiss" aria-label="Dismiss">×</button></div>'
        ), html[:300]
        assert html.count("pd-deeplink-notice\"") == 1


def test_a_missing_message_falls_back_per_status() -> None:
    for status in STATUSES:
        html = _render(deep_link_state={"status": status})
        assert NOTICE_FALLBACK[status] in html
    assert '<span class="pd-deeplink-notice-message"></span>' in _render(deep_link_state={"status": "new_kind"})


def test_the_message_and_status_are_escaped() -> None:
    html = _render(deep_link_state={"status": 'x" onmouseover="alert(1)', "message": XSS})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert 'data-status="x&quot; onmouseover=&quot;alert(1)"' in html


def test_a_layout_less_config_still_shows_the_notice() -> None:
    assert render_app({"components": [], "deep_link_state": {"status": "not_found"}}).startswith(
        '<div class="pd-deeplink-notice"'
    )


def test_the_deep_link_button_is_a_plain_idle_button() -> None:
    html = _render()
    buttons = re.findall(r'<button id="component-\d+" class="pd-block pd-deeplinkbutton[^>]*>[^<]*</button>', html)
    assert len(buttons) == 2, html
    assert 'class="pd-block pd-deeplinkbutton pd-btn pd-secondary pd-lg" data-testid="deeplinkbutton" type="button">' in buttons[0]
    assert ">Share via Link</button>" in buttons[0]
    assert "disabled" not in buttons[0] and "data-deep-link" not in buttons[0]
    assert "pd-btn pd-primary pd-sm" in buttons[1] and " disabled>" in buttons[1]
    assert ">Off &lt;b&gt;</button>" in buttons[1]


def test_a_link_prop_does_not_make_the_deep_link_button_a_link() -> None:
    config = _base_config()
    for c in config["components"]:
        if c["type"] == "deeplinkbutton":
            c["props"]["link"] = "https://example.invalid/"
    assert "example.invalid" not in render_app(config)


def test_restored_tab_and_accordion_come_through_props() -> None:
    html = render_app(_restored(_base_config()))
    assert re.search(r'<button [^>]*aria-selected="true"[^>]*>Two</button>', html)
    assert re.search(r'<details [^>]*open>', html)
    assert 'value="Grace"' in html or ">Grace<" in html


def test_parity_cases_file_is_current() -> None:
    """The configs and markup Vitest compares with the runtime's `<App>` must be today's."""
    assert CASES_FILE.exists(), "run .venv/bin/python tests/sdk/test_ssr_deeplinks.py"
    stored = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(cases(), ensure_ascii=False)), (
        f"{CASES_FILE.name} is stale: run .venv/bin/python tests/sdk/test_ssr_deeplinks.py"
    )


if __name__ == "__main__":
    write_cases()
    print(f"wrote {CASES_FILE}")
