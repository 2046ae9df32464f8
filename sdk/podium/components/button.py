"""`Button`: something to click. Its payload is its label."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component


class Button(Component):
    """A button whose `value` is its text. Attach handlers with `.click(fn, inputs, outputs)`.

    Buttons are left out of the API (`skip_api`): as an input a button passes its label to the function.
    """

    EVENTS = ("change", "click")
    skip_api = True

    def __init__(
        self,
        value: str | Any = "Run",
        *,
        every: float | None = None,
        inputs: Any = None,
        variant: str = "secondary",
        size: str = "lg",
        icon: str | None = None,
        link: str | None = None,
        link_target: str = "_self",
        visible: bool | str = True,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        scale: int | None = None,
        min_width: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.variant = variant
        self.size = size
        self.icon = None if icon is None else str(icon)
        self.link = link
        self.link_target = link_target
        super().__init__(
            value=value, every=every, inputs=inputs, visible=visible, interactive=interactive, elem_id=elem_id,
            elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key, scale=scale,
            min_width=min_width, **kwargs,  # type: ignore[arg-type]
        )

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else str(payload)

    def postprocess(self, value: Any) -> str | None:
        return None if value is None else str(value)

    def example_payload(self) -> Any:
        return self.value if isinstance(self.value, str) else "Run"

    def example_value(self) -> Any:
        return self.example_payload()
