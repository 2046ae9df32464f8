"""`JSON`: any JSON value, shown as a collapsible tree."""

from __future__ import annotations

import json
import warnings
from typing import Any

from podium.components.base import Component
from podium.exceptions import Error


def _to_jsonable(obj: Any) -> Any:
    """`json.dumps` fallback: arrays via `tolist()`, JSON-looking strings parsed, anything else as `str`."""
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, without importing numpy
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    text = str(obj)
    try:
        return json.loads(text)
    except ValueError:
        return text


class JSON(Component):
    """A JSON viewer. Functions return a `dict`, `list` or a JSON string; inputs pass the parsed value."""

    EVENTS = ("change",)

    def __init__(
        self,
        value: Any = None,
        *,
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
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        open: bool = False,  # noqa: A002 - Gradio's name
        show_indices: bool = False,
        height: int | str | None = None,
        max_height: int | str | None = 500,
        min_height: int | str | None = None,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.open = open
        self.show_indices = show_indices
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.buttons = ["copy"] if buttons is None else list(buttons)
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, container=container,
            scale=scale, min_width=min_width, visible=visible, elem_id=elem_id, elem_classes=elem_classes,
            render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        return payload

    def postprocess(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as error:
                raise Error(f"Invalid JSON string: {error}") from error
        if not isinstance(value, (dict, list, tuple, int, float, bool)):
            warnings.warn(
                f"JSON got a {type(value).__name__}; it expects a dict, a list or a JSON string.",
                UserWarning,
                stacklevel=2,
            )
        return json.loads(json.dumps(value, default=_to_jsonable))

    def api_info(self) -> dict[str, Any]:
        return {"type": {}, "description": "any valid json"}

    def example_payload(self) -> Any:
        return {"foo": "bar"}

    def example_value(self) -> Any:
        return {"foo": "bar"}
