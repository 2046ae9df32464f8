"""`Interface` and `TabbedInterface`: a whole app from one function, as `gr.Interface(fn, inputs, outputs)`.

An `Interface` is a `Blocks` (mode `"interface"`) laid out as Gradio lays it out: title, description, a row
with an inputs column (inputs, Clear/Submit/Stop buttons) and an outputs column, examples, article. It
registers exactly one public API endpoint (named after `fn`, or `api_name`), so
`gradio_client.Client(url).predict(...)` works without naming it.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

from podium.blocks import Blocks, listener_method
from podium.components.base import Component
from podium.components.button import Button
from podium.components.clear_button import ClearButton
from podium.components.markdown import Markdown
from podium.components.state import State
from podium.context import RenderContext
from podium.events import EventData, on
from podium.layouts import Accordion, Column, Row, Tab, Tabs


def _shortcuts() -> dict[str, Callable[[], Component]]:
    """String shortcuts (Gradio's `inputs="text"`) -> a factory of the component."""
    from podium import components as c

    return {
        "text": c.Textbox,
        "textbox": c.Textbox,
        "textarea": lambda: c.Textbox(lines=7),
        "number": c.Number,
        "slider": c.Slider,
        "checkbox": c.Checkbox,
        "checkboxgroup": c.CheckboxGroup,
        "radio": c.Radio,
        "dropdown": c.Dropdown,
        "json": c.JSON,
        "label": c.Label,
        "file": c.File,
        "markdown": c.Markdown,
        "html": c.HTML,
        "code": c.Code,
        "colorpicker": c.ColorPicker,
        "state": c.State,
    }


def component_from_shortcut(spec: str | Component) -> Component:
    """`"text"`, `"Slider"`, ... (case-insensitive) -> a new, not yet placed component; components pass through."""
    if isinstance(spec, Component):
        if spec.is_rendered or spec.parent is not None:
            spec.unrender()  # created inside an outer Blocks: the Interface places it itself
        return spec
    if isinstance(spec, str):
        factory = _shortcuts().get(spec.lower().replace("_", ""))
        if factory is not None:
            with _no_render_target():
                return factory()
        names = ", ".join(f'"{name}"' for name in _shortcuts())
        raise ValueError(f"Interface does not know the component {spec!r}; use a component object or one of {names}.")
    raise TypeError(f"Interface inputs and outputs must be components or their names, not {spec!r}.")


class _no_render_target:  # noqa: N801 - used as a `with` statement
    """Build components without placing them in whatever `Blocks` is open."""

    def __enter__(self) -> None:
        self.saved = (RenderContext.root, RenderContext.stack)
        RenderContext.root, RenderContext.stack = None, []

    def __exit__(self, *exc: object) -> None:
        RenderContext.root, RenderContext.stack = self.saved


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Component)):
        return [value]
    return list(value)


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    """The names of `fn`'s ordinary parameters (without `self` and EventData/Request/Progress ones)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    names = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = param.annotation
        hint_name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if isinstance(annotation, type) and issubclass(annotation, EventData):
            continue
        if str(hint_name).split(".")[-1] in ("Request", "Progress", "EventData", "SelectData", "OAuthToken",
                                            "OAuthProfile"):
            continue
        if type(param.default).__name__ == "Progress":
            continue
        names.append(param.name)
    return names


def _is_generator(fn: Callable[..., Any]) -> bool:
    return inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)


class ExamplesDataset(Component):
    """The examples table under an Interface: `samples` (one row per example) for the input components.

    Clicking a row sends its index; a small hidden handler then fills the inputs (and, with
    `cache_examples`, the outputs) with that example.
    """

    EVENTS = ("click", "select")
    skip_api = True

    def __init__(
        self,
        *,
        components: Sequence[Component],
        samples: list[list[Any]],
        headers: list[str] | None = None,
        label: str | None = "Examples",
        samples_per_page: int = 10,
        sample_labels: list[str] | None = None,
        render: bool = True,
        **kwargs: Any,
    ) -> None:
        self.example_components = list(components)
        self.samples = samples
        self.headers = headers
        self.samples_per_page = samples_per_page
        self.sample_labels = sample_labels
        super().__init__(label=label, render=render, **kwargs)

    @classmethod
    def get_block_name(cls) -> str:
        return "dataset"

    def get_config(self) -> dict[str, Any]:
        props = super().get_config()
        props.pop("example_components", None)
        props["components"] = [{"name": c.get_block_name(), "id": c.id} for c in self.example_components]
        props["component_ids"] = [c.id for c in self.example_components]
        props["samples"] = self.samples
        props["type"] = "index"
        return props

    def preprocess(self, payload: Any) -> int | None:
        if isinstance(payload, list):  # some clients send [index, sample]
            payload = payload[0] if payload else None
        return None if payload is None else int(payload)


class Interface(Blocks):
    """An app made from one function: `Interface(fn, inputs, outputs)`.

    `inputs`/`outputs` are components, their names (`"text"`, `"number"`, `"slider"`, `"checkbox"`,
    `"checkboxgroup"`, `"radio"`, `"dropdown"`, `"json"`, `"label"`, `"file"`, `"markdown"`, `"html"`,
    `"code"`, `"colorpicker"`, `"state"`, `"textarea"`), a list of them, or None. `live=True` runs `fn` on
    every input change instead of showing a Submit button; a generator `fn` streams its outputs and gets a
    Stop button. The API endpoint is named after `fn` (`api_name=` changes it).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        inputs: str | Component | Sequence[str | Component] | None,
        outputs: str | Component | Sequence[str | Component] | None,
        examples: list[Any] | list[list[Any]] | str | None = None,
        *,
        cache_examples: bool | None = None,
        cache_mode: str | None = None,
        examples_per_page: int = 10,
        example_labels: list[str] | None = None,
        preload_example: int | bool = 0,
        live: bool = False,
        title: str | None = None,
        description: str | None = None,
        article: str | None = None,
        flagging_mode: str | None = None,
        flagging_options: Any = None,
        flagging_dir: str = ".gradio/flagged",
        flagging_callback: Any = None,
        analytics_enabled: bool | None = None,
        batch: bool = False,
        max_batch_size: int = 4,
        api_visibility: str = "public",
        api_name: str | None = None,
        api_description: str | None | bool = None,
        allow_duplication: bool = False,
        concurrency_limit: int | None | str = "default",
        concurrency_id: str | None = None,
        additional_inputs: str | Component | Sequence[str | Component] | None = None,
        additional_inputs_accordion: str | Accordion | None = None,
        submit_btn: str | Button = "Submit",
        stop_btn: str | Button = "Stop",
        clear_btn: str | Button | None = "Clear",
        delete_cache: tuple[int, int] | None = None,
        show_progress: str = "full",
        fill_width: bool = False,
        time_limit: int | None = 30,
        stream_every: float = 0.5,
        deep_link: Any = None,
        validator: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            analytics_enabled=analytics_enabled, mode="interface", title=title or "Podium",
            delete_cache=delete_cache, fill_width=fill_width, **kwargs,
        )
        if not _as_list(inputs) and not _as_list(outputs):
            raise ValueError("Interface needs at least one input or one output component.")
        self.fn = fn
        self.live = live
        self.interface_title = title
        self.description = description
        self.article = article
        self.examples = examples
        self.cache_examples = bool(cache_examples)
        self.examples_per_page = examples_per_page
        self.example_labels = example_labels
        self.flagging_mode = flagging_mode  # accepted for compatibility; Podium does not record flags
        self.batch = batch
        self.max_batch_size = max_batch_size
        self.api_name = api_name
        self.api_description = api_description
        self.api_visibility = api_visibility
        self.concurrency_limit = concurrency_limit
        self.concurrency_id = concurrency_id
        self.show_progress = show_progress
        self.time_limit = time_limit
        self.stream_every = stream_every
        self.validator = validator
        # Gradio's `deep_link=`: True, a label or a DeepLinkButton adds the button under the outputs; by default
        # it is there when the app runs as a Space (SYSTEM=spaces), as on Hugging Face Spaces.
        self.deep_link = (os.environ.get("SYSTEM") == "spaces") if deep_link is None else deep_link
        self.deep_link_btn: Button | None = None

        self.main_input_components = [component_from_shortcut(c) for c in _as_list(inputs)]
        self.additional_input_components = [component_from_shortcut(c) for c in _as_list(additional_inputs)]
        self.input_components = self.main_input_components + self.additional_input_components
        self.output_components = [component_from_shortcut(c) for c in _as_list(outputs)]
        self._share_state()
        self._set_default_labels()
        self.unified = bool(self.input_components) and len(self.input_components) == len(self.output_components) and all(
            i is o for i, o in zip(self.input_components, self.output_components, strict=True)
        )
        if not self.unified:
            for component in self.output_components:
                if component.interactive is None:
                    component.interactive = False  # outputs are read-only unless asked otherwise
        if isinstance(additional_inputs_accordion, Accordion):
            additional_inputs_accordion.unrender()
            self.accordion_params: dict[str, Any] = {"label": additional_inputs_accordion.label,
                                                     "open": additional_inputs_accordion.open}
        else:
            self.accordion_params = {"label": additional_inputs_accordion or "Additional Inputs", "open": False}

        self.submit_btn: Button | None = None
        self.stop_btn: Button | None = None
        self.clear_btn: ClearButton | None = None
        self.examples_dataset: ExamplesDataset | None = None
        with _no_render_target(), self:  # built as an app of its own, then placed in any app being built
            self._render_layout(submit_btn, stop_btn, clear_btn)
            self.predict_dependency = self._attach_predict()
            if self.clear_btn is not None:
                self.clear_btn.add(self.input_components + [o for o in self.output_components if o not in
                                                             self.input_components])
            self._render_examples()
            if self.article:
                Markdown(self.article)
        render_blocks_inline(self)

    # --- building ---------------------------------------------------------------------------------

    def _share_state(self) -> None:
        """Gradio's `"state"` shortcut: one State used as both an input and an output."""
        in_idx = [i for i, c in enumerate(self.input_components) if isinstance(c, State)]
        out_idx = [i for i, c in enumerate(self.output_components) if isinstance(c, State)]
        if not in_idx and not out_idx:
            return
        if len(in_idx) != 1 or len(out_idx) != 1:
            raise ValueError("An Interface with 'state' needs exactly one state input and one state output.")
        state = self.input_components[in_idx[0]]
        if state.value is None:
            defaults = [p.default for p in inspect.signature(self.fn).parameters.values()]
            if in_idx[0] < len(defaults) and defaults[in_idx[0]] is not inspect.Parameter.empty:
                state = State(defaults[in_idx[0]], render=False)
                self.input_components[in_idx[0]] = state
                if in_idx[0] < len(self.main_input_components):
                    self.main_input_components[in_idx[0]] = state
        self.output_components[out_idx[0]] = state

    def _set_default_labels(self) -> None:
        names = _parameter_names(self.fn) or [f"input {i}" for i in range(len(self.input_components))]
        for component, name in zip(self.input_components, names, strict=False):
            if component.label is None:
                component.label = name
        for i, component in enumerate(self.output_components):
            if component.label is None:
                component.label = "output" if len(self.output_components) == 1 else f"output {i}"

    def _render_layout(self, submit_btn: str | Button, stop_btn: str | Button, clear_btn: str | Button | None) -> None:
        if self.interface_title:
            Markdown(f"<h1 style='text-align: center; margin-bottom: 1rem'>{self.interface_title}</h1>")
        if self.description:
            Markdown(self.description)
        streams = _is_generator(self.fn)
        with Row():
            if self.input_components:
                with Column():
                    with Column():
                        for component in self.main_input_components:
                            component.render()
                        if self.additional_input_components:
                            with Accordion(**self.accordion_params):
                                for component in self.additional_input_components:
                                    component.render()
                    with Row():
                        self.clear_btn = _clear_button(clear_btn)
                        if not self.live or self.unified:
                            self.submit_btn = _button(submit_btn, variant="primary")
                            if streams and not self.live:
                                self.stop_btn = _button(stop_btn, variant="stop", visible=False)
            if self.output_components and not self.unified:
                with Column():
                    for component in self.output_components:
                        if not isinstance(component, State) or not component.is_rendered:
                            component.render()
                    if not self.input_components:
                        with Row():
                            self.clear_btn = _clear_button(clear_btn)
                            self.submit_btn = _button("Generate", variant="primary")
                            if streams and not self.live:
                                self.stop_btn = _button(stop_btn, variant="stop", visible=False)
                    self.deep_link_btn = _deep_link_button(self.deep_link)

    def _endpoint_options(self) -> dict[str, Any]:
        return {
            "api_name": self.api_name,
            "api_visibility": self.api_visibility,
            "api_description": None if self.api_description is False else self.api_description,
            "batch": self.batch,
            "max_batch_size": self.max_batch_size,
            "concurrency_limit": self.concurrency_limit,
            "concurrency_id": self.concurrency_id,
            "time_limit": self.time_limit,
            "stream_every": self.stream_every,
            "validator": self.validator,
        }

    def _attach_predict(self) -> Any:
        """Register the one public endpoint and what triggers it."""
        options = self._endpoint_options()
        if self.live and self.input_components and not self.unified:
            triggers = [listener_method(c, "change") for c in self.input_components if "change" in c.EVENTS]
            return on(triggers, self.fn, self.input_components, self.output_components,
                      show_progress=self.show_progress, trigger_mode="always_last", **options)
        assert self.submit_btn is not None
        triggers = [listener_method(self.submit_btn, "click")]
        triggers += [listener_method(c, "submit") for c in self.main_input_components if "submit" in c.EVENTS]
        predict = on(triggers, self.fn, self.input_components, self.output_components, scroll_to_output=True,
                     show_progress=self.show_progress, **options)
        if self.live and not self.input_components:  # a live output-only Interface also runs on load
            listener_method(self, "load")(self.fn, None, self.output_components, api_visibility="undocumented",
                                          show_progress=self.show_progress)
        if self.stop_btn is not None:
            stop_click = listener_method(self.stop_btn, "click")
            stop_click(_stop, None, None, cancels=[predict], api_visibility="undocumented", show_progress="hidden")
            # While the generator streams, Stop replaces Submit; these run in the browser only, as in Gradio.
            swap = [self.submit_btn, self.stop_btn]
            on(triggers, None, None, swap, js=_SHOW_STOP, show_progress="hidden")
            predict.then(None, None, swap, js=_SHOW_SUBMIT, show_progress="hidden")
            stop_click(None, None, swap, js=_SHOW_SUBMIT, show_progress="hidden")
        return predict

    def _render_examples(self) -> None:
        if self.examples is None:
            return
        if isinstance(self.examples, str):
            raise ValueError("Interface(examples=<directory>) is not supported; pass a list of example rows.")
        if not self.input_components:
            return
        rows = [list(row) if isinstance(row, (list, tuple)) else [row] for row in self.examples]
        width = len(self.input_components)
        rows = [row + [None] * (width - len(row)) for row in rows]
        self.examples = rows
        dataset = ExamplesDataset(
            components=self.input_components, samples=rows, samples_per_page=self.examples_per_page,
            sample_labels=self.example_labels, headers=[str(c.label or "") for c in self.input_components],
        )
        self.examples_dataset = dataset
        targets = self.input_components + (self.output_components if self.cache_examples else [])
        listener_method(dataset, "click")(
            self._example_loader(rows), dataset, targets, api_name="load_example", api_visibility="undocumented",
            show_progress="hidden",
        )

    def _example_loader(self, rows: list[list[Any]]) -> Callable[[int | None], Any]:
        cache: dict[int, list[Any]] = {}

        def load_example(index: int | None) -> Any:
            """Fill the inputs (and, with `cache_examples`, the outputs) with example `index`."""
            if index is None or not 0 <= index < len(rows):
                raise IndexError(f"There is no example number {index}.")
            values = list(rows[index])
            if self.cache_examples:
                if index not in cache:
                    cache[index] = self._run_example(values)
                values += cache[index]
            return values[0] if len(values) == 1 else values

        return load_example

    def _run_example(self, values: list[Any]) -> list[Any]:
        """Run `fn` on one example (the last yield of a generator) and return its outputs as a list."""
        result = self.fn(*values)
        if inspect.isgenerator(result):
            last = None
            for last in result:  # noqa: B007 - only the final value is cached
                pass
            result = last
        if len(self.output_components) == 1:
            return [result]
        return list(result) if isinstance(result, (list, tuple)) else [result]

    # --- placing inside another app ---------------------------------------------------------------

    def render(self) -> Interface:
        """Place this Interface in the `Blocks` being built (`TabbedInterface` does this for each tab)."""
        render_blocks_inline(self)
        return self


