"""`ClearButton`: a button that empties the components given to it."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from podium.blocks import listener_method
from podium.components.base import Component
from podium.components.button import Button
from podium.components.state import State
from podium.context import RenderContext


class ClearButton(Button):
    """A button that clears `components` (and any added later with `.add()`) when clicked.

    Each component gets back its empty value (a `State` its initial value). The clearing runs as a small
    server-side handler that is hidden from the API docs (`api_visibility="undocumented"` by default).
    """

    def __init__(
        self,
        components: Component | Sequence[Component] | None = None,
        *,
        value: str = "Clear",
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
        api_name: str | None = None,
        api_visibility: str = "undocumented",
        **kwargs: Any,
    ) -> None:
        self.api_name = api_name
        self.api_visibility = api_visibility
        self.cleared: list[Component] = []
        super().__init__(
            value=value, every=every, inputs=inputs, variant=variant, size=size, icon=icon, link=link,
            link_target=link_target, visible=visible, interactive=interactive, elem_id=elem_id,
            elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key, scale=scale,
            min_width=min_width, **kwargs,
        )
        if RenderContext.root is not None:
            self.add(components)
        elif components:
            self.cleared.extend([components] if isinstance(components, Component) else components)

    @classmethod
    def get_block_name(cls) -> str:
        return "button"  # the browser draws it as a plain button

    def add(self, components: Component | Sequence[Component] | None) -> ClearButton:
        """Also clear `components` when the button is clicked. Returns the button, for chaining."""
        if not components:
            return self
        targets = [components] if isinstance(components, Component) else list(components)
        self.cleared.extend(targets)
        cleared_values = [cleared_value(c) for c in targets]

        def clear() -> Any:
            values = [copy.deepcopy(v) for v in cleared_values]
            return values[0] if len(values) == 1 else values

        listener_method(self, "click")(
            clear,
            inputs=None,
            outputs=targets,
            api_name=self.api_name,
            api_visibility=self.api_visibility,
            show_progress="hidden",
        )
        return self

    def get_config(self) -> dict[str, Any]:
        props = super().get_config()
        props.pop("cleared", None)
        return props


def cleared_value(component: Component) -> Any:
    """What clearing puts in `component`: a State's initial value, else the component's empty value."""
    if isinstance(component, State):
        return component.initial_session_value()
    return component.empty_value()
