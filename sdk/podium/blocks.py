"""`Block`, `BlockContext` and `Blocks`: the app model.

A `Blocks` is a context manager. Every block created inside its `with` statement registers itself in the
open container, and every event listener called there adds a `BlockFunction` to the app. `get_config()`
turns the result into the JSON config that the browser and API clients read.
"""

from __future__ import annotations

import itertools
import random
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from podium.context import RenderContext
from podium.dependencies import BlockFunction, Dependency
from podium.events import EventListener, attach_event_listeners
from podium.exceptions import DuplicateBlockError

if TYPE_CHECKING:
    from podium.components.base import Component

PROTOCOL_VERSION = "6.31.0"  # the Gradio version whose wire protocol Podium speaks
API_PREFIX = "/gradio_api"

_block_ids = itertools.count(1)  # 0 is reserved for nothing; every Blocks also gets its own id


def next_block_id() -> int:
    return next(_block_ids)


class Block:
    """Anything that can be placed in a layout: components, layouts and whole `Blocks`."""

    EVENTS: ClassVar[Sequence[str]] = ()
    # Props every block accepts; subclasses add their own by naming them in their constructor.
    _config_skip: ClassVar[frozenset[str]] = frozenset({"self", "kwargs", "render", "inputs"})

    def __init__(
        self,
        *,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        visible: bool | str = True,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        self._id = next_block_id()
        self.elem_id = elem_id
        self.elem_classes = [elem_classes] if isinstance(elem_classes, str) else list(elem_classes or [])
        self.visible = visible
        self.key = key
        self.parent: BlockContext | None = None
        self.is_rendered = False
        if kwargs:
            names = ", ".join(sorted(kwargs))
            warnings.warn(
                f"{type(self).__name__} does not support the argument(s) {names}; Podium ignores them.",
                UserWarning,
                stacklevel=3,
            )
        if render:
            self.render()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        attach_event_listeners(cls)

    @property
    def id(self) -> int:
        return self._id

    @classmethod
    def get_block_name(cls) -> str:
        """The lower-case type name used in the config (`textbox`, `row`, ...)."""
        return cls.__name__.lower()

    def render(self) -> Block:
        """Add this block to the container whose `with` statement is open."""
        root = RenderContext.root
        container = RenderContext.current()
        if root is not None and self._id in root.blocks and self.is_rendered:
            raise DuplicateBlockError(
                f"{type(self).__name__} (id {self._id}) is already in this app; create a new component instead of "
                "rendering the same one twice."
            )
        if container is not None:
            container.add_child(self)
        if root is not None:
            root.blocks[self._id] = self
            self.is_rendered = True
        return self

    def unrender(self) -> Block:
        """Remove this block from its container (the reverse of `render()`)."""
        if self.parent is not None:
            self.parent.children.remove(self)
            self.parent = None
        root = RenderContext.root
        if root is not None:
            root.blocks.pop(self._id, None)
        self.is_rendered = False
        return self

    def get_config(self) -> dict[str, Any]:
        """The props sent to the browser: every constructor argument that is not None, plus `name`."""
        props: dict[str, Any] = {}
        for name in _constructor_params(type(self)):
            if name in self._config_skip:
                continue
            value = getattr(self, name, None)
            if value is None or callable(value):
                continue
            props[name] = value
        props["name"] = self.get_block_name()
        return props

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id})"


_params_cache: dict[type, tuple[str, ...]] = {}


def _constructor_params(cls: type) -> tuple[str, ...]:
    """Names of every keyword a block class's constructors (its own and its bases') accept."""
    cached = _params_cache.get(cls)
    if cached is not None:
        return cached
    import inspect

    names: list[str] = []
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.name in names:
                continue
            names.append(param.name)
    _params_cache[cls] = tuple(names)
    return _params_cache[cls]


class BlockContext(Block):
    """A block that holds other blocks: layouts and `Blocks` itself."""

    def __init__(self, **kwargs: Any) -> None:
        self.children: list[Block] = []
        super().__init__(**kwargs)

    def add_child(self, child: Block) -> None:
        child.parent = self
        self.children.append(child)

    def __enter__(self) -> BlockContext:
        RenderContext.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        RenderContext.stack.pop()

    def walk(self) -> Iterator[Block]:
        """Every block below this one, depth first."""
        for child in self.children:
            yield child
            if isinstance(child, BlockContext):
                yield from child.walk()


