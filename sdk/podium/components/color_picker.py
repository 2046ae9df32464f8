"""`ColorPicker`: pick a colour, as a hex string."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component


class ColorPicker(Component):
    """A colour picker. The function receives and returns a hex colour `str` such as `"#ff0000"`."""

    EVENTS = ("change", "input", "release", "submit", "focus", "blur")

    def __init__(
        self,
        value: str | Any | None = None,
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
        **kwargs: Any,
    ) -> None:
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    @classmethod
    def get_block_name(cls) -> str:
        return "colorpicker"

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else str(payload)

    def postprocess(self, value: Any) -> str | None:
        return None if value is None else str(value)

    def api_info(self) -> dict[str, Any]:
        return {"type": "string"}

    def example_payload(self) -> Any:
        return "#000000"

    def example_value(self) -> Any:
        return "#000000"
