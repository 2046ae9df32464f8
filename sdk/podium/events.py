"""Event listeners (`btn.click(...)`, `gr.on(...)`) and the event data handlers can receive."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from podium.context import RenderContext
from podium.dependencies import BlockFunction, Dependency, as_component_list

if TYPE_CHECKING:
    from podium.blocks import Block, Blocks


class EventData:
    """Data about the event that triggered a handler. Annotate a parameter with it to receive it.

    `target` is the component that fired the event (None for API calls); `_data` is the raw payload the
    browser sent.
    """

    def __init__(self, target: Block | None, data: Any) -> None:
        self.target = target
        self._data = data


class SelectData(EventData):
    """Data of a `.select` event: `index`, `value`, `selected` (and `row_value`/`col_value` for tables)."""

    def __init__(self, target: Block | None, data: Any) -> None:
        super().__init__(target, data)
        data = data if isinstance(data, dict) else {}
        self.index: int | tuple[int, int] | None = data.get("index")
        self.value: Any = data.get("value")
        self.row_value: list[Any] | None = data.get("row_value")
        self.col_value: list[Any] | None = data.get("col_value")
        self.selected: bool = data.get("selected", True)


class KeyUpData(EventData):
    """Data of a `.key_up` event: `key` and `input_value`."""

    def __init__(self, target: Block | None, data: Any) -> None:
        super().__init__(target, data)
        data = data if isinstance(data, dict) else {}
        self.key: str | None = data.get("key")
        self.input_value: str | None = data.get("input_value")


def event_data_param(fn: Callable[..., Any]) -> tuple[str, type[EventData]] | None:
    """The parameter of `fn` annotated with an `EventData` class, if any."""
    try:
        hints = get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations simply mean "no event data"
        hints = getattr(fn, "__annotations__", {}) or {}
    for name, hint in hints.items():
        if name != "return" and isinstance(hint, type) and issubclass(hint, EventData):
            return name, hint
    return None


def takes_event_data(fn: Callable[..., Any]) -> bool:
    return event_data_param(fn) is not None


_LISTENER_DEFAULTS: dict[str, Any] = {
    "api_name": None,
    "api_description": None,
    "scroll_to_output": False,
    "show_progress": "full",
    "show_progress_on": None,
    "queue": True,
    "batch": False,
    "max_batch_size": 4,
    "preprocess": True,
    "postprocess": True,
    "cancels": None,
    "trigger_mode": None,
    "js": None,
    "concurrency_limit": "default",
    "concurrency_id": None,
    "api_visibility": "public",
    "time_limit": None,
    "stream_every": 0.5,
    "key": None,
    "validator": None,
    "every": None,
}

_IGNORED_LISTENER_ARGS = {"show_api", "like_user_message", "status_tracker"}


def register_event(
    root: Blocks | None,
    *,
    targets: Sequence[tuple[Block, str]],
    fn: Callable[..., Any] | None,
    inputs: Any = None,
    outputs: Any = None,
    trigger_after: BlockFunction | None = None,
    trigger_only_on_success: bool = False,
    trigger_only_on_failure: bool = False,
    **options: Any,
) -> Dependency:
    """Add an event handler to the app being built and return its `Dependency` handle."""
    from podium.exceptions import PodiumError

    if root is None:
        raise PodiumError(
            "Event listeners can only be set inside a `with podium.Blocks():` block (or an Interface)."
        )
    unknown = set(options) - set(_LISTENER_DEFAULTS) - _IGNORED_LISTENER_ARGS
    if unknown:
        raise TypeError(f"Unknown event listener argument(s): {', '.join(sorted(unknown))}.")
    opts = {k: options.get(k, v) for k, v in _LISTENER_DEFAULTS.items()}
    if options.get("show_api") is False and opts["api_visibility"] == "public":
        opts["api_visibility"] = "undocumented"
    if opts["api_name"] is False:
        opts["api_visibility"] = "private"
        opts["api_name"] = None
    cancels = opts.pop("cancels")
    if isinstance(cancels, dict):
        cancels = [cancels]
    trigger_mode = opts.pop("trigger_mode")
    if trigger_mode is None:
        # Gradio's defaults: "change" and "key_up" keep only the newest pending run (in the browser)
        trigger_mode = "always_last" if any(e in ("change", "key_up") for _, e in targets) else "once"
    if opts["concurrency_limit"] == "default":
        opts["concurrency_limit"] = "default"
    show_progress_on = opts.pop("show_progress_on")
    block_fn = BlockFunction(
        fn=fn,
        inputs=as_component_list(inputs),
        outputs=as_component_list(outputs),
        targets=list(targets),
        trigger_after=trigger_after,
        trigger_only_on_success=trigger_only_on_success,
        trigger_only_on_failure=trigger_only_on_failure,
        trigger_mode=trigger_mode,
        cancels=[c.block_fn for c in (cancels or [])],
        show_progress_on=as_component_list(show_progress_on) if show_progress_on is not None else None,
        inputs_as_dict=isinstance(inputs, (set, frozenset)),
        **opts,
    )
    root.add_function(block_fn)
    return Dependency(root, block_fn)


class EventListener:
    """`component.click` and friends: call it with a handler, or use it as a decorator.

    ```python
    btn.click(fn, inputs=[a, b], outputs=c)

    @btn.click(inputs=[a, b], outputs=c)
    def fn(a, b): ...
    ```
    """

    def __init__(self, block: Block | None, event_name: str) -> None:
        self.block = block
        self.event_name = event_name

    def __call__(
        self,
        fn: Callable[..., Any] | None | Literal["decorator"] = "decorator",
        inputs: Any = None,
        outputs: Any = None,
        **options: Any,
    ) -> Any:
        if fn == "decorator":

            def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
                self(func, inputs, outputs, **options)
                return func

            return decorate
        assert self.block is not None
        root = RenderContext.root or _root_of(self.block)
        return register_event(root, targets=[(self.block, self.event_name)], fn=fn, inputs=inputs, outputs=outputs, **options)

    def __repr__(self) -> str:
        return f"<EventListener {self.event_name} of {self.block!r}>"


class _ListenerDescriptor:
    def __init__(self, event_name: str) -> None:
        self.event_name = event_name

    def __get__(self, obj: Block | None, objtype: type | None = None) -> EventListener:
        return EventListener(obj, self.event_name)


def attach_event_listeners(cls: type) -> None:
    """Give a block class one listener method per name in its `EVENTS`."""
    for event_name in getattr(cls, "EVENTS", ()):
        if not isinstance(cls.__dict__.get(event_name), _ListenerDescriptor):
            setattr(cls, event_name, _ListenerDescriptor(event_name))


def _root_of(block: Block) -> Blocks | None:
    from podium.blocks import Blocks

    node: Block | None = block
    last_blocks = None
    while node is not None:
        if isinstance(node, Blocks):
            last_blocks = node
        node = node.parent
    return last_blocks


def on(
    triggers: Sequence[EventListener] | EventListener | None = None,
    fn: Callable[..., Any] | None | Literal["decorator"] = "decorator",
    inputs: Any = None,
    outputs: Any = None,
    **options: Any,
) -> Any:
    """Run `fn` when any of `triggers` fires (`gr.on([btn.click, txt.submit], fn, ...)`).

    With `triggers=None`, `fn` runs whenever any of its `inputs` changes (and on load).
    """
    if fn == "decorator":

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            on(triggers, func, inputs, outputs, **options)
            return func

        return decorate
    root = RenderContext.root
    if triggers is None:
        targets: list[tuple[Block, str]] = [(c, "change") for c in as_component_list(inputs)]
        if root is not None:
            targets.insert(0, (root, "load"))
    else:
        listeners = [triggers] if isinstance(triggers, EventListener) else list(triggers)
        targets = []
        for listener in listeners:
            if not isinstance(listener, EventListener) or listener.block is None:
                raise TypeError(f"gr.on() triggers must be event listeners like `btn.click`, not {listener!r}.")
            targets.append((listener.block, listener.event_name))
        if root is None and targets:
            root = _root_of(targets[0][0])
    return register_event(root, targets=targets, fn=fn, inputs=inputs, outputs=outputs, **options)


def handler_signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None
