"""`Number`: a numeric field."""

from __future__ import annotations

import math
from typing import Any

from podium.components.base import FormComponent
from podium.exceptions import Error


def round_to_precision(num: float | int, precision: int | None) -> float | int:
    """Round `num` to `precision` decimals; precision 0 gives an `int`, None leaves `num` as it is."""
    if precision is None:
        return num
    if precision == 0:
        return int(round(num, 0))
    return round(num, precision)


def as_number(payload: Any, component: str) -> float | int:
    """Accept ints, floats and numeric strings from clients; anything else is a user-facing error."""
    if isinstance(payload, bool) or not isinstance(payload, (int, float, str)):
        raise Error(f"{component} expects a number, not {payload!r}.")
    if isinstance(payload, str):
        try:
            number = float(payload)
        except ValueError:
            raise Error(f"{component} expects a number, not {payload!r}.") from None
        payload = int(number) if number.is_integer() and "." not in payload and "e" not in payload.lower() else number
    if isinstance(payload, float) and not math.isfinite(payload):
        raise Error(f"{component} expects a finite number, not {payload!r}.")
    return payload


def check_bounds(num: float | int, minimum: float | None, maximum: float | None) -> None:
    """Raise `podium.Error` when `num` is outside `[minimum, maximum]` (Gradio's messages)."""
    if minimum is not None and num < minimum:
        raise Error(f"Value {num} is less than minimum value {minimum}.")
    if maximum is not None and num > maximum:
        raise Error(f"Value {num} is greater than maximum value {maximum}.")


def number_fits(payload: Any, minimum: float | None, maximum: float | None) -> bool:
    """Whether `payload` is a finite number (not a bool) within `[minimum, maximum]`: a deep link's check."""
    if isinstance(payload, bool) or not isinstance(payload, (int, float)):
        return False
    if isinstance(payload, float) and not math.isfinite(payload):
        return False
    return (minimum is None or payload >= minimum) and (maximum is None or payload <= maximum)


class Number(FormComponent):
    """A numeric input or output. The function receives a `float`, or an `int` when `precision=0`.

    `minimum`/`maximum` are enforced on inputs: a value outside them is refused with an error message.
    """

    EVENTS = ("change", "input", "submit", "focus", "blur")

    def __init__(
        self,
        value: float | Any | None = None,
        *,
        label: str | None = None,
        placeholder: str | None = None,
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
        precision: int | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        step: float = 1,
        **kwargs: Any,
    ) -> None:
        self.placeholder = placeholder
        self.buttons = list(buttons) if buttons else []
        self.precision = precision
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def preprocess(self, payload: Any) -> float | int | None:
        if payload is None:
            return None
        number = as_number(payload, "Number")
        check_bounds(number, self.minimum, self.maximum)
        return round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> float | int | None:
        if value is None:
            return None
        return round_to_precision(as_number(value, "Number"), self.precision)

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved value fits while it is empty or a number within `minimum`/`maximum`."""
        return payload is None or number_fits(payload, self.minimum, self.maximum)

    def api_info(self) -> dict[str, Any]:
        return {"type": "integer"} if self.precision == 0 else {"type": "number"}

    def example_payload(self) -> Any:
        return round_to_precision(3 if self.minimum is None else self.minimum, self.precision)

    def example_value(self) -> Any:
        return self.example_payload()
