"""`Component`: the base of every input and output.

A component converts between what the wire carries (the payload, JSON) and what the user's function
sees (the value): `preprocess(payload) -> value` for inputs, `postprocess(value) -> payload` for outputs.
It describes its payload with `api_info()` (JSON Schema) and gives an `example_payload()`. Components
never see HTTP, files on disk are FileData dicts whose paths the server has already checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from podium.blocks import Block
from podium.updates import UPDATE_TYPE


class Component(Block):
    """Base class of every component. Subclasses set `EVENTS` and override the conversion methods."""

    # State, buttons and layouts have no API payload: they are left out of /info and `gradio_client` calls.
    skip_api: ClassVar[bool] = False

    def __init__(
        self,
        value: Any = None,
        *,
        label: str | None = None,
        info: str | None = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = "value",
        every: float | None = None,
        inputs: Any = None,
        **kwargs: Any,
    ) -> None:
        self.label = label
        self.info = info
        self.show_label = show_label
        self.container = container
        self.scale = scale
        self.min_width = min_width
        self.interactive = interactive
        self.preserved_by_key = [preserved_by_key] if isinstance(preserved_by_key, str) else preserved_by_key
        self.every = every
        # `value` may be a callable: it is then run on every page load (and every `every` seconds).
        self.load_fn: Callable[..., Any] | None = value if callable(value) else None
        self.load_fn_inputs = inputs
        initial = None if self.load_fn is not None else value
        super().__init__(elem_id=elem_id, elem_classes=elem_classes, visible=visible, render=render, key=key, **kwargs)
        self.value = self.postprocess(initial) if initial is not None else self.empty_value()

    # --- conversions ------------------------------------------------------------------------------

    def preprocess(self, payload: Any) -> Any:
        """Turn the payload a client sent into the value the function receives."""
        return payload

    def postprocess(self, value: Any) -> Any:
        """Turn the value a function returned into the payload sent to clients."""
        return value

    def empty_value(self) -> Any:
        """The payload of an empty component (used when no initial value is given)."""
        return None

    def api_info(self) -> dict[str, Any]:
        """JSON Schema of this component's payload."""
        return {}

    def deep_link_fits(self, payload: Any) -> bool:
        """Whether a payload saved in a deep link may be shown again by this component (docs/deep-links.md).

        A link may have been made with another version of the app: a choice may be gone, a range narrower.
        The default accepts any JSON value; components whose props constrain their value override it.
        """
        return is_json_value(payload)

    def api_info_as_input(self) -> dict[str, Any]:
        return self.api_info()

    def api_info_as_output(self) -> dict[str, Any]:
        return self.api_info()

    def example_payload(self) -> Any:
        """An example payload (what a client would send)."""
        return None

    def example_value(self) -> Any:
        """An example value (what a function would receive)."""
        return self.preprocess(self.example_payload())

    def api_description(self) -> str:
        """A one-line description of the payload for the API page."""
        return ""

    # --- config ------------------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        props = super().get_config()
        props["value"] = self.value
        props.pop("load_fn", None)
        return props

    def get_update(self, value: Any = None, **props: Any) -> dict[str, Any]:
        """A prop update, as `gr.update` makes, from this component's current props."""
        return {"__type__": UPDATE_TYPE, **props, **({} if value is None else {"value": value})}

    def as_update(self) -> dict[str, Any]:
        """Turn a component instance returned by a handler into a prop update (Gradio allows that).

        Only the props the caller passed differ from the constructor's defaults, so only those are sent.
        """
        update: dict[str, Any] = {"__type__": UPDATE_TYPE}
        for name, val in self._explicit_props.items():
            if name in self._config_skip:
                continue
            # props the constructor normalises (choices, elem_classes, ...) are sent in their config form
            update[name] = val if name == "value" else getattr(self, name, val)
        return update

    def process_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Normalise a prop update's props (not its `value`, which `postprocess` handles) to their config form.

        `gr.update(choices=["a", "b"])` must reach the browser as `[["a", "a"], ["b", "b"]]`, for instance.
        The event engine should call this on every update a handler returns; components whose props need it
        override it (the choice components do).
        """
        return update

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        def recording_init(self: Component, *args: Any, __init: Any = init, **kw: Any) -> None:
            if type(self).__init__ is recording_init or not hasattr(self, "_explicit_props"):
                explicit = dict(kw)
                if args:  # positional arguments by name: Slider(0, 10) sets minimum/maximum, not value
                    positional = [n for n in _positional_names(__init) if n not in kw]
                    explicit.update(zip(positional, args, strict=False))
                explicit.pop("render", None)
                self._explicit_props = explicit
            __init(self, *args, **kw)

        recording_init.__wrapped__ = init  # type: ignore[attr-defined]
        recording_init.__doc__ = init.__doc__
        cls.__init__ = recording_init  # type: ignore[method-assign]

    _explicit_props: dict[str, Any]


def is_json_value(value: Any, depth: int = 0) -> bool:
    """Whether `value` is plain JSON (None, bools, finite numbers, strings, lists, objects with string keys)."""
    if depth > 64:
        return False
    if value is None or isinstance(value, (bool, str, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_json_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json_value(v, depth + 1) for k, v in value.items())
    return False


def _positional_names(init: Any) -> list[str]:
    """The names of the arguments `init` takes positionally, after `self`."""
    import inspect

    params = list(inspect.signature(init).parameters.values())[1:]
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


class FormComponent(Component):
    """A component that sits in a form row when placed next to others (textboxes, sliders, ...)."""
