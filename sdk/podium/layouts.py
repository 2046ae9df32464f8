"""Layout blocks: `Row`, `Column`, `Tabs`/`Tab`, `Accordion`, `Group`."""

from __future__ import annotations

from typing import Any

from podium.blocks import BlockContext


class Row(BlockContext):
    """Place children side by side; they wrap on narrow screens."""

    def __init__(
        self,
        *,
        variant: str = "default",
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        scale: int | None = None,
        height: int | str | None = None,
        max_height: int | str | None = None,
        min_height: int | str | None = None,
        equal_height: bool = False,
        show_progress: bool = False,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        self.variant = variant
        self.scale = scale
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.equal_height = equal_height
        self.show_progress = show_progress
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)


class Column(BlockContext):
    """Stack children vertically; `scale` and `min_width` set its share of a row."""

    def __init__(
        self,
        *,
        scale: int = 1,
        min_width: int = 320,
        variant: str = "default",
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        show_progress: bool = False,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        self.scale = scale
        self.min_width = min_width
        self.variant = variant
        self.show_progress = show_progress
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)


class Tabs(BlockContext):
    """A set of `Tab`s; `selected` is the id (or index) of the open tab."""

    EVENTS = ("change", "select")

    def __init__(
        self,
        *,
        selected: int | str | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        self.selected = selected
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)


class Tab(BlockContext):
    """One tab. Outside a `Tabs`, consecutive `Tab`s are grouped into one automatically."""

    EVENTS = ("select",)

    def __init__(
        self,
        label: str | None = None,
        visible: bool | str = True,
        interactive: bool = True,
        *,
        id: int | str | None = None,  # noqa: A002 - Gradio's name
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        scale: int | None = None,
        render: bool = True,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        self.label = label
        self.interactive = interactive
        self.tab_id = id
        self.scale = scale
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)

    @classmethod
    def get_block_name(cls) -> str:
        return "tabitem"

    def get_config(self) -> dict[str, Any]:
        props = super().get_config()
        props.pop("tab_id", None)
        props["id"] = self.tab_id
        return props

    def render(self) -> Tab:
        from podium.context import RenderContext

        container = RenderContext.current()
        if container is not None and not isinstance(container, Tabs):
            # Gradio users write `with gr.Tab(...)` without `gr.Tabs()`: group neighbours in an implicit Tabs.
            last = container.children[-1] if container.children else None
            if not (isinstance(last, Tabs) and getattr(last, "_implicit", False)):
                last = Tabs()
                last._implicit = True  # type: ignore[attr-defined]
            RenderContext.stack.append(last)
            try:
                super().render()
            finally:
                RenderContext.stack.pop()
            return self
        super().render()
        return self


TabItem = Tab


class Accordion(BlockContext):
    """A collapsible section titled `label`."""

    EVENTS = ("expand", "collapse")

    def __init__(
        self,
        label: str | None = None,
        *,
        open: bool = True,  # noqa: A002 - Gradio's name
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        self.label = label
        self.open = open
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)


class Group(BlockContext):
    """Children drawn as one panel, without gaps between them."""

    def __init__(
        self,
        *,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(visible=visible, elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, **kwargs)
