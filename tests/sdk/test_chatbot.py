"""`Chatbot`: the messages format in and out (Gradio 6's wire shape), the older pairs format, `ChatMessage`,
bad input, the API schema, deep-link fit, and its server-side markup.

The markup check is shared with Vitest: `frontend_dist/tests/components/chatbot_cases.json` holds each case's
props, value and server markup; `frontend_dist/tests/components/chatbot.test.tsx` renders the same with
Chatbot.tsx and compares. Regenerate the file after changing either renderer:
`.venv/bin/python tests/sdk/test_chatbot.py`.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import podium as gr
from podium.exceptions import Error
from podium.ssr import render_app
from podium.ssr.block import Node
from podium.ssr.chat import chatbot as render_chatbot
from podium.ssr.html import sorted_attributes

CASES_FILE = Path(__file__).resolve().parents[2] / "frontend_dist" / "tests" / "components" / "chatbot_cases.json"
XSS = "<script>alert('x')</script>"


def text_message(role: str, text: str, metadata: Any = None) -> dict[str, Any]:
    return {"role": role, "metadata": metadata, "content": [{"type": "text", "text": text}], "options": None}


# --- conversions ---------------------------------------------------------------------------------------


def test_messages_with_string_content_become_the_wire_format() -> None:
    chat = gr.Chatbot([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "**yo**",
                                                          "metadata": {"title": "Thinking"}}])
    assert chat.value == [text_message("user", "hi"), text_message("assistant", "**yo**", {"title": "Thinking"})]
    assert chat.get_config()["value"] == chat.value


def test_pairs_are_detected_and_turned_into_messages() -> None:
    chat = gr.Chatbot()
    assert chat.postprocess([["a", "b"], ("c", None), [None, "d"]]) == [
        text_message("user", "a"), text_message("assistant", "b"), text_message("user", "c"),
        text_message("assistant", "d"),
    ]


def test_chat_message_dataclasses_and_look_alikes() -> None:
    @dataclasses.dataclass
    class Mine:
        role: str
        content: str

    out = gr.Chatbot().postprocess([gr.ChatMessage("x"), Mine("user", "u"), gr.ChatMessage("t", metadata={"title": "T"})])
    assert out[0] == {"role": "assistant", "metadata": {}, "content": [{"type": "text", "text": "x"}], "options": []}
    assert out[1] == text_message("user", "u")
    assert out[2]["metadata"] == {"title": "T"}


def test_text_is_dedented_and_empty_messages_are_dropped() -> None:
    out = gr.Chatbot().postprocess([{"role": "assistant", "content": "\n    one\n    two\n"},
                                    {"role": "user", "content": None}, {"role": "user", "content": []}])
    assert out == [text_message("assistant", "one\ntwo")]


def test_files_in_messages(tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"png")
    out = gr.Chatbot().postprocess([
        {"role": "user", "content": {"path": str(image), "alt_text": "a cat"}},
        {"role": "assistant", "content": ["Here:", gr.FileData(path=str(tmp_path / "r.pdf"))]},
    ])
    pair = gr.Chatbot().postprocess([((str(image),), "nice")])
    first = out[0]["content"][0]
    assert first["type"] == "file" and first["alt_text"] == "a cat"
    assert first["file"]["path"] == str(image) and first["file"]["mime_type"] == "image/png"
    assert first["file"]["meta"] == {"_type": "gradio.FileData"}
    assert [p["type"] for p in out[1]["content"]] == ["text", "file"]
    assert out[1]["content"][1]["file"]["orig_name"] == "r.pdf"
    assert pair[0]["content"][0]["file"]["path"] == str(image)  # a pair whose user half is a file
    assert pair[1] == text_message("assistant", "nice")


def test_preprocess_gives_messages_back_and_accepts_string_content() -> None:
    chat = gr.Chatbot()
    payload = [text_message("user", "hi"), {"role": "assistant", "content": "plain"}]
    assert chat.preprocess(payload) == [text_message("user", "hi"), text_message("assistant", "plain")]
    assert chat.preprocess(None) == []
    assert chat.preprocess(chat.postprocess(chat.preprocess(payload))) == chat.preprocess(payload)  # round trip


def test_tuples_type_gives_pairs_to_the_handler() -> None:
    chat = gr.Chatbot(type="tuples")
    payload = [text_message("user", "a"), text_message("assistant", "b"), text_message("user", "c")]
    assert chat.preprocess(payload) == [["a", "b"], ["c", None]]
    assert chat.postprocess([["a", "b"]]) == payload[:2]
    with pytest.raises(Error, match="tuples format"):
        chat.postprocess([["only one"]])


@pytest.mark.parametrize(
    "bad",
    [
        "not a list",
        [1, 2],
        [{"role": "user"}],
        [{"content": "no role"}],
        [{"role": 3, "content": "x"}],
        [{"role": "user", "content": 42}],
        [{"role": "user", "content": [{"type": "mystery"}]}],
        [{"role": "user", "content": {"file": "not a dict", "type": "file"}}],
    ],
)
def test_malformed_payloads_are_refused_with_a_clear_error(bad: Any) -> None:
    with pytest.raises(Error):
        gr.Chatbot().preprocess(bad)


@pytest.mark.parametrize("bad", ["text", 5, [{"role": "user"}], [{"role": "user", "content": object()}]])
def test_malformed_return_values_are_refused(bad: Any) -> None:
    with pytest.raises(Error):
        gr.Chatbot().postprocess(bad)


def test_a_component_inside_a_message_is_refused_clearly() -> None:
    with pytest.raises(Error, match="component inside a message"):
        gr.Chatbot().postprocess([{"role": "assistant", "content": gr.Textbox(render=False)}])


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="messages"):
        gr.Chatbot(type="pairs")  # type: ignore[arg-type]


# --- props, API and events ------------------------------------------------------------------------------


def test_unknown_gradio_arguments_warn_and_are_ignored() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chat = gr.Chatbot(bubble_full_width=False)
    assert any("bubble_full_width" in str(w.message) for w in caught)
    assert "bubble_full_width" not in chat.get_config()


def test_config_props_and_copy_buttons() -> None:
    config = gr.Chatbot(label="Chat", height=300, placeholder="Say *hi*", layout="panel").get_config()
    assert config["value"] == [] and config["name"] == "chatbot"
    assert config["height"] == 300 and config["placeholder"] == "Say *hi*" and config["layout"] == "panel"
    assert config["buttons"] == ["share", "copy", "copy_all"] and config["autoscroll"] is True
    assert config["render_markdown"] is True and config["avatar_images"] == [None, None]
    assert gr.Chatbot(show_copy_button=False).buttons == ["share"]
    assert gr.Chatbot(buttons=[], show_copy_button=True).buttons == ["copy"]


def test_avatar_images_are_file_data() -> None:
    chat = gr.Chatbot(avatar_images=("https://example.com/u.png", None))
    user, bot = chat.avatar_images
    assert user is not None and user["url"] == "https://example.com/u.png" and user["mime_type"] == "image/png"
    assert bot is None


def test_events_are_gradios() -> None:
    assert set(gr.Chatbot.EVENTS) >= {"change", "select", "like", "retry", "undo", "clear", "copy"}
    for name in ("change", "select", "like", "retry", "undo", "clear", "copy"):
        assert callable(getattr(gr.Chatbot(), name))


def test_api_info_describes_a_list_of_messages() -> None:
    from gradio_client.utils import json_schema_to_python_type

    info = gr.Chatbot().api_info()
    assert info["type"] == "array" and info["items"] == {"$ref": "#/$defs/Message"}
    python_type = json_schema_to_python_type(info)
    assert python_type.startswith("list[dict(role: str, metadata: dict(title: str")
    assert "content: list[dict(text: str, type: Literal[text]) | dict(file: filepath" in python_type
    example = gr.Chatbot().example_payload()
    assert example[0] == text_message("user", "Hello!")
    assert gr.Chatbot().preprocess(example) == example


def test_deep_link_fits_a_list_of_messages_with_string_roles() -> None:
    chat = gr.Chatbot()
    assert chat.deep_link_fits([])
    assert chat.deep_link_fits([text_message("user", "hi"), {"role": "assistant", "content": "yo"}])
    for bad in (None, "x", {"role": "user"}, [["a", "b"]], [{"role": 1, "content": "x"}],
                [{"role": "user"}], [{"role": "user", "content": 5}], [{"role": "user", "content": ["str"]}]):
        assert not chat.deep_link_fits(bad), bad


def test_a_handler_round_trip_in_an_app() -> None:
    """What a chat app's handler sees and returns: the history as messages, appended to and returned."""

    def respond(message: str, history: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
        return "", [*history, {"role": "user", "content": message}, {"role": "assistant", "content": message.upper()}]

    chat = gr.Chatbot()
    history = chat.preprocess(chat.postprocess([{"role": "user", "content": "a"}]))
    _, returned = respond("b", history)
    assert [m["content"][0]["text"] for m in chat.postprocess(returned)] == ["a", "b", "B"]


# --- server-side markup -----------------------------------------------------------------------------------

CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "conversation": (
        {"label": "Assistant"},
        [{"role": "user", "content": "Hello **there**"}, {"role": "assistant", "content": "- one\n- two\n\n`code`"}],
    ),
    "placeholder": ({"placeholder": "Ask me *anything*"}, None),
    "empty hidden label": ({"label": "Chat", "show_label": False, "buttons": []}, []),
    "pairs files avatars panel": (
        {
            "type": "tuples",
            "avatar_images": ("https://example.com/me.png", "https://example.com/bot.png"),
            "layout": "panel",
            "rtl": True,
            "height": "50vh",
            "max_height": 600,
            "min_height": 100,
            "buttons": ["copy_all"],
            "render_markdown": False,
            "line_breaks": False,
        },
        [[("/tmp/podium/cat.png", "a cat"), "A *cat*\nindeed"], [("/tmp/podium/report final.pdf",), None]],
    ),
    "thoughts roles escaping": (
        {"elem_id": "chat", "elem_classes": ["x"], "show_copy_button": True, "visible": False, "scale": 2},
        [
            {"role": "system", "content": "Be brief."},
            {"role": "assistant", "content": "looked it up", "metadata": {"title": "Used a tool", "status": "done",
                                                                         "log": "0.2 s"}},
            {"role": "assistant", "content": "still thinking", "metadata": {"title": "Thinking", "status": "pending"}},
            {"role": "robot", "content": XSS + "\n\n<img src=x onerror=alert(1)>"},
            {"role": "user", "content": [{"type": "component", "component": "json", "value": {"a": 1},
                                          "constructor_args": {}, "props": {}}]},
        ],
    ),
}


