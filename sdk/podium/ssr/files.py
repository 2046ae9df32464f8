"""Buttons and files: twins of Button, DeepLinkButton, UploadButton, DownloadButton and FileInput.tsx."""

from __future__ import annotations

from typing import Any

from podium.ssr.block import Node, block, field_label, root_attrs
from podium.ssr.format import file_name, file_size, file_url, label_of, text
from podium.ssr.html import el, txt


def button_class(props: dict[str, Any]) -> str:
    variant = props.get("variant") if props.get("variant") in ("primary", "stop", "huggingface") else "secondary"
    size = props.get("size") if props.get("size") in ("sm", "md") else "lg"
    return f"pd-btn pd-{variant} pd-{size}"


def button(node: Node) -> str:
    props = node.props
    label = txt(text(node.value))
    link = props.get("link")
    if isinstance(link, str) and link:
        target = props.get("link_target")
        attrs = {**root_attrs(node, button_class(props)), "href": link, "target": target if isinstance(target, str) else None}
        return el("a", attrs, label)
    attrs = {**root_attrs(node, button_class(props)), "type": "button", "disabled": props.get("interactive") is False}
    return el("button", attrs, label)


def accept_of(file_types: Any) -> str | None:
    if not isinstance(file_types, list) or not file_types:
        return None
    kinds = {"image": "image/*", "audio": "audio/*", "video": "video/*", "text": "text/*"}
    parts = [kinds.get(t, t) for t in map(str, file_types) if t != "file"]
    return ",".join(parts) if parts else None


def _multiple(props: dict[str, Any]) -> bool:
    return props.get("file_count") in ("multiple", "directory")


def uploadbutton(node: Node) -> str:
    props = node.props
    disabled = props.get("interactive") is False
    picker = el(
        "input",
        {
            "id": f"input-{node.id}",
            "class": "pd-sr-only",
            "type": "file",
            "tabindex": -1,
            "accept": accept_of(props.get("file_types")),
            "multiple": _multiple(props),
            "disabled": disabled,
            "aria-hidden": "true",
        },
    )
    btn = el(
        "button", {"type": "button", "class": button_class(props), "disabled": disabled}, txt(label_of(props, "Upload a File"))
    )
    return el("div", root_attrs(node), picker, btn)


def downloadbutton(node: Node) -> str:
    props = node.props
    label = txt(label_of(props, "Download"))
    f = node.value if isinstance(node.value, dict) else None
    if f and props.get("interactive") is not False:
        inner = el("a", {"class": button_class(props), "href": file_url(f), "download": file_name(f)}, label)
    else:
        inner = el("button", {"type": "button", "class": button_class(props), "disabled": True}, label)
    return el("div", root_attrs(node), inner)


def file_list(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value] if value else []
    return [f for f in items if isinstance(f, dict)]


def file(node: Node) -> str:
    props = node.props
    files = file_list(node.value)
    interactive = props.get("interactive") is not False
    parts = [field_label(node, "File", for_input=interactive)]
    if files:
        items = []
        for f in files:
            name = file_name(f)
            link = el("a", {"href": file_url(f), "download": name, "target": "_blank", "rel": "noopener"}, txt(name))
            size = el("span", {"class": "pd-file-size"}, txt(file_size(f.get("size"))))
            remove = (
                el("button", {"type": "button", "class": "pd-file-remove", "aria-label": f"Remove {name}"})
                if interactive
                else ""
            )
            items.append(el("li", {"class": "pd-file-item"}, link, size, remove))
        parts.append(el("ul", {"class": "pd-files", "aria-labelledby": f"label-{node.id}"}, *items))
    elif not interactive:
        parts.append(el("div", {"class": "pd-empty"}, "No file"))
    if interactive:
        picker = el(
            "input",
            {
                "id": f"input-{node.id}",
                "class": "pd-file-input",
                "type": "file",
                "accept": accept_of(props.get("file_types")),
                "multiple": _multiple(props),
            },
        )
        text_span = el("span", {"class": "pd-dropzone-text"}, "Drop a file here or click to choose")
        parts.append(el("div", {"class": "pd-dropzone"}, picker, text_span))
    return block(node, *parts)


def deeplinkbutton(node: Node) -> str:
    """`DeepLinkButton` (DeepLinkButton.tsx): a button the runtime wires; never a link, and idle on a server
    page (no `data-deep-link` until a click saved one)."""
    props = node.props
    attrs = {**root_attrs(node, button_class(props)), "type": "button", "disabled": props.get("interactive") is False}
    return el("button", attrs, txt(text(node.value)))
