"""The root element of every block and the label/info pair (twins of Block.tsx and FieldLabel.tsx)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podium.ssr.format import is_hidden, js_num, label_of
from podium.ssr.html import Attrs, el, txt


@dataclass
class Node:
    """One block of the layout as the renderers see it: the config props (without `value`) and the value."""

    id: int
    type: str
    props: dict[str, Any]
    value: Any
    children: list[tuple[Node, str]] = field(default_factory=list)  # (child, its HTML)

    @property
    def children_html(self) -> str:
        return "".join(html for _, html in self.children)


def size_style(props: dict[str, Any]) -> str:
    """`flex-grow` from `scale`, `min-width` from `min_width`."""
    s = ""
    scale, min_width = props.get("scale"), props.get("min_width")
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        s += f"flex-grow:{js_num(scale)};"
    if isinstance(min_width, (int, float)) and not isinstance(min_width, bool):
        s += f"min-width:min({js_num(min_width)}px, 100%);"
    return s


def root_id(block_id: int, props: dict[str, Any]) -> str:
    elem_id = props.get("elem_id")
    return elem_id if isinstance(elem_id, str) and elem_id else f"component-{block_id}"


def root_attrs(node: Node, extra_class: str = "") -> Attrs:
    """id, class, data-testid, hidden, style: as rootAttrs() in Block.tsx (a server page is always idle)."""
    props = node.props
    elem_id = props.get("elem_id")
    a: Attrs = (
        {"id": elem_id, "data-block-id": str(node.id)}
        if isinstance(elem_id, str) and elem_id
        else {"id": f"component-{node.id}"}
    )
    classes = props.get("elem_classes")
    cls = f"pd-block pd-{node.type}" + (f" {extra_class}" if extra_class else "")
    for c in classes if isinstance(classes, list) else []:
        cls += f" {c}"
    a["class"] = cls
    a["data-testid"] = node.type
    a["hidden"] = is_hidden(props)
    style = size_style(props)
    if style:
        a["style"] = style
    return a


def block(node: Node, *children: str, tag: str = "div", cls: str = "", extra: Attrs | None = None) -> str:
    """The root element around the block's content (the idle status overlay renders nothing)."""
    return el(tag, {**root_attrs(node, cls), **(extra or {})}, *children)


def field_label(node: Node, fallback: str, for_input: bool = True) -> str:
    props = node.props
    cls = "pd-label pd-sr-only" if props.get("show_label") is False else "pd-label"
    label = txt(label_of(props, fallback))
    if for_input:
        out = el("label", {"class": cls, "id": f"label-{node.id}", "for": f"input-{node.id}"}, label)
    else:
        out = el("span", {"class": cls, "id": f"label-{node.id}"}, label)
    info = props.get("info")
    if isinstance(info, str) and info:
        out += el("div", {"class": "pd-info", "id": f"info-{node.id}"}, txt(info))
    return out


def described_by(node: Node) -> str | None:
    info = node.props.get("info")
    return f"info-{node.id}" if isinstance(info, str) and info else None
