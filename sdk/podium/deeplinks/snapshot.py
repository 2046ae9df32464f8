"""The deep-link snapshot: what a link stores and how it reopens the app (docs/design/deep-links.md).

A snapshot names components by a *component key* that survives restarts and small edits of the app (ids do
not: they count blocks in creation order, across every app in the process). `build_snapshot` turns the
browser's `POST {api_prefix}/deep_link` payload into the stored JSON, dropping `State` and button values and
every value holding a file the app would not serve; `apply_snapshot` sets the stored values on a copy of the
config, skipping what no longer fits the running app, and adds the `deep_link_state` the page shows.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from podium.files.filedata import file_url, iter_file_data, map_file_data

if TYPE_CHECKING:
    from podium.blocks import Block, Blocks
    from podium.files.policy import FilePolicy

SNAPSHOT_VERSION = 1
# Button-like components and State: their values are never saved (State lives on the server, per session).
UNSAVED_TYPES = frozenset({"state", "button", "clearbutton", "uploadbutton", "downloadbutton", "deeplinkbutton"})
LINK_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_PAYLOAD_MAPS = ("values", "visible", "tabs", "accordions")


class SnapshotError(ValueError):
    """The browser's payload is not of the documented shape; the message says what is wrong (a 400)."""


def is_link_id(value: object) -> bool:
    """Whether `value` may be a deep-link id (checked before any lookup)."""
    return isinstance(value, str) and LINK_ID.match(value) is not None


def utc_iso(moment: datetime) -> str:
    """`2026-11-21T10:00:00Z`: how deep-link times travel."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- component keys and the app fingerprint ---------------------------------------------------------------


def _layout_order(blocks: Blocks) -> Iterator[Block]:
    """Every block of the app in layout order (depth first), then any block outside the layout, by id."""
    seen: set[int] = set()
    for block in blocks.walk():
        if block.id not in seen:
            seen.add(block.id)
            yield block
    for block_id in sorted(blocks.blocks):
        if block_id not in seen:
            yield blocks.blocks[block_id]


def _label(block: Block) -> str | None:
    label = getattr(block, "label", None)
    return label if isinstance(label, str) and label else None


def _explicit_key(block: Block) -> str | None:
    key = block.key
    if key is None:
        return None
    return "-".join(str(part) for part in key) if isinstance(key, tuple) else str(key)


def component_keys(blocks: Blocks) -> dict[int, str]:
    """Each block's component key, by block id: `key=`; else `elem_id`; else `TYPE:LABEL` when that pair is
    unique in the app; else `TYPE#N` / `TYPE:LABEL#N` (N counts blocks of that type and label in layout order).

    A key or elem_id that an earlier block already took falls through to the next rule, so keys are unique.
    """
    ordered = [b for b in _layout_order(blocks) if b.get_block_name() != "blocks"]
    pairs = Counter((b.get_block_name(), _label(b)) for b in ordered)
    seen_pairs: Counter[tuple[str, str | None]] = Counter()
    used: set[str] = set()
    keys: dict[int, str] = {}
    for block in ordered:
        kind, label = block.get_block_name(), _label(block)
        seen_pairs[(kind, label)] += 1
        chosen = None
        for candidate in (_explicit_key(block), block.elem_id, f"{kind}:{label}" if label else None):
            if candidate and candidate not in used:
                if candidate == f"{kind}:{label}" and pairs[(kind, label)] > 1:
                    continue
                chosen = candidate
                break
        if chosen is None:
            chosen = f"{kind}:{label}#{seen_pairs[(kind, label)]}" if label else f"{kind}#{seen_pairs[(kind, label)]}"
            while chosen in used:  # an author's key spelled like a generated one
                chosen += "'"
        used.add(chosen)
        keys[block.id] = chosen
    return keys


def app_fingerprint(blocks: Blocks, keys: Mapping[int, str] | None = None) -> str:
    """sha256 over the sorted `key=type` lines of the app's blocks, first 16 hex digits."""
    keys = keys if keys is not None else component_keys(blocks)
    lines = sorted(f"{key}={blocks.blocks[block_id].get_block_name()}" for block_id, key in keys.items())
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


# --- files ---------------------------------------------------------------------------------------------


