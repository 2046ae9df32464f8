"""`Radio`: pick exactly one of a few choices."""

from __future__ import annotations

from typing import Any

from podium.components.base import FormComponent
from podium.components.choices import check_choice, check_type, choice_index, choice_values, normalize_choices


class Radio(FormComponent):
    """Radio buttons. The function receives the chosen value (or its index with `type="index"`).
    `choices` are values or `(label, value)` pairs; other values are refused."""

    EVENTS = ("select", "change", "input")

    def __init__(
        self,
        choices: list[Any] | None = None,
        *,
        value: Any = None,
        type: str = "value",  # noqa: A002 - Gradio's name
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
        rtl: bool = False,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.choices = normalize_choices(choices)
        self.type = check_type(type, "Radio")
        self.rtl = rtl
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        if payload is None:
            return None
        check_choice(payload, self.choices, "Radio")
        return choice_index(payload, self.choices) if self.type == "index" else payload

    def postprocess(self, value: Any) -> Any:
        return value

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved value fits while it is still one of the choices."""
        return payload is None or payload in choice_values(self.choices)

    def process_update(self, update: dict[str, Any]) -> dict[str, Any]:
        if "choices" in update:
            update = {**update, "choices": normalize_choices(update["choices"])}
        return update

    def api_info(self) -> dict[str, Any]:
        return {"enum": choice_values(self.choices), "title": "Radio", "type": "string"}

    def example_payload(self) -> Any:
        return self.choices[0][1] if self.choices else None

    def example_value(self) -> Any:
        return self.example_payload()
