"""`Checkbox`: a single true/false box."""

from __future__ import annotations

from typing import Any

from podium.components.base import FormComponent
from podium.exceptions import Error


class Checkbox(FormComponent):
    """A checkbox. The function receives and returns a `bool`."""

    EVENTS = ("change", "input", "select")

    def __init__(
        self,
        value: bool | Any = False,
        *,
        label: str | None = None,
        info: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def preprocess(self, payload: Any) -> bool | None:
        if payload is None or isinstance(payload, bool):
            return payload
        if isinstance(payload, (int, float)) and payload in (0, 1):
            return bool(payload)
        if isinstance(payload, str) and payload.lower() in ("true", "false"):
            return payload.lower() == "true"
        raise Error(f"Checkbox expects true or false, not {payload!r}.")

    def postprocess(self, value: Any) -> bool:
        return bool(value)

    def empty_value(self) -> bool:
        return False

    def api_info(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def example_payload(self) -> Any:
        return True

    def example_value(self) -> Any:
        return True
