"""Server-side rendering of `Chatbot` (frontend_dist/src/app/components/Chatbot.tsx draws the same markup).

The conversation is a `role="log"` region (screen readers announce new messages politely) holding one
`pd-chat-message pd-chat-{role}` row per message: an optional avatar and a bubble with the message's text
(Markdown through the same renderer as the Markdown component), its files, and a copy button. An empty chat
shows the placeholder (Markdown too).
"""

from __future__ import annotations

from typing import Any

from podium.ssr.block import Node, block, field_label
from podium.ssr.format import file_name, file_url, js_num, text
from podium.ssr.html import el, txt
from podium.ssr.markdown import render_markdown

ROLES = ("user", "assistant", "system")


def css_size(v: Any) -> str | None:
    """A height prop as CSS: numbers are pixels, strings are CSS lengths (as Chatbot.tsx's cssSize)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return f"{js_num(v)}px"
    return v if isinstance(v, str) and v else None


def log_style(props: dict[str, Any]) -> str | None:
    s = ""
    for name, css in (("height", "height"), ("max_height", "max-height"), ("min_height", "min-height")):
        size = css_size(props.get(name))
        if size is not None:
            s += f"{css}:{size};"
    return s or None


def messages_of(value: Any) -> list[dict[str, Any]]:
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def parts_of(message: dict[str, Any]) -> list[Any]:
    """A message's content as parts (a plain string counts as one text part)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content if isinstance(content, list) else []


def message_text(message: dict[str, Any]) -> str:
    """What the copy button copies: the text parts, then file names, one per paragraph."""
    out = []
    for p in parts_of(message):
        if not isinstance(p, dict):
            continue
        if p.get("type") == "file" and isinstance(p.get("file"), dict):
            out.append(file_name(p["file"]))
        elif isinstance(p.get("text"), str):
            out.append(p["text"])
    return "\n\n".join(out)


def _text_html(src: str, props: dict[str, Any]) -> str:
    if props.get("render_markdown") is False:
        return el("div", {"class": "pd-chat-text pd-chat-plain"}, txt(src))
    html = render_markdown(
        src, sanitize=props.get("sanitize_html") is not False, line_breaks=props.get("line_breaks") is not False
    )
    return el("div", {"class": "pd-chat-text pd-prose"}, html)


def _part_html(p: Any, props: dict[str, Any]) -> str:
    if not isinstance(p, dict):
        return ""
    if p.get("type") == "file" and isinstance(p.get("file"), dict):
        f = p["file"]
        name = file_name(f)
        mime = f.get("mime_type")
        if isinstance(mime, str) and mime.startswith("image/"):
            alt = p.get("alt_text")
            return el("img", {"class": "pd-chat-image", "src": file_url(f), "alt": alt if isinstance(alt, str) else name})
        return el(
            "a",
            {"class": "pd-chat-file", "href": file_url(f), "download": name, "target": "_blank", "rel": "noopener"},
            txt(name),
        )
    if isinstance(p.get("text"), str):
        return _text_html(p["text"], props)
    return el("div", {"class": "pd-chat-component"}, txt(text(p.get("value"))))


def _avatar(props: dict[str, Any], role: str) -> str:
    avatars = props.get("avatar_images")
    if not isinstance(avatars, list) or role == "system":
        return ""
    a = avatars[0 if role == "user" else 1] if len(avatars) > (0 if role == "user" else 1) else None
    if not isinstance(a, dict) or not isinstance(a.get("path"), str):
        return ""
    return el("img", {"class": "pd-chat-avatar", "src": file_url(a), "alt": ""})


def _bubble(message: dict[str, Any], index: int, props: dict[str, Any]) -> str:
    body = "".join(_part_html(p, props) for p in parts_of(message))
    metadata = message.get("metadata")
    meta: dict[str, Any] = metadata if isinstance(metadata, dict) else {}
    title = meta.get("title")
    if isinstance(title, str) and title:
        log = meta.get("log")
        summary = txt(title) + (el("span", {"class": "pd-chat-thought-log"}, txt(log)) if isinstance(log, str) else "")
        body = el(
            "details",
            {"class": "pd-chat-thought", "open": meta.get("status") != "done"},
            el("summary", {}, summary),
            el("div", {"class": "pd-chat-thought-body"}, body),
        )
    buttons = props.get("buttons")
    copy = ""
    if isinstance(buttons, list) and "copy" in buttons:
        copy = el(
            "button",
            {"type": "button", "class": "pd-chat-copy", "aria-label": "Copy message", "title": "Copy message"},
            "Copy",
        )
    return el("div", {"class": "pd-chat-bubble", "data-index": str(index)}, body, copy)


def role_of(message: dict[str, Any]) -> str:
    """The message's role for styling: user, assistant or system (anything else shows as the assistant's)."""
    role = message.get("role")
    return role if isinstance(role, str) and role in ROLES else "assistant"


def chatbot(node: Node) -> str:
    props = node.props
    messages = messages_of(node.value)
    rows = []
    for i, m in enumerate(messages):
        role = role_of(m)
        rows.append(el("div", {"class": f"pd-chat-message pd-chat-{role}"}, _avatar(props, role), _bubble(m, i, props)))
    placeholder = props.get("placeholder")
    if not messages and isinstance(placeholder, str) and placeholder:
        html = render_markdown(placeholder, sanitize=props.get("sanitize_html") is not False)
        rows.append(el("div", {"class": "pd-chat-placeholder pd-prose"}, html))
    log = el(
        "div",
        {
            "class": "pd-chat-log",
            "role": "log",
            "aria-live": "polite",
            "aria-labelledby": f"label-{node.id}",
            "tabindex": 0,
            "style": log_style(props),
        },
        *rows,
    )
    parts = [field_label(node, "Chatbot", for_input=False)]
    buttons = props.get("buttons")
    if isinstance(buttons, list) and "copy_all" in buttons and messages:
        parts.append(
            el("button", {"type": "button", "class": "pd-chat-copy-all", "aria-label": "Copy conversation"}, "Copy all")
        )
    parts.append(log)
    classes = ["pd-chat-panel"] if props.get("layout") == "panel" else []
    if props.get("rtl") is True:
        classes.append("pd-rtl")
    return block(node, *parts, cls=" ".join(classes))