def _stop() -> None:
    """The Stop button's handler: its `cancels` stop the running prediction."""


_SHOW_STOP = "() => [{__type__: 'update', visible: false}, {__type__: 'update', visible: true}]"
_SHOW_SUBMIT = "() => [{__type__: 'update', visible: true}, {__type__: 'update', visible: false}]"


def _button(spec: str | Button, *, variant: str, visible: bool = True) -> Button:
    if isinstance(spec, Button):
        if spec.is_rendered or spec.parent is not None:
            spec.unrender()
        spec.visible = spec.visible and visible
        spec.render()
        return spec
    return Button(spec, variant=variant, visible=visible)


def _deep_link_button(spec: Any) -> Button | None:
    """The DeepLinkButton `Interface(deep_link=...)` asks for: none for False/None, a label, or the given button."""
    from podium.components.deep_link_button import DeepLinkButton

    if spec is None or spec is False:
        return None
    if isinstance(spec, DeepLinkButton):
        if spec.is_rendered or spec.parent is not None:
            spec.unrender()
        spec.render()
        return spec
    return DeepLinkButton() if spec is True else DeepLinkButton(str(spec))


def _clear_button(spec: str | Button | None) -> ClearButton | None:
    if spec is None:
        return None
    if isinstance(spec, ClearButton):
        if spec.is_rendered or spec.parent is not None:
            spec.unrender()
        spec.render()
        return spec
    label = spec.value if isinstance(spec, Button) else spec
    return ClearButton(value=str(label), variant="secondary")


