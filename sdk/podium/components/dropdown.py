"""`Dropdown`: pick one (or, with `multiselect`, several) of a list of choices."""

from __future__ import annotations

import warnings
from typing import Any

from podium.components.base import FormComponent
from podium.components.choices import check_choice, check_type, choice_index, choice_values, normalize_choices
from podium.exceptions import Error


class _FirstChoice:
    """The default `value`: the first choice (or `[]` with `multiselect`), as in Gradio."""

    def __repr__(self) -> str:
        return "<first choice>"


FIRST_CHOICE: Any = _FirstChoice()


class Dropdown(FormComponent):
    """A dropdown. The function receives the chosen value, a list of values with `multiselect=True`, or
    indices with `type="index"`. `choices` are values or `(label, value)` pairs; values outside them are
    refused unless `allow_custom_value=True`."""

    EVENTS = ("change", "input", "select", "focus", "blur", "key_up")

    def __init__(
        self,
        choices: list[Any] | None = None,
        *,
        value: Any = FIRST_CHOICE,
        type: str = "value",  # noqa: A002 - Gradio's name
        multiselect: bool | None = None,
        allow_custom_value: bool = False,
        max_choices: int | None = None,
        num_choices_shown: int | None = 100,
        filterable: bool = True,
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
        self.choices = normalize_choices(choices)
        self.type = check_type(type, "Dropdown")
        self.multiselect = multiselect
        if value is FIRST_CHOICE:
            value = [] if multiselect else (self.choices[0][1] if self.choices else None)
        if multiselect and isinstance(value, str):
            value = [value]
        if not multiselect and max_choices is not None:
            warnings.warn("Dropdown ignores `max_choices` unless `multiselect=True`.", UserWarning, stacklevel=3)
        if allow_custom_value and not filterable:
            warnings.warn("Dropdown needs `filterable=True` with `allow_custom_value=True`; using it.", UserWarning,
                          stacklevel=3)
            filterable = True
        if num_choices_shown is not None and num_choices_shown <= 0:
            raise ValueError("Dropdown(num_choices_shown=...) must be greater than 0.")
        self.allow_custom_value = allow_custom_value
        self.max_choices = max_choices
        self.num_choices_shown = num_choices_shown
        self.filterable = filterable
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        if payload is None:
            return [] if self.multiselect else None
        if self.multiselect and not isinstance(payload, list):
            payload = [payload]
        values = payload if isinstance(payload, list) else [payload]
        if not self.allow_custom_value:
            for value in values:
                check_choice(value, self.choices, "Dropdown")
        if self.multiselect and self.max_choices is not None and len(values) > self.max_choices:
            raise Error(f"Dropdown: at most {self.max_choices} choices may be selected, not {len(values)}.")
        if self.type == "index":
            if isinstance(payload, list):
                return [choice_index(value, self.choices) for value in payload]
            return choice_index(payload, self.choices)
        return payload

    def postprocess(self, value: Any) -> Any:
        if value is None:
            return None
        if self.multiselect:
            value = list(value) if isinstance(value, (list, tuple, set)) else [value]
            for item in value:
                self._warn_if_not_a_choice(item)
        else:
            self._warn_if_not_a_choice(value)
        return value

    def _warn_if_not_a_choice(self, value: Any) -> None:
        if self.allow_custom_value or value in choice_values(self.choices):
            return
        warnings.warn(
            f"The value {value!r} given to Dropdown is not one of its choices; add it to `choices` or set "
            "allow_custom_value=True.",
            UserWarning,
            stacklevel=4,
        )

    def empty_value(self) -> Any:
        return [] if self.multiselect else None

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved value fits while it is still among the choices (or custom values are allowed)."""
        if payload is None:
            return True
        if self.multiselect:
            if not isinstance(payload, list):
                return False
            if self.max_choices is not None and len(payload) > self.max_choices:
                return False
            values = payload
        else:
            values = [payload]
        if self.allow_custom_value:
            return all(isinstance(v, (str, int, float)) for v in values)
        allowed = choice_values(self.choices)
        return all(v in allowed for v in values)

    def process_update(self, update: dict[str, Any]) -> dict[str, Any]:
        if "choices" in update:
            update = {**update, "choices": normalize_choices(update["choices"])}
        return update

    def api_info(self) -> dict[str, Any]:
        enum = {"type": "string", "enum": choice_values(self.choices)}
        return {"type": "array", "items": enum} if self.multiselect else enum

    def example_payload(self) -> Any:
        if self.multiselect:
            return [self.choices[0][1]] if self.choices else []
        return self.choices[0][1] if self.choices else None

    def example_value(self) -> Any:
        return self.example_payload()
