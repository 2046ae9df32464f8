"""Build the app config served at `/config` (see the wire-protocol spec, section 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podium.blocks import API_PREFIX, PROTOCOL_VERSION, Block, BlockContext
from podium.components.base import Component

if TYPE_CHECKING:
    from podium.blocks import Blocks


def component_config(block: Block) -> dict[str, Any]:
    """One entry of the config's `components` list."""
    entry: dict[str, Any] = {
        "id": block.id,
        "type": block.get_block_name(),
        "props": block.get_config(),
        "key": block.key,
    }
    if isinstance(block, Component):
        entry["skip_api"] = block.skip_api
        if not block.skip_api:
            entry["api_info"] = block.api_info()
            entry["api_info_as_input"] = block.api_info_as_input()
            entry["api_info_as_output"] = block.api_info_as_output()
            entry["example_inputs"] = block.example_payload()
    else:
        entry["skip_api"] = True
    return entry


def layout_tree(block: Block) -> dict[str, Any]:
    """The nested `{id, children}` layout of `block`."""
    node: dict[str, Any] = {"id": block.id}
    if isinstance(block, BlockContext):
        node["children"] = [layout_tree(child) for child in block.children]
    return node


def needs_heartbeat(blocks: Blocks) -> bool:
    """Clients keep a heartbeat open when the server holds per-session data or unload handlers."""
    from podium.components.state import State

    has_state = any(isinstance(b, State) for b in blocks.blocks.values())
    has_unload = any(event == "unload" for fn in blocks.fns for _, event in fn.targets)
    return has_state or has_unload


def mark_output_only_components_read_only(components: list[dict[str, Any]], dependencies: list[dict[str, Any]]) -> None:
    """As in Gradio: a component that only receives outputs, and set no `interactive`, is shown read-only."""
    inputs = {i for dep in dependencies for i in dep["inputs"]}
    outputs = {o for dep in dependencies for o in dep["outputs"]}
    for entry in components:
        props = entry["props"]
        if entry["id"] in outputs and entry["id"] not in inputs and props.get("interactive") is None:
            props["interactive"] = False


def build_config(blocks: Blocks) -> dict[str, Any]:
    """The JSON config of `blocks`, minus `root`, which depends on the request."""
    components = [component_config(blocks)] + [component_config(b) for b in blocks.blocks.values()]
    dependencies = [fn.get_config() for fn in blocks.fns]
    mark_output_only_components_read_only(components, dependencies)
    layout = layout_tree(blocks)
    return {
        "version": PROTOCOL_VERSION,
        "api_prefix": API_PREFIX,
        "mode": blocks.mode,
        "app_id": blocks.app_id,
        "dev_mode": False,
        "vibe_mode": False,
        "analytics_enabled": False,
        "components": components,
        "css": blocks.css,
        "connect_heartbeat": needs_heartbeat(blocks),
        "js": blocks.js,
        "head": blocks.head,
        "title": blocks.title,
        "space_id": None,
        "enable_queue": True,
        "show_error": blocks.show_error,
        "footer_links": ["api", "settings"],
        "run_history": False,
        "is_colab": False,
        "max_file_size": None,
        "stylesheets": [],
        "theme": "default",
        "protocol": "sse_v3",
        "body_css": {},
        "fill_height": blocks.fill_height,
        "fill_width": blocks.fill_width,
        "theme_hash": None,
        "pwa": False,
        "pages": [["", "Home", True]],
        "page": {
            "": {
                "layout": layout,
                "components": [c["id"] for c in components],
                "dependencies": [d["id"] for d in dependencies],
            }
        },
        "mcp_server": False,
        "i18n_translations": None,
        "dependencies": dependencies,
        "layout": layout,
        "username": None,
        "deep_links": blocks.deep_links,
    }
