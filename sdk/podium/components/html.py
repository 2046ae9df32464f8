"""`HTML`: raw HTML, optionally through a template with custom props."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component

# Gradio 6's HTML component can fire any of these from its `js_on_load` code via `trigger(name)`.
HTML_EVENTS = (
    "change", "input", "click", "double_click", "submit", "stop", "edit", "clear", "play", "pause", "end",
    "start_recording", "pause_recording", "stop_recording", "focus", "blur", "upload", "release", "select",
    "stream", "like", "example_select", "option_select", "load", "key_up", "apply", "delete", "tick", "undo",
    "retry", "expand", "collapse", "download", "copy",
)


class HTML(Component):
    """HTML shown as is. Values are `str`. `html_template` (default `"${value}"`) may use `${value}` and any
    extra keyword argument given to the constructor (they are kept in `props`), as in Gradio 6."""

    EVENTS = HTML_EVENTS

    def __init__(
        self,
        value: str | Any | None = None,
        *,
        label: str | None = None,
        html_template: str = "${value}",
        css_template: str = "",
        js_on_load: str | None = "element.addEventListener('click', function() { trigger('click') });",
        apply_default_css: bool = True,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool = False,
        scale: int | None = None,
        min_width: int | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        min_height: int | None = None,
        max_height: int | None = None,
        container: bool = False,
        padding: bool = False,
        autoscroll: bool = False,
        buttons: list[str] | None = None,
        head: str | None = None,
        server_functions: list[Any] | None = None,
        **props: Any,
    ) -> None:
        self.html_template = html_template
        self.css_template = css_template
        self.js_on_load = js_on_load
        self.apply_default_css = apply_default_css
        self.min_height = min_height
        self.max_height = max_height
        self.padding = padding
        self.autoscroll = autoscroll
        self.buttons = list(buttons) if buttons else []
        self.head = head
        self.server_functions = server_functions
        self.props = props  # template variables; Gradio 6 takes any extra keyword as one
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, scale=scale,
            min_width=min_width, visible=visible, elem_id=elem_id, elem_classes=elem_classes,  # type: ignore[arg-type]
            render=render, key=key, preserved_by_key=preserved_by_key, container=container,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("server_functions", None)  # Python callables, not for the browser
        config["props"] = self.props
        config["component_class_name"] = "HTML"
        return config

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else str(payload)

    def postprocess(self, value: Any) -> str | None:
        return None if value is None else str(value)

    def api_info(self) -> dict[str, Any]:
        return {"type": "string"}

    def example_payload(self) -> Any:
        return "<p>Hello</p>"

    def example_value(self) -> Any:
        return "<p>Hello</p>"