def node_of(kwargs: dict[str, Any], value: Any, block_id: int = 7) -> Node:
    config = gr.Chatbot(value, render=False, **kwargs).get_config()
    payload = config.pop("value")
    return Node(id=block_id, type="chatbot", props=json.loads(json.dumps(config)), value=json.loads(json.dumps(payload)))


def parity_cases() -> list[dict[str, Any]]:
    cases = []
    for name, (kwargs, value) in CASES.items():
        node = node_of(kwargs, value)
        with sorted_attributes():
            html = render_chatbot(node)
        cases.append({"name": name, "id": node.id, "props": node.props, "value": node.value, "html": html})
    return cases


def write_cases() -> None:
    CASES_FILE.write_text(json.dumps(parity_cases(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_markup_has_a_polite_log_of_bubbles_with_role_classes() -> None:
    html = render_chatbot(node_of(*CASES["conversation"]))
    assert html.startswith('<div id="component-7" class="pd-block pd-chatbot" data-testid="chatbot" '
                           'style="min-width:min(160px, 100%);">')
    assert '<span class="pd-label" id="label-7">Assistant</span>' in html
    assert ('<div class="pd-chat-log" role="log" aria-live="polite" aria-labelledby="label-7" tabindex="0" '
            'style="height:400px;">') in html
    assert html.index("pd-chat-user") < html.index("pd-chat-assistant")
    assert "<p>Hello <strong>there</strong></p>" in html and "<li>one</li>" in html and "<code>code</code>" in html
    assert html.count('class="pd-chat-copy"') == 2 and 'class="pd-chat-copy-all"' in html


def test_markup_of_the_placeholder_and_an_empty_chat() -> None:
    html = render_chatbot(node_of(*CASES["placeholder"]))
    assert '<div class="pd-chat-placeholder pd-prose"><p>Ask me <em>anything</em></p></div>' in html
    assert "pd-chat-copy-all" not in html  # nothing to copy yet
    empty = render_chatbot(node_of(*CASES["empty hidden label"]))
    assert "pd-chat-message" not in empty and "pd-chat-placeholder" not in empty
    assert '<span class="pd-label pd-sr-only" id="label-7">Chat</span>' in empty


def test_markup_of_files_avatars_and_plain_text() -> None:
    html = render_chatbot(node_of(*CASES["pairs files avatars panel"]))
    assert 'class="pd-block pd-chatbot pd-chat-panel pd-rtl"' in html
    assert 'style="height:50vh;max-height:600px;min-height:100px;"' in html
    assert '<img class="pd-chat-image" src="gradio_api/file=/tmp/podium/cat.png" alt="a cat">' in html
    assert ('<a class="pd-chat-file" href="gradio_api/file=/tmp/podium/report%20final.pdf" download="report final.pdf"'
            in html)
    assert '<img class="pd-chat-avatar" src="https://example.com/me.png" alt="">' in html
    assert '<div class="pd-chat-text pd-chat-plain">A *cat*\nindeed</div>' in html
    assert 'class="pd-chat-copy"' not in html


def test_markup_escapes_and_shows_thoughts() -> None:
    html = render_chatbot(node_of(*CASES["thoughts roles escaping"]))
    assert "<script>" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert html.startswith('<div id="chat" data-block-id="7" class="pd-block pd-chatbot x" data-testid="chatbot" hidden')
    assert '<details class="pd-chat-thought"><summary>Used a tool<span class="pd-chat-thought-log">0.2 s</span>' in html
    assert '<details class="pd-chat-thought" open><summary>Thinking</summary>' in html
    assert html.count("pd-chat-system") == 1 and html.count("pd-chat-assistant") == 3  # the unknown role too
    assert '<div class="pd-chat-component">{&quot;a&quot;:1}</div>' in html


def test_the_whole_page_renders_a_chatbot_with_its_value() -> None:
    with gr.Blocks() as demo:
        chat = gr.Chatbot([{"role": "user", "content": "restored question"}], label="History")
    html = render_app(demo.get_config_file())
    assert f'id="component-{chat.id}"' in html and "restored question" in html and ">History<" in html


def test_parity_cases_file_is_current() -> None:
    """The props, values and markup Vitest compares with Chatbot.tsx must be today's."""
    assert CASES_FILE.exists(), "run .venv/bin/python tests/sdk/test_chatbot.py"
    stored = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(parity_cases(), ensure_ascii=False)), (
        "frontend_dist/tests/components/chatbot_cases.json is stale: run .venv/bin/python tests/sdk/test_chatbot.py"
    )


if __name__ == "__main__":
    write_cases()
    print(f"wrote {CASES_FILE}")
