"""`gr.update(...)`: change a component's props from an event handler."""

from __future__ import annotations

from typing import Any

UPDATE_TYPE = "update"


def update(**props: Any) -> dict[str, Any]:
    """Return a prop update for an output component.

    `return gr.update(value="hi", visible=False)` sets the new value and hides the component; any prop the
    component's constructor accepts may be updated. Props left out keep their current value.
    """
    return {"__type__": UPDATE_TYPE, **props}


def is_update(value: Any) -> bool:
    """Whether `value` is a prop update made by `update()` (or a component instance turned into one)."""
    return isinstance(value, dict) and value.get("__type__") == UPDATE_TYPE