class Blocks(BlockContext):
    """A whole app: its layout, its components and its event handlers.

    ```python
    with podium.Blocks() as demo:
        name = podium.Textbox(label="Name")
        greeting = podium.Textbox(label="Greeting")
        name.submit(lambda n: f"Hello {n}!", name, greeting)
    demo.launch()
    ```
    """

    EVENTS = ("load", "unload")

    def __init__(
        self,
        theme: Any = None,
        analytics_enabled: bool | None = None,
        mode: str = "blocks",
        title: str = "Podium",
        css: str | None = None,
        css_paths: Any = None,
        js: str | None = None,
        head: str | None = None,
        head_paths: Any = None,
        fill_height: bool = False,
        fill_width: bool = False,
        delete_cache: tuple[int, int] | None = None,
        deep_links: bool = True,
        **kwargs: Any,
    ) -> None:
        self.blocks: dict[int, Block] = {}
        self.fns: list[BlockFunction] = []
        self.mode = mode
        self.title = title
        self.theme = theme
        self.css = css
        self.css_paths = css_paths
        self.js = js
        self.head = head
        self.head_paths = head_paths
        self.fill_height = fill_height
        self.fill_width = fill_width
        self.delete_cache = delete_cache
        self.deep_links = deep_links
        self.analytics_enabled = False  # Podium never sends telemetry
        self.app_id = random.getrandbits(62)
        # queue() settings; launch() reads them
        self.max_queue_size: int | None = None
        self.default_concurrency_limit: int | None | str = "not_set"
        self.api_open = True
        self.show_error = False
        self.server: Any = None  # set by launch(): the running podium.server.launch.Server
        self.local_url: str | None = None
        self.share_url: str | None = None
        self._outer_root: Blocks | None = None
        self._outer_stack: list[BlockContext] | None = None
        super().__init__(render=False, **kwargs)

    @classmethod
    def get_block_name(cls) -> str:
        return "blocks"

    # --- building -------------------------------------------------------------------------------

    def __enter__(self) -> Blocks:  # type: ignore[override]
        self._outer_root = RenderContext.root
        self._outer_stack = RenderContext.stack
        if self._outer_root is None:
            RenderContext.root = self
            RenderContext.stack = [self]
        else:
            # A Blocks opened inside another app is built straight into that app.
            self._register_in(self._outer_root)
            RenderContext.stack = [*self._outer_stack, self]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._outer_root is None:
            self._register_value_loaders()
        RenderContext.root = self._outer_root
        RenderContext.stack = self._outer_stack or []
        self._outer_root = None
        self._outer_stack = None

    def _register_value_loaders(self) -> None:
        """Components whose `value` is a callable get it run on every page load (and every `every` s)."""
        from podium.components.base import Component
        from podium.events import register_event

        for block in list(self.blocks.values()):
            if isinstance(block, Component) and block.load_fn is not None and not getattr(block, "_loader", None):
                block._loader = register_event(  # type: ignore[attr-defined]
                    self,
                    targets=[(self, "load")],
                    fn=block.load_fn,
                    inputs=block.load_fn_inputs,
                    outputs=[block],
                    every=block.every,
                    show_progress="hidden",
                )

    def _register_in(self, outer: Blocks) -> None:
        container = RenderContext.current()
        if container is not None:
            container.add_child(self)
        outer.blocks[self._id] = self

    def render(self) -> Blocks:
        """Place this whole app inside the `Blocks` being built (as `TabbedInterface` does)."""
        outer = RenderContext.root
        if outer is None or outer is self:
            return self
        self._register_in(outer)
        outer.blocks.update(self.blocks)
        for fn in self.fns:
            outer.add_function(fn)
        return self

    def add_function(self, fn: BlockFunction) -> BlockFunction:
        """Register an event handler, giving it its `fn_index` and a unique `api_name`."""
        fn.fn_index = len(self.fns)
        fn.assign_api_name({f.api_name for f in self.fns if isinstance(f.api_name, str)})
        self.fns.append(fn)
        return fn

    def queue(
        self,
        status_update_rate: float | str = "auto",
        api_open: bool | None = None,
        max_size: int | None = None,
        *,
        default_concurrency_limit: int | None | str = "not_set",
        **kwargs: Any,
    ) -> Blocks:
        """Configure the event queue.

        `max_size` bounds how many events may wait (more get "queue full"); `default_concurrency_limit`
        is how many runs of one event may run at once unless the event sets `concurrency_limit` (default 1,
        or `GRADIO_DEFAULT_CONCURRENCY_LIMIT` / `PODIUM_DEFAULT_CONCURRENCY_LIMIT`).
        """
        if kwargs:
            warnings.warn(f"queue() ignores unsupported argument(s) {', '.join(sorted(kwargs))}.", stacklevel=2)
        if api_open is not None:
            self.api_open = api_open
        self.max_queue_size = max_size
        self.default_concurrency_limit = default_concurrency_limit
        return self

    # --- running --------------------------------------------------------------------------------

    def launch(self, **kwargs: Any) -> Any:
        """Start the app server and print its URL. Takes Gradio's `launch()` arguments.

        Blocks the main thread until interrupted unless `prevent_thread_lock=True` (or in a notebook).
        """
        from podium.server.launch import launch_blocks

        return launch_blocks(self, **kwargs)

    def close(self, verbose: bool = True) -> None:
        """Stop the server started by `launch()`."""
        if self.server is not None:
            self.server.close()
            self.server = None
            if verbose:
                print("Closing server running on port: " + str(self.local_url))

    def block_thread(self) -> None:
        """Wait until the server stops (Ctrl-C stops it)."""
        if self.server is not None:
            self.server.block_thread()

    # --- introspection --------------------------------------------------------------------------

    @property
    def components(self) -> list[Component]:
        from podium.components.base import Component

        return [b for b in self.blocks.values() if isinstance(b, Component)]

    def get_component(self, component_id: int) -> Block:
        return self.blocks[component_id]

    def get_config(self) -> dict[str, Any]:  # the props of the Blocks as a block
        return {"name": "blocks"}

    def get_config_file(self) -> dict[str, Any]:
        """The app config served at `/config` (without the per-request `root`)."""
        from podium.config import build_config

        return build_config(self)


def listener_method(block: Block, event_name: str) -> EventListener:
    """The bound listener `block.<event_name>` (for `gr.on` triggers)."""
    listener = getattr(block, event_name)
    assert isinstance(listener, EventListener)
    return listener


__all__ = ["Block", "BlockContext", "Blocks", "Dependency", "API_PREFIX", "PROTOCOL_VERSION"]
