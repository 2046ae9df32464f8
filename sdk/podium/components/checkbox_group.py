"""`CheckboxGroup`: several checkboxes, any number of which may be ticked."""

from __future__ import annotations

from typing import Any

from podium.components.base import FormComponent
from podium.components.choices import check_choice, check_type, choice_index, choice_values, normalize_choices


class CheckboxGroup(FormComponent):
    """A group of checkboxes. The function receives the list of ticked values (or their indices with
    `type="index"`). `choices` are values or `(label, value)` pairs; other values are refused."""

    EVENTS = ("change", "input", "select")

    def __init__(
        self,
        choices: list[Any] | None = None,
        *,
        value: list[Any] | Any | None = None,
        type: str = "value",  # noqa: A002 - Gradio's name
        label: str | None = None,
        info: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        show_select_all: bool = False,
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
        self.choices = normalize_choices(choices)
        self.type = check_type(type, "CheckboxGroup")
        self.show_select_all = show_select_all
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def preprocess(self, payload: Any) -> list[Any]:
        if payload is None:
            return []
        values = payload if isinstance(payload, list) else [payload]
        for value in values:
            check_choice(value, self.choices, "CheckboxGroup")
        if self.type == "index":
            return [choice_index(value, self.choices) for value in values]
        return list(values)

    def postprocess(self, value: Any) -> list[Any]:
        if value is None:
            return []
        return list(value) if isinstance(value, (list, tuple, set)) else [value]

    def empty_value(self) -> list[Any]:
        return []

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved list fits while every ticked value is still one of the choices."""
        if payload is None:
            return True
        allowed = choice_values(self.choices)
        return isinstance(payload, list) and all(v in allowed for v in payload)

    def process_update(self, update: dict[str, Any]) -> dict[str, Any]:
        if "choices" in update:
            update = {**update, "choices": normalize_choices(update["choices"])}
        return update

    def api_info(self) -> dict[str, Any]:
        return {
            "items": {"enum": choice_values(self.choices), "type": "string"},
            "title": "Checkbox Group",
            "type": "array",
        }

    def example_payload(self) -> Any:
        return [self.choices[0][1]] if self.choices else None

    def example_value(self) -> Any:
        return self.example_payload()