def render_blocks_inline(blocks: Blocks) -> None:
    """Put the layout, components and handlers of `blocks` into the open container of the app being built.

    The children are placed directly (no nested `blocks` node in the layout), as Gradio does; handlers get
    new fn indices and de-duplicated api names in the outer app.
    """
    outer = RenderContext.root
    container = RenderContext.current()
    if outer is None or outer is blocks or container is None:
        return
    for child in list(blocks.children):
        container.add_child(child)
    outer.blocks.update(blocks.blocks)
    for fn in blocks.fns:
        outer.add_function(fn)


class TabbedInterface(Blocks):
    """Several Interfaces (or Blocks) in one app, one per tab: `TabbedInterface([a, b], ["A", "B"])`.

    API endpoints keep their names, de-duplicated (`shout`, `shout_1`) when two tabs use the same one.
    """

    def __init__(
        self,
        interface_list: Sequence[Blocks],
        tab_names: list[str] | None = None,
        title: str | None = None,
        analytics_enabled: bool | None = None,
        tabs_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(title=title or "Podium", analytics_enabled=analytics_enabled, mode="tabbed_interface",
                         fill_height=True, **kwargs)
        names = tab_names if tab_names is not None else [f"Tab {i}" for i in range(len(interface_list))]
        self.interface_list = list(interface_list)
        with _no_render_target(), self:
            if title:
                Markdown(f"<h1 style='text-align: center; margin-bottom: 1rem'>{title}</h1>")
            with Tabs(**(tabs_kwargs or {})):
                for interface, name in zip(self.interface_list, names, strict=False):
                    with Tab(label=name, scale=1 if interface.fill_height else None):
                        render_blocks_inline(interface)
        render_blocks_inline(self)

    def render(self) -> TabbedInterface:
        """Place these tabs in the `Blocks` being built."""
        render_blocks_inline(self)
        return self


__all__ = ["Interface", "TabbedInterface", "ExamplesDataset", "component_from_shortcut", "render_blocks_inline"]
