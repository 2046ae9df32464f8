"""Edits that turn one output payload into the next, for generator updates (wire spec section 3.4).

An edit is `[action, path, value]`: `replace` sets the value at `path` (the root when empty), `append`
concatenates a string suffix, `add` inserts a list item or a new dict key, `delete` removes one.

Like Gradio's, the diff treats values Python finds equal as unchanged (`[0] == [False]`), so a number that
only changes type inside a list or dict (0 -> False, 1 -> 1.0) is not sent; at the top level a type change
is always a `replace`.
"""

from __future__ import annotations

from typing import Any

Edit = list[Any]


def diff(old: Any, new: Any) -> list[Edit]:
    """The edits that turn `old` into `new`, applied in order by `apply_diff`."""
    edits: list[Edit] = []
    _compare(old, new, [], edits)
    return edits


def _compare(old: Any, new: Any, path: list[Any], edits: list[Edit]) -> None:
    if type(old) is not type(new):  # checked first: 1 == True, but the client must see the new type
        edits.append(["replace", path, new])
        return
    if old == new:
        return
    if isinstance(old, str):
        if new.startswith(old):
            edits.append(["append", path, new[len(old):]])
        else:
            edits.append(["replace", path, new])
        return
    if isinstance(old, list):
        common = min(len(old), len(new))
        for i in range(common):
            _compare(old[i], new[i], [*path, i], edits)
        # delete from the end so that every index is still valid when its edit is applied
        for i in range(len(old) - 1, common - 1, -1):
            edits.append(["delete", [*path, i], None])
        for i in range(common, len(new)):
            edits.append(["add", [*path, i], new[i]])
        return
    if isinstance(old, dict):
        for key in old:
            if key in new:
                _compare(old[key], new[key], [*path, key], edits)
            else:
                edits.append(["delete", [*path, key], None])
        for key in new:
            if key not in old:
                edits.append(["add", [*path, key], new[key]])
        return
    edits.append(["replace", path, new])


def apply_diff(value: Any, edits: list[Edit]) -> Any:
    """Apply `edits` (as `diff` makes them) to a copy of `value` and return the result."""
    result = snapshot(value)
    for action, path, edit_value in edits:
        if not path:
            if action == "replace":
                result = edit_value
            elif action == "append":
                result = result + edit_value
            else:
                raise ValueError(f"Edit {action!r} needs a non-empty path.")
            continue
        parent = result
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if action == "replace":
            parent[last] = edit_value
        elif action == "append":
            parent[last] = parent[last] + edit_value
        elif action == "add":
            if isinstance(parent, list):
                parent.insert(last, edit_value)
            else:
                parent[last] = edit_value
        elif action == "delete":
            del parent[last]
        else:
            raise ValueError(f"Unknown edit action {action!r}.")
    return result


def snapshot(value: Any) -> Any:
    """A copy of a JSON-like payload that later in-place changes to `value` cannot reach.

    Lists and dicts are copied; everything else (str, numbers, None, other objects) is shared.
    """
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [snapshot(v) for v in value]
    return value
