"""`Slider`: a number picked between a minimum and a maximum."""

from __future__ import annotations

import math
import random
from typing import Any

from podium.components.base import FormComponent
from podium.components.number import as_number, check_bounds, number_fits, round_to_precision


class Slider(FormComponent):
    """A slider from `minimum` to `maximum`. The function receives a `float` (an `int` with `precision=0`).

    Inputs outside the range are refused with an error message; `randomize=True` starts at a random step.
    """

    EVENTS = ("change", "input", "release")

    def __init__(
        self,
        minimum: float = 0,
        maximum: float = 100,
        value: float | Any | None = None,
        *,
        step: float | None = None,
        precision: int | None = None,
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
        randomize: bool = False,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.step = step if step is not None else _default_step(minimum, maximum)
        self.precision = precision
        self.randomize = randomize
        self.buttons = buttons
        if randomize:
            value = self.random_value  # a callable value is re-run on every page load, as in Gradio
        super().__init__(
            value=value, label=label, info=info, every=every, inputs=inputs, show_label=show_label,
            container=container, scale=scale, min_width=min_width, interactive=interactive, visible=visible,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key,
            **kwargs,
        )

    def random_value(self) -> float | int:
        """A value on the slider's step grid, picked uniformly at random."""
        steps = int((self.maximum - self.minimum) / self.step) if self.step else 0
        value = self.minimum + random.randint(0, max(steps, 0)) * self.step
        decimals = max(str(self.step)[::-1].find("."), 0)  # keep the step's decimals, drop float noise
        return round(value, decimals) if decimals else value

    def preprocess(self, payload: Any) -> float | int | None:
        if payload is None:
            return None
        number = as_number(payload, "Slider")
        check_bounds(number, self.minimum, self.maximum)
        return round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> float | int:
        return round_to_precision(self.minimum if value is None else as_number(value, "Slider"), self.precision)

    def empty_value(self) -> float | int:
        return self.postprocess(None)

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved value fits while it is a number within the slider's range."""
        return number_fits(payload, self.minimum, self.maximum)

    def api_info(self) -> dict[str, Any]:
        return {
            "type": "integer" if self.precision == 0 else "number",
            "description": f"numeric value between {self.minimum} and {self.maximum}",
        }

    def example_payload(self) -> Any:
        return self.minimum

    def example_value(self) -> Any:
        return self.minimum


def _default_step(minimum: float, maximum: float) -> float:
    """Gradio's default: about a hundredth of the range, as a power of ten."""
    difference = maximum - minimum
    if difference <= 0:
        return 1
    return 10 ** math.floor(math.log10(difference) - 2)
