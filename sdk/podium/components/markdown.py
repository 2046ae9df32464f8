"""`Markdown`: rendered Markdown text."""

from __future__ import annotations

import inspect
from typing import Any

from podium.components.base import Component

DEFAULT_LATEX_DELIMITERS = [{"left": "$$", "right": "$$", "display": True}]


class Markdown(Component):
    """Markdown (with inline HTML and `$$` LaTeX) shown as formatted text. Values are `str`; outputs are
    dedented (`inspect.cleandoc`) so that indented triple-quoted strings render as intended."""

    EVENTS = ("change", "copy")

    def __init__(
        self,
        value: str | Any | None = None,
        *,
        label: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        scale: int | None = None,
        min_width: int | None = None,
        rtl: bool = False,
        latex_delimiters: list[dict[str, Any]] | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        sanitize_html: bool = True,
        line_breaks: bool = False,
        header_links: bool = False,
        height: int | str | None = None,
        max_height: int | str | None = None,
        min_height: int | str | None = None,
        buttons: list[str] | None = None,
        container: bool = False,
        padding: bool = False,
        **kwargs: Any,
    ) -> None:
        self.rtl = rtl
        self.latex_delimiters = DEFAULT_LATEX_DELIMITERS if latex_delimiters is None else latex_delimiters
        self.sanitize_html = sanitize_html
        self.line_breaks = line_breaks
        self.header_links = header_links
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.buttons = buttons
        self.padding = padding
        super().__init__(
            value=value, label=label, every=every, inputs=inputs,
            show_label=False if show_label is None else show_label, scale=scale,
            min_width=min_width, visible=visible, elem_id=elem_id, elem_classes=elem_classes,  # type: ignore[arg-type]
            render=render, key=key, preserved_by_key=preserved_by_key, container=container, **kwargs,
        )

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else str(payload)

    def postprocess(self, value: Any) -> str | None:
        return None if value is None else inspect.cleandoc(str(value))

    def api_info(self) -> dict[str, Any]:
        return {"type": "string"}

    def example_payload(self) -> Any:
        return "# Hello!"

    def example_value(self) -> Any:
        return "# Hello!"