def files_servable(value: Any, policy: FilePolicy | None) -> bool:
    """Whether every FileData inside `value` names a file the app's policy would serve (no policy: none may)."""
    from podium.files.policy import FileAccessDenied

    for data in iter_file_data(value):
        if policy is None:
            return False
        try:
            policy.resolve_served(data["path"])
        except (FileAccessDenied, OSError, ValueError):
            return False
    return True


def _with_file_urls(value: Any, root: str | None) -> Any:
    """`value` with each FileData's `url` pointing at this app's file route (a stored `url` is never trusted)."""
    return map_file_data(value, lambda data: {**data, "url": None if root is None else file_url(root, data["path"])})


# --- building a snapshot from the browser's payload -------------------------------------------------------


@dataclass
class BuiltSnapshot:
    """A snapshot ready to store, and the labels (or ids) of the values left out of it."""

    snapshot: dict[str, Any]
    skipped: list[str] = field(default_factory=list)


def _payload_maps(payload: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    maps: dict[str, dict[str, Any]] = {}
    for name in _PAYLOAD_MAPS:
        value = payload.get(name)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise SnapshotError(f"`{name}` must be an object keyed by component id, not {type(value).__name__}.")
        maps[name] = value
    return maps


def _check_entry(name: str, block_id: str, value: Any) -> None:
    ok = {
        "visible": isinstance(value, bool),
        "accordions": isinstance(value, bool),
        "tabs": isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)),
    }.get(name, True)
    if not ok:
        kind = "a boolean" if name != "tabs" else "a tab id (string) or index (integer)"
        raise SnapshotError(f"`{name}[{block_id}]` must be {kind}, not {value!r}.")


