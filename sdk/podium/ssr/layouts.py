"""Layouts: twins of Row, Column, Group, Form, BlocksContainer, Accordion, Tabs and TabItem.tsx."""

from __future__ import annotations

from typing import Any

from podium.ssr.block import Node, block, root_attrs, root_id
from podium.ssr.format import is_hidden, js_eq, label_of, text
from podium.ssr.html import el, txt


def row_class(props: dict[str, Any]) -> str:
    cls = "pd-equal-height" if props.get("equal_height") is True else ""
    if props.get("variant") in ("panel", "compact"):
        cls += f"{' ' if cls else ''}pd-variant-{props['variant']}"
    return cls


def row(node: Node) -> str:
    return block(node, node.children_html, cls=row_class(node.props))


def column(node: Node) -> str:
    v = node.props.get("variant")
    return block(node, node.children_html, cls=f"pd-variant-{v}" if v in ("panel", "compact") else "")


def container(node: Node) -> str:
    """Group, Form and Blocks: a plain container."""
    return block(node, node.children_html)


def accordion(node: Node) -> str:
    summary = el("summary", {"class": "pd-accordion-label"}, txt(label_of(node.props, "")))
    body = el("div", {"class": "pd-accordion-body"}, node.children_html)
    return block(node, summary, body, tag="details", extra={"open": node.props.get("open") is not False})


def tabitem(node: Node) -> str:
    return block(node, node.children_html, extra={"role": "tabpanel", "aria-labelledby": f"tab-{node.id}"})


def selected_index(tabs: list[Node], selected: Any) -> int:
    if selected is not None:
        for i, t in enumerate(tabs):
            if t.props.get("id") is not None and js_eq(t.props.get("id"), selected):
                return i
        if isinstance(selected, int) and not isinstance(selected, bool) and 0 <= selected < len(tabs):
            return selected
    for i, t in enumerate(tabs):
        if not is_hidden(t.props):
            return i
    return 0


def tabs(node: Node) -> str:
    children = [child for child, _ in node.children]
    sel = selected_index(children, node.props.get("selected"))
    buttons = []
    for i, t in enumerate(children):
        if is_hidden(t.props):
            continue
        label = f"Tab {i + 1}" if t.props.get("label") is None else text(t.props.get("label"))
        buttons.append(
            el(
                "button",
                {
                    "type": "button",
                    "role": "tab",
                    "id": f"tab-{t.id}",
                    "class": "pd-tab pd-tab-selected" if i == sel else "pd-tab",
                    "aria-selected": "true" if i == sel else "false",
                    "aria-controls": root_id(t.id, t.props),
                    "tabindex": 0 if i == sel else -1,
                    "disabled": t.props.get("interactive") is False,
                },
                txt(label),
            )
        )
    tablist = el("div", {"class": "pd-tablist", "role": "tablist"}, *buttons)
    panels = [el("div", {"class": "pd-tabpanel", "hidden": i != sel}, html) for i, (_, html) in enumerate(node.children)]
    return el("div", root_attrs(node), tablist, *panels)
