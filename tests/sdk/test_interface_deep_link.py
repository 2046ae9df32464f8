"""`Interface(deep_link=...)`: Gradio's switch for a DeepLinkButton under the outputs."""

from __future__ import annotations

import pytest

import podium as gr


def _deep_link_buttons(demo: gr.Blocks) -> list[dict]:
    return [c for c in demo.get_config_file()["components"] if c["type"] == "deeplinkbutton"]


def test_no_button_by_default_off_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYSTEM", raising=False)
    assert _deep_link_buttons(gr.Interface(lambda x: x, "text", "text")) == []


def test_a_space_gets_the_button_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSTEM", "spaces")
    assert len(_deep_link_buttons(gr.Interface(lambda x: x, "text", "text"))) == 1
    assert _deep_link_buttons(gr.Interface(lambda x: x, "text", "text", deep_link=False)) == []


def test_true_a_label_or_a_button(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYSTEM", raising=False)
    (button,) = _deep_link_buttons(gr.Interface(lambda x: x, "text", "text", deep_link=True))
    assert button["props"]["value"] == "Share via Link"
    (button,) = _deep_link_buttons(gr.Interface(lambda x: x, "text", "text", deep_link="Copy a link"))
    assert button["props"]["value"] == "Copy a link"
    mine = gr.DeepLinkButton("Share this", variant="primary")
    demo = gr.Interface(lambda x: x, "text", "text", deep_link=mine)
    (button,) = _deep_link_buttons(demo)
    assert button["id"] == mine._id and button["props"]["variant"] == "primary"
    assert demo.deep_link_btn is mine
