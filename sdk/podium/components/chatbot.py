"""`Chatbot`: a conversation shown as messages, in Gradio 6's wire format.

The payload is a list of messages `{"role": "user"|"assistant"|"system", "metadata": {...} | None,
"content": [part, ...], "options": [...] | None}` whose parts are `{"type": "text", "text": ...}`,
`{"type": "file", "file": FileData, "alt_text": ...}` or `{"type": "component", ...}` (kept as sent).
Handlers may return messages with a plain string (or a file path dict) as `content`, `ChatMessage`s,
dataclasses with `role`/`content`, or the older pairs format (`[[user, bot], ...]`); `postprocess` turns every
one of them into the wire format. `type="tuples"` also gives the handler pairs back, for code written that way.
"""

from __future__ import annotations

import dataclasses
import inspect
import mimetypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from podium.components.base import Component
from podium.exceptions import Error
from podium.files.filedata import FILE_DATA_SCHEMA, file_data, is_file_data

ROLES = ("user", "assistant", "system")
DEFAULT_BUTTONS = ("share", "copy", "copy_all")
_FORMAT_ERROR = (
    "Data incompatible with messages format. Each message should be a dictionary with 'role' and 'content' keys "
    "or a ChatMessage object."
)


@dataclasses.dataclass
class ChatMessage:
    """One message (`gr.ChatMessage`): `content` is text, a file, or a list of those; `role` defaults to the
    assistant; `metadata` (`title`, `log`, `duration`, `status`, `id`, `parent_id`) shows it as a "thought"."""

    content: Any
    role: Literal["user", "assistant", "system"] = "assistant"
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    options: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _file_part(path: str, alt_text: str | None = None, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    given = {k: v for k, v in (fields or {}).items() if v is not None}
    data = {**file_data(path, orig_name=Path(path.split("?")[0]).name or None), **given}
    if path.startswith(("http://", "https://")) and not data.get("url"):
        data["url"] = path
    if not data.get("mime_type"):
        data["mime_type"] = mimetypes.guess_type(data.get("orig_name") or path)[0]
    return {"type": "file", "file": data, "alt_text": alt_text}


def _part(item: Any) -> dict[str, Any]:
    """One piece of a message's content in its wire form."""
    if isinstance(item, str):
        return {"type": "text", "text": inspect.cleandoc(item)}
    if isinstance(item, os.PathLike):
        return _file_part(os.fspath(item))
    if isinstance(item, dict):
        kind = item.get("type")
        if kind == "text" and isinstance(item.get("text"), str):
            return {"type": "text", "text": item["text"]}
        if kind == "file" and isinstance(item.get("file"), dict) and isinstance(item["file"].get("path"), str):
            return _file_part(item["file"]["path"], item.get("alt_text"), item["file"])
        if kind == "component" and isinstance(item.get("component"), str):
            return dict(item)
        if isinstance(item.get("path"), str):  # a FileData dict, or {"path": ..., "alt_text": ...}
            fields = {k: v for k, v in item.items() if k != "alt_text"} if is_file_data(item) else None
            return _file_part(item["path"], item.get("alt_text"), fields)
    if isinstance(item, Component):
        raise Error("Chatbot messages hold text and files; a component inside a message is not supported.")
    raise Error(f"Invalid message for Chatbot component: {item!r}"[:300])


def _content(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, tuple):  # the pairs format's file: (path,) or (path, alt_text)
        if not content or not isinstance(content[0], (str, os.PathLike)):
            raise Error(f"Invalid message for Chatbot component: {content!r}"[:300])
        alt = content[1] if len(content) > 1 and isinstance(content[1], str) else None
        return [_file_part(os.fspath(content[0]), alt)]
    items = content if isinstance(content, list) else [content]
    return [_part(item) for item in items if item is not None]


def _message(message: Any) -> dict[str, Any] | None:
    """A message in wire form, or None when it has no content (Gradio drops those)."""
    if isinstance(message, dict):
        if "role" not in message or "content" not in message:
            raise Error(_FORMAT_ERROR)
        role, content = message["role"], message["content"]
        metadata, options = message.get("metadata"), message.get("options")
    elif hasattr(message, "role") and hasattr(message, "content"):  # ChatMessage and look-alike dataclasses
        role, content = message.role, message.content
        metadata, options = getattr(message, "metadata", None), getattr(message, "options", None)
    else:
        raise Error(_FORMAT_ERROR)
    if not isinstance(role, str):
        raise Error(f"A chat message's role must be a string such as 'user' or 'assistant', not {role!r}."[:300])
    parts = _content(content)
    if not parts:
        return None
    return {
        "role": role,
        "metadata": dict(metadata) if isinstance(metadata, dict) else None,
        "content": parts,
        "options": [dict(o) for o in options if isinstance(o, dict)] if isinstance(options, list) else None,
    }


def is_pairs(value: Sequence[Any]) -> bool:
    """Whether a non-empty list is in the pairs format (`[[user, bot], ...]`)."""
    return bool(value) and all(isinstance(m, (list, tuple)) and len(m) == 2 for m in value)


def pairs_to_messages(value: Sequence[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise Error("Data incompatible with tuples format. Each message should be a list of length 2.")
        for role, content in zip(("user", "assistant"), pair, strict=True):
            if content is not None:
                out.append({"role": role, "content": content})
    return out


def _part_as_pair_item(part: dict[str, Any]) -> Any:
    if part.get("type") == "file" and isinstance(part.get("file"), dict):
        alt = part.get("alt_text")
        return (part["file"].get("path"),) if alt is None else (part["file"].get("path"), alt)
    return part.get("text", "")


def messages_to_pairs(messages: list[dict[str, Any]]) -> list[list[Any]]:
    """Messages as `[[user, bot], ...]`: consecutive user (or assistant) messages each open their own pair."""
    pairs: list[list[Any]] = []
    for message in messages:
        items = [_part_as_pair_item(p) for p in message["content"]]
        item = items[0] if len(items) == 1 else "\n".join(str(i) for i in items if isinstance(i, str))
        if message["role"] == "user" or not pairs or pairs[-1][1] is not None:
            pairs.append([item, None] if message["role"] == "user" else [None, item])
        else:
            pairs[-1][1] = item
    return pairs


def fits_messages(payload: Any) -> bool:
    """Whether `payload` is a list of message dicts with string roles (a deep link's chat history)."""
    if not isinstance(payload, list):
        return False
    for m in payload:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or "content" not in m:
            return False
        content = m["content"]
        if not isinstance(content, (str, list)) or (
            isinstance(content, list) and not all(isinstance(p, dict) for p in content)
        ):
            return False
    return True


_MESSAGE_SCHEMA: dict[str, Any] = {
    "$defs": {
        "TextMessage": {
            "properties": {"text": {"title": "Text", "type": "string"},
                           "type": {"const": "text", "default": "text", "title": "Type", "type": "string"}},
            "required": ["text"], "title": "TextMessage", "type": "object",
        },
        "FileData": FILE_DATA_SCHEMA,
        "FileMessage": {
            "properties": {
                "file": {"$ref": "#/$defs/FileData"},
                "alt_text": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Alt Text"},
                "type": {"const": "file", "default": "file", "title": "Type", "type": "string"},
            },
            "required": ["file"], "title": "FileMessage", "type": "object",
        },
        "ComponentMessage": {
            "properties": {
                "component": {"title": "Component", "type": "string"},
                "value": {"title": "Value"},
                "constructor_args": {"additionalProperties": True, "title": "Constructor Args", "type": "object"},
                "props": {"additionalProperties": True, "title": "Props", "type": "object"},
                "type": {"const": "component", "default": "component", "title": "Type", "type": "string"},
            },
            "required": ["component", "value", "constructor_args", "props"], "title": "ComponentMessage",
            "type": "object",
        },
        "MetadataDict": {
            "properties": {
                "title": {"title": "Title", "type": "string"},
                "id": {"anyOf": [{"type": "integer"}, {"type": "string"}], "title": "Id"},
                "parent_id": {"anyOf": [{"type": "integer"}, {"type": "string"}], "title": "Parent Id"},
                "log": {"title": "Log", "type": "string"},
                "duration": {"title": "Duration", "type": "number"},
                "status": {"enum": ["pending", "done"], "title": "Status", "type": "string"},
            },
            "title": "MetadataDict", "type": "object",
        },
        "OptionDict": {
            "properties": {"value": {"title": "Value", "type": "string"}, "label": {"title": "Label", "type": "string"}},
            "required": ["value"], "title": "OptionDict", "type": "object",
        },
        "Message": {
            "properties": {
                "role": {"title": "Role", "type": "string"},
                "metadata": {"anyOf": [{"$ref": "#/$defs/MetadataDict"}, {"type": "null"}], "default": None},
                "content": {
                    "items": {"anyOf": [{"$ref": "#/$defs/TextMessage"}, {"$ref": "#/$defs/FileMessage"},
                                        {"$ref": "#/$defs/ComponentMessage"}]},
                    "title": "Content", "type": "array",
                },
                "options": {"anyOf": [{"items": {"$ref": "#/$defs/OptionDict"}, "type": "array"}, {"type": "null"}],
                            "default": None, "title": "Options"},
            },
            "required": ["role", "content"], "title": "Message", "type": "object",
        },
    },
    "items": {"$ref": "#/$defs/Message"},
    "title": "ChatbotDataMessages",
    "type": "array",
}


class Chatbot(Component):
    """A conversation. Functions return the whole history (messages, `ChatMessage`s or pairs) and receive it
    as a list of message dicts (pairs with `type="tuples"`). Usually an output; streaming a reply means
    yielding the growing history."""

    EVENTS = ("change", "select", "like", "retry", "undo", "example_select", "option_select", "clear", "copy",
              "edit")

    def __init__(
        self,
        value: Any = None,
        *,
        type: Literal["messages", "tuples"] | None = None,  # noqa: A002 - Gradio's name
        label: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        autoscroll: bool = True,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        height: int | str | None = 400,
        resizable: bool = False,
        max_height: int | str | None = None,
        min_height: int | str | None = None,
        editable: Literal["user", "all"] | None = None,
        latex_delimiters: list[dict[str, str | bool]] | None = None,
        rtl: bool = False,
        buttons: list[str] | None = None,
        show_copy_button: bool | None = None,
        watermark: str | None = None,
        avatar_images: tuple[str | Path | None, str | Path | None] | None = None,
        sanitize_html: bool = True,
        render_markdown: bool = True,
        feedback_options: list[str] | tuple[str, ...] | None = ("Like", "Dislike"),
        feedback_value: Sequence[str | None] | None = None,
        line_breaks: bool = True,
        layout: Literal["panel", "bubble"] | None = None,
        placeholder: str | None = None,
        examples: list[dict[str, Any]] | None = None,
        allow_file_downloads: bool = True,
        group_consecutive_messages: bool = True,
        allow_tags: list[str] | bool = True,
        reasoning_tags: list[tuple[str, str]] | None = None,
        like_user_message: bool = False,
        **kwargs: Any,
    ) -> None:
        if type not in (None, "messages", "tuples"):
            raise ValueError(f"Chatbot type must be 'messages' or 'tuples', not {type!r}.")
        self.type = type
        self.autoscroll = autoscroll
        self.height = height
        self.resizable = resizable
        self.max_height = max_height
        self.min_height = min_height
        self.editable = editable
        self.latex_delimiters = (
            [{"left": "$$", "right": "$$", "display": True}] if latex_delimiters is None else latex_delimiters
        )
        self.rtl = rtl
        chosen = list(DEFAULT_BUTTONS) if buttons is None else [b for b in buttons if isinstance(b, str)]
        if show_copy_button is True and "copy" not in chosen:  # the Gradio 5 switch
            chosen.append("copy")
        elif show_copy_button is False:
            chosen = [b for b in chosen if b not in ("copy", "copy_all")]
        self.buttons = chosen
        self.show_copy_button = show_copy_button
        self.watermark = watermark
        self.avatar_images = [self._avatar(a) for a in (avatar_images or (None, None))][:2]
        self.sanitize_html = sanitize_html
        self.render_markdown = render_markdown
        self.feedback_options = list(feedback_options) if feedback_options is not None else None
        self.feedback_value = list(feedback_value) if feedback_value is not None else None
        self.line_breaks = line_breaks
        self.layout = layout
        self.placeholder = placeholder
        self.examples = examples
        self.allow_file_downloads = allow_file_downloads
        self.group_consecutive_messages = group_consecutive_messages
        self.allow_tags = allow_tags if allow_tags else False
        self.reasoning_tags = reasoning_tags
        self.like_user_message = like_user_message
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, container=container,
            scale=scale, min_width=min_width, visible=visible, elem_id=elem_id, elem_classes=elem_classes,
            render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    @staticmethod
    def _avatar(image: str | Path | None) -> dict[str, Any] | None:
        """An avatar as FileData: a URL as is, a local file served by the app (it must be in `allowed_paths`)."""
        if image is None:
            return None
        return _file_part(os.fspath(image))["file"]

    # --- conversions ------------------------------------------------------------------------------

    def empty_value(self) -> Any:
        return []

    def preprocess(self, payload: Any) -> Any:
        if payload is None:
            return []
        if not isinstance(payload, list):
            raise Error("Data incompatible with the messages format: a Chatbot's payload is a list of messages.")
        messages = [m for m in (_message(m) for m in payload) if m is not None]
        return messages_to_pairs(messages) if self.type == "tuples" else messages

    def postprocess(self, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise Error(_FORMAT_ERROR)
        items = list(value)
        if self.type == "tuples" or (self.type is None and is_pairs(items)):
            items = pairs_to_messages(items)
        return [m for m in (_message(m) for m in items) if m is not None]

    def deep_link_fits(self, payload: Any) -> bool:
        """A chat history restores when it is a JSON list of message dicts with string roles."""
        return fits_messages(payload) and super().deep_link_fits(payload)

    def api_info(self) -> dict[str, Any]:
        return _MESSAGE_SCHEMA

    def api_description(self) -> str:
        return "a list of chat message dictionaries in openai format, e.g. {'role': 'user', 'content': 'Hello'}"

    def example_payload(self) -> Any:
        return [
            {"role": "user", "metadata": None, "content": [{"text": "Hello!", "type": "text"}], "options": None},
            {"role": "assistant", "metadata": None, "content": [{"text": "How can I help you?", "type": "text"}],
             "options": None},
        ]

    def example_value(self) -> Any:
        return self.example_payload()