def build_snapshot(
    blocks: Blocks, payload: Mapping[str, Any], *, policy: FilePolicy | None, space_revision: str | None = None
) -> BuiltSnapshot:
    """The stored snapshot for the browser's payload (`values`, `visible`, `tabs`, `accordions`, by id).

    Raises SnapshotError when the payload is malformed. Unknown ids, values of components whose files the app
    would not serve, and values that are not JSON are left out and reported in `skipped`; State and button
    values are left out silently.
    """
    from podium.components.base import Component, is_json_value

    maps = _payload_maps(payload)
    keys = component_keys(blocks)
    components: dict[str, dict[str, Any]] = {}
    layout: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []

    def block_of(raw_id: str) -> Block | None:
        block = blocks.blocks.get(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 12 else None
        if block is None or block.id not in keys:
            if raw_id not in skipped:
                skipped.append(raw_id)
            return None
        return block

    def entry_of(block: Block, target: dict[str, dict[str, Any]]) -> dict[str, Any]:
        key = keys[block.id]
        if key not in target:
            target[key] = {"type": block.get_block_name(), "label": _label(block)}
        return target[key]

    for raw_id, value in maps["values"].items():
        block = block_of(raw_id)
        if block is None or not isinstance(block, Component) or block.get_block_name() in UNSAVED_TYPES:
            continue
        if not is_json_value(value) or not files_servable(value, policy):
            skipped.append(_label(block) or keys[block.id])
            continue
        entry_of(block, components)["value"] = _with_file_urls(value, None)
    for raw_id, visible in maps["visible"].items():
        _check_entry("visible", raw_id, visible)
        block = block_of(raw_id)
        if block is not None:
            entry_of(block, components if isinstance(block, Component) else layout)["visible"] = visible
    for name, prop, kind in (("tabs", "selected", "tabs"), ("accordions", "open", "accordion")):
        for raw_id, value in maps[name].items():
            _check_entry(name, raw_id, value)
            block = block_of(raw_id)
            if block is not None and block.get_block_name() == kind:
                entry_of(block, layout)[prop] = value
    snapshot = {
        "v": SNAPSHOT_VERSION,
        "app": app_fingerprint(blocks, keys),
        "space_revision": space_revision,
        "components": components,
        "layout": layout,
    }
    return BuiltSnapshot(snapshot, skipped)


# --- applying a snapshot to the config -----------------------------------------------------------------


@dataclass
class AppliedSnapshot:
    """What `apply_snapshot` did: the ids of the components whose value it set, the labels it skipped."""

    config: dict[str, Any]
    restored_ids: list[int]
    skipped: list[str]


def _tab_fits(tabs: Block, selected: Any) -> bool:
    from podium.layouts import Tab

    children = [c for c in getattr(tabs, "children", []) if isinstance(c, Tab)]
    if isinstance(selected, int) and not isinstance(selected, bool):
        return 0 <= selected < len(children) or any(c.tab_id == selected for c in children)
    return any(c.tab_id == selected for c in children)


def _apply_entry(block: Block, entry: Mapping[str, Any], props: dict[str, Any], root: str | None,
                 policy: FilePolicy | None) -> bool:
    """Set `entry`'s props on `props` (a copy); False when one of them no longer fits `block`."""
    from podium.components.base import Component

    fits = True
    if "value" in entry:
        value = entry["value"]
        ok = False
        if isinstance(block, Component) and block.get_block_name() not in UNSAVED_TYPES:
            try:
                ok = files_servable(value, policy) and bool(block.deep_link_fits(value))
            except Exception:  # noqa: BLE001 - a component that cannot judge the value does not get it
                ok = False
        if ok:
            props["value"] = _with_file_urls(value, root)
        fits = ok
    if isinstance(entry.get("visible"), bool):
        props["visible"] = entry["visible"]
    if "selected" in entry:
        if _tab_fits(block, entry["selected"]):
            props["selected"] = entry["selected"]
        else:
            fits = False
    if isinstance(entry.get("open"), bool):
        props["open"] = entry["open"]
    return fits


def apply_snapshot(
    config: dict[str, Any], blocks: Blocks, snapshot: Mapping[str, Any], *, policy: FilePolicy | None
) -> AppliedSnapshot:
    """A copy of `config` with the snapshot's values, visibility, tabs and accordions set where they still fit.

    A stored entry is applied to the running app's block with the same component key and the same type, when
    `Component.deep_link_fits` accepts its value and its files may be served; every other entry is skipped and
    reported by its label (or key).
    """
    keys = component_keys(blocks)
    by_key = {key: blocks.blocks[block_id] for block_id, key in keys.items()}
    index = {entry.get("id"): i for i, entry in enumerate(config.get("components", []))}
    components = list(config.get("components", []))
    root = config.get("root")
    root = root if isinstance(root, str) else None
    restored: list[int] = []
    skipped: list[str] = []
    for section in ("components", "layout"):
        stored = snapshot.get(section)
        if not isinstance(stored, dict):
            continue
        for key, entry in stored.items():
            if not isinstance(entry, dict):
                continue
            name = entry.get("label") if isinstance(entry.get("label"), str) and entry.get("label") else key
            block = by_key.get(key)
            if block is None or block.get_block_name() != entry.get("type") or block.id not in index:
                skipped.append(str(name))
                continue
            position = index[block.id]
            props = dict(components[position].get("props") or {})
            if not _apply_entry(block, entry, props, root, policy):
                skipped.append(str(name))
            elif "value" in entry:
                restored.append(block.id)
            components[position] = {**components[position], "props": props}
    return AppliedSnapshot({**config, "components": components}, restored, skipped)


_MESSAGES = {
    "restored": "This page was opened from a saved link: the values it holds are back.",
    "not_found": "This link does not exist (or was deleted); here is the app as it starts.",
    "expired": "This link has expired; here is the app as it starts.",
    "unavailable": "The saved link could not be loaded right now; here is the app as it starts. Try again later.",
    "disabled": "Links to saved states are turned off for this app; here is the app as it starts.",
}


def link_state(link_id: str, status: str, *, message: str | None = None, skipped: list[str] | None = None,
               created_at: str | None = None, restored_ids: list[int] | None = None) -> dict[str, Any]:
    """The config's `deep_link_state` (`status`: restored, partial, not_found, expired, unavailable, disabled)."""
    if message is None:
        if status == "partial":
            names = ", ".join(skipped or [])
            message = ("This link was made with another version of the app; some values could not be restored: "
                       f"{names}.")
        else:
            message = _MESSAGES.get(status, "")
    return {"id": link_id, "status": status, "message": message, "skipped": list(skipped or []),
            "created_at": created_at, "restored_ids": list(restored_ids or [])}


__all__ = [
    "AppliedSnapshot", "BuiltSnapshot", "LINK_ID", "SNAPSHOT_VERSION", "SnapshotError", "UNSAVED_TYPES",
    "app_fingerprint", "apply_snapshot", "build_snapshot", "component_keys", "files_servable", "is_link_id",
    "link_state", "utc_iso",
]
