"""Rebuild generator outputs from the edit lists that `process_generating` messages carry (spec section 3.4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def apply_edits(value: Any, edits: Iterable[Sequence[Any]]) -> Any:
    """Return `value` with the `[action, path, new]` edits applied in order; `value` itself is not changed.

    Containers along each edited path are copied (the rest is shared), so values handed out earlier
    keep their contents.
    """
    for edit in edits:
        action, path, new = edit[0], list(edit[1]), edit[2]
        value = _apply(value, path, action, new)
    return value


def _apply(target: Any, path: list[Any], action: str, new: Any) -> Any:
    if not path:
        if action == "replace":
            return new
        if action == "append":
            return target + new
        raise ValueError(f"Cannot apply edit {action!r} to the root of an output value.")
    key = path[0]
    container: list[Any] | dict[Any, Any]
    if isinstance(target, list):
        container = list(target)
    elif isinstance(target, dict):
        container = dict(target)
    else:
        raise ValueError(f"Cannot follow edit path {path!r} into a {type(target).__name__}.")
    if len(path) > 1:
        container[key] = _apply(container[key], path[1:], action, new)
        return container
    if action == "replace":
        container[key] = new
    elif action == "append":
        container[key] = container[key] + new
    elif action == "add":
        if isinstance(container, list):
            container.insert(key, new)
        else:
            container[key] = new
    elif action == "delete":
        if isinstance(container, list):
            del container[key]
        else:
            container.pop(key, None)
    else:
        raise ValueError(f"Unknown edit action {action!r} in a generator update.")
    return container
