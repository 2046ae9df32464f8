"""`render_app(config)`: the HTML of a whole app's layout, as the browser's Preact tree renders it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podium.ssr import chat, files, inputs, layouts, outputs
from podium.ssr.block import Node, root_attrs
from podium.ssr.html import el
from podium.ssr.notice import notice

Renderer = Callable[[Node], str]

# One renderer per config type; the registry in frontend_dist/src/app/registry.ts maps the same types.
RENDERERS: dict[str, Renderer] = {
    "accordion": layouts.accordion,
    "blocks": layouts.container,
    "button": files.button,
    "chatbot": chat.chatbot,
    "checkbox": inputs.checkbox,
    "checkboxgroup": inputs.checkboxgroup,
    "clearbutton": files.button,
    "code": outputs.code,
    "colorpicker": inputs.colorpicker,
    "column": layouts.column,
    "dataset": outputs.dataset,
    "deeplinkbutton": files.deeplinkbutton,
    "downloadbutton": files.downloadbutton,
    "dropdown": inputs.dropdown,
    "file": files.file,
    "form": layouts.container,
    "group": layouts.container,
    "html": outputs.html,
    "json": outputs.json,
    "label": outputs.label,
    "markdown": outputs.markdown,
    "number": inputs.number,
    "radio": inputs.radio,
    "row": layouts.row,
    "slider": inputs.slider,
    "state": outputs.state,
    "tabitem": layouts.tabitem,
    "tabs": layouts.tabs,
    "textbox": inputs.textbox,
    "uploadbutton": files.uploadbutton,
}


def _fallback(node: Node) -> str:
    """An unknown type: an empty block that keeps its children (runtime/fallback.tsx)."""
    classes = node.props.get("elem_classes")
    cls = f"pd-block pd-{node.type} {' '.join(map(str, classes)) if isinstance(classes, list) else ''}".strip()
    attrs = {
        "id": f"component-{node.id}",
        "class": cls,
        "data-testid": node.type,
        "hidden": node.props.get("visible") is False,
    }
    return el("div", attrs, node.children_html)


def render_block(component: dict[str, Any], children: list[tuple[Node, str]] | None = None) -> str:
    """The HTML of one component config (`{"id", "type", "props"}`), its children already rendered."""
    node = _node(component, children or [])
    return RENDERERS.get(node.type, _fallback)(node)


def _node(component: dict[str, Any], children: list[tuple[Node, str]]) -> Node:
    props = dict(component.get("props") or {})
    value = props.pop("value", None)
    return Node(id=int(component["id"]), type=str(component["type"]), props=props, value=value, children=children)


def render_app(config: dict[str, Any]) -> str:
    """The markup of the whole layout of `config` (what `Blocks.get_config_file()` returns), every component
    with its current value; it goes inside `<div id="podium-app" class="podium">` and the browser hydrates it.
    A page opened with `?deep_link=` starts with the deep-link notice (`config["deep_link_state"]`)."""
    by_id = {int(c["id"]): c for c in config.get("components", [])}

    def walk(layout: dict[str, Any]) -> tuple[Node | None, str]:
        children = [walk(child) for child in layout.get("children") or []]
        rendered = [(n, html) for n, html in children if n is not None]
        component = by_id.get(int(layout["id"]))
        if component is None:
            return None, "".join(html for _, html in children)
        node = _node(component, rendered)
        return node, RENDERERS.get(node.type, _fallback)(node)

    top = notice(config.get("deep_link_state"))
    layout = config.get("layout")
    if not isinstance(layout, dict):
        return top
    return top + walk(layout)[1]


__all__ = ["RENDERERS", "render_app", "render_block", "root_attrs"]
