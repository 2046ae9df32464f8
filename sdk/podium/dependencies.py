"""`BlockFunction`: one registered event handler, and `Dependency`: the handle a listener returns."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from podium.blocks import Block, Blocks
    from podium.components.base import Component

ApiVisibility = Literal["public", "undocumented", "private"]


@dataclass(eq=False)
class BlockFunction:
    """An event handler and everything the config and the queue need to know about it."""

    fn: Callable[..., Any] | None
    inputs: list[Component]
    outputs: list[Component]
    targets: list[tuple[Block, str]]
    api_name: str | None = None
    api_description: str | None = None
    api_visibility: ApiVisibility = "public"
    queue: bool = True
    preprocess: bool = True
    postprocess: bool = True
    batch: bool = False
    max_batch_size: int = 4
    concurrency_limit: int | None | Literal["default"] = "default"
    concurrency_id: str | None = None
    show_progress: Literal["full", "minimal", "hidden"] = "full"
    show_progress_on: list[Component] | None = None
    scroll_to_output: bool = False
    js: str | None = None
    cancels: list[BlockFunction] = field(default_factory=list)
    every: float | None = None
    trigger_after: BlockFunction | None = None
    trigger_only_on_success: bool = False
    trigger_only_on_failure: bool = False
    trigger_mode: Literal["once", "multiple", "always_last"] = "once"
    time_limit: float | None = None
    stream_every: float = 0.5
    key: Any = None
    validator: Callable[..., Any] | None = None
    inputs_as_dict: bool = False  # inputs given as a set: fn receives one {component: value} dict
    # set when registered
    fn_index: int = -1
    # derived from fn
    is_generator: bool = False
    is_async: bool = False
    collects_event_data: bool = False

    def __post_init__(self) -> None:
        fn = self.fn
        if fn is not None:
            self.is_generator = inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)
            self.is_async = inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)
            if not self.is_generator and callable(fn) and not inspect.isfunction(fn):
                instance: Any = fn
                call = instance.__call__  # callable objects: look at their __call__
                self.is_generator = inspect.isgeneratorfunction(call) or inspect.isasyncgenfunction(call)
                self.is_async = inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
            from podium.events import takes_event_data

            self.collects_event_data = takes_event_data(fn)
        else:
            # Browser-only handlers (`js=`) and cancel-only events are not endpoints, as in Gradio.
            self.api_visibility = "private"
            self.queue = False
        if self.concurrency_id is None:
            self.concurrency_id = f"fn:{id(self)}"

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", "fn") if self.fn is not None else "js_fn"

    @property
    def backend_fn(self) -> bool:
        return self.fn is not None

    def assign_api_name(self, taken: set[str]) -> None:
        """Give the function a unique `api_name` (Gradio 6 names every function)."""
        if self.api_name is None or self.api_name is False:  # type: ignore[comparison-overlap]
            if self.api_name is False:
                self.api_visibility = "private"
            base = self.name if self.fn is not None else ("js_fn" if self.js else "unnamed")
            if base == "<lambda>":
                base = "lambda"
        else:
            base = str(self.api_name).lstrip("/")
        name, n = base, 0
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        self.api_name = name

    def get_config(self) -> dict[str, Any]:
        """This function's entry in the config's `dependencies` list."""
        return {
            "id": self.fn_index,
            "targets": [[block.id, event] for block, event in self.targets],
            "inputs": [c.id for c in self.inputs],
            "outputs": [c.id for c in self.outputs],
            "backend_fn": self.backend_fn,
            "js": self.js,
            "queue": self.queue,
            "api_name": self.api_name,
            "api_description": self.api_description,
            "scroll_to_output": self.scroll_to_output,
            "show_progress": self.show_progress,
            "show_progress_on": [c.id for c in self.show_progress_on] if self.show_progress_on else None,
            "every": self.every,
            "batch": self.batch,
            "max_batch_size": self.max_batch_size,
            "cancels": [f.fn_index for f in self.cancels],
            "types": {"generator": self.is_generator, "cancel": self.fn is None and bool(self.cancels)},
            "collects_event_data": self.collects_event_data,
            "trigger_after": self.trigger_after.fn_index if self.trigger_after is not None else None,
            "trigger_only_on_success": self.trigger_only_on_success,
            "trigger_only_on_failure": self.trigger_only_on_failure,
            "trigger_mode": self.trigger_mode,
            "api_visibility": self.api_visibility,
            "rendered_in": None,
            "render_id": None,
            "connection": "sse",
            "time_limit": self.time_limit,
            "stream_every": self.stream_every,
            "event_specific_args": [],
            "component_prop_inputs": [],
            "js_implementation": None,
        }


class Dependency(dict):  # type: ignore[type-arg]
    """What an event listener returns: the function's config, plus `.then()`, `.success()`, `.failure()`.

    ```python
    btn.click(step_one, a, b).then(step_two, b, c)
    ```
    """

    def __init__(self, root: Blocks, fn: BlockFunction) -> None:
        super().__init__(fn.get_config())
        self.root = root
        self.block_fn = fn
        self.fn_index = fn.fn_index

    def _chain(self, fn: Callable[..., Any] | None, only_success: bool, only_failure: bool, kwargs: Any) -> Dependency:
        from podium.events import register_event

        return register_event(
            self.root,
            targets=[],
            fn=fn,
            trigger_after=self.block_fn,
            trigger_only_on_success=only_success,
            trigger_only_on_failure=only_failure,
            **kwargs,
        )

    def then(self, fn: Callable[..., Any] | None = None, inputs: Any = None, outputs: Any = None, **kwargs: Any) -> Dependency:
        """Run `fn` after this event finishes, whether or not it succeeded."""
        return self._chain(fn, False, False, {"inputs": inputs, "outputs": outputs, **kwargs})

    def success(self, fn: Callable[..., Any] | None = None, inputs: Any = None, outputs: Any = None, **kwargs: Any) -> Dependency:
        """Run `fn` after this event finishes without an error."""
        return self._chain(fn, True, False, {"inputs": inputs, "outputs": outputs, **kwargs})

    def failure(self, fn: Callable[..., Any] | None = None, inputs: Any = None, outputs: Any = None, **kwargs: Any) -> Dependency:
        """Run `fn` after this event raised an error."""
        return self._chain(fn, False, True, {"inputs": inputs, "outputs": outputs, **kwargs})


def as_component_list(value: Any) -> list[Component]:
    """Normalise an `inputs=`/`outputs=` argument (one component, a list, a set or None) to a list."""
    from podium.components.base import Component
    from podium.exceptions import InvalidComponentError

    if value is None:
        return []
    items: Sequence[Any]
    if isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, (set, frozenset)):
        items = sorted(value, key=lambda c: c.id)
    elif isinstance(value, dict):
        items = list(value)
    else:
        items = [value]
    for item in items:
        if not isinstance(item, Component):
            raise InvalidComponentError(
                f"{item!r} is not a component; event inputs and outputs must be components created in this app."
            )
    return list(items)
