"""Choice lists shared by `Radio`, `Dropdown` and `CheckboxGroup`.

Gradio accepts choices as plain values (`["a", "b"]`) or as `(label, value)` pairs; the config always
carries `[label, value]` pairs, so every choice component normalises its list with `normalize_choices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from podium.exceptions import Error

Choice = tuple[str, Any]


def normalize_choices(choices: Iterable[Any] | None) -> list[Choice]:
    """`["a", ("B", "b")]` -> `[("a", "a"), ("B", "b")]`: every choice as a `(label, value)` pair."""
    if not choices:
        return []
    normalized: list[Choice] = []
    for choice in choices:
        if isinstance(choice, (tuple, list)):
            if len(choice) != 2:
                raise ValueError(f"A choice given as a tuple must be (label, value), not {choice!r}.")
            normalized.append((str(choice[0]), choice[1]))
        else:
            normalized.append((str(choice), choice))
    return normalized


def choice_values(choices: list[Choice]) -> list[Any]:
    """The values of `(label, value)` choices, in order."""
    return [value for _, value in choices]


def check_choice(value: Any, choices: list[Choice], component: str) -> None:
    """Raise `podium.Error` naming the allowed values when `value` is not one of `choices`."""
    values = choice_values(choices)
    if value not in values:
        raise Error(f"{component}: value {value!r} is not one of the allowed choices {values}.")


def choice_index(value: Any, choices: list[Choice]) -> int | None:
    """The position of `value` among the choices' values (None for a custom value)."""
    values = choice_values(choices)
    return values.index(value) if value in values else None


def check_type(type_: str, component: str) -> str:
    """Validate a choice component's `type` argument (`"value"` or `"index"`)."""
    if type_ not in ("value", "index"):
        raise ValueError(f"{component}(type={type_!r}) is not supported; use type='value' or type='index'.")
    return type_
