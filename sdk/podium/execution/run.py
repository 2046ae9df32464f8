"""One event, from the payload a client sent to the output payload: inputs, the call, outputs.

`HandlerPlan` is computed once per `BlockFunction` when the engine starts (which inputs are State, which
parameters receive a `Request`, `EventData` or `Progress`), so the per-event path only does the work.
Everything here is synchronous and may block (file checks, copies, user code); the engine decides whether
it runs on the event loop or in the thread pool.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args, get_type_hints

from podium.components.base import Component
from podium.components.state import State
from podium.events import EventData
from podium.exceptions import Error
from podium.execution.files import FileContext, has_file_data
from podium.progress import Progress
from podium.request import Request, RequestInfo
from podium.updates import UPDATE_TYPE, is_update

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.dependencies import BlockFunction

logger = logging.getLogger("podium.execution")

NO_CHANGE = object()  # an output a handler's dict return left out
_NO_CHANGE_PAYLOAD = {"__type__": UPDATE_TYPE}

INJECT_REQUEST = "request"
INJECT_EVENT_DATA = "event_data"
INJECT_PROGRESS = "progress"


class BadInput(Error):
    """The client's payload does not fit the function (wrong number of inputs and the like)."""


@dataclass(frozen=True)
class Injection:
    """A handler parameter the engine fills in itself instead of an input."""

    position: int | None  # index among positional parameters; None for keyword-only
    name: str
    kind: str
    extra: Any = None  # the EventData class, or the Progress default


@dataclass
class HandlerPlan:
    """What the engine needs to know about one `BlockFunction`, computed once."""

    block_fn: BlockFunction
    fn: Callable[..., Any]
    inputs: list[Component]
    outputs: list[Component]
    input_is_state: tuple[bool, ...]
    output_is_state: tuple[bool, ...]
    api_input_positions: tuple[int, ...]  # inputs a client may leave out (/call): those not skip_api
    injections: tuple[Injection, ...]
    mode: str  # "sync", "async", "sync_gen", "async_gen"
    preprocess: bool
    postprocess: bool
    inputs_as_dict: bool
    track_tqdm: bool
    # a plain sync handler without State or Progress: the engine may run several queued events of it in one
    # thread hop (see podium.queue.chains)
    chainable: bool = False
    # running average of the run time, for ETAs and `average_duration`
    total_duration: float = 0.0
    runs: int = 0
    name: str = field(default="fn")

    @property
    def average_duration(self) -> float | None:
        return self.total_duration / self.runs if self.runs else None

    def record_duration(self, seconds: float) -> None:
        if self.runs >= 1000:  # keep the average recent: decay the history
            self.total_duration *= 0.5
            self.runs //= 2
        self.total_duration += seconds
        self.runs += 1

    @property
    def is_generator(self) -> bool:
        return self.mode in ("sync_gen", "async_gen")


def build_plan(block_fn: BlockFunction) -> HandlerPlan:
    """Inspect a `BlockFunction` once: its calling mode, State positions and injected parameters."""
    fn = block_fn.fn
    if fn is None:  # a JS-only handler: Gradio passes the inputs through to the outputs
        def passthrough(*args: Any) -> Any:
            return args[0] if len(args) == 1 else args

        fn = passthrough
    call = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else getattr(fn, "__call__", fn)  # noqa: B004
    if inspect.isasyncgenfunction(fn) or inspect.isasyncgenfunction(call):
        mode = "async_gen"
    elif inspect.isgeneratorfunction(fn) or inspect.isgeneratorfunction(call):
        mode = "sync_gen"
    elif inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call):
        mode = "async"
    else:
        mode = "sync"
    injections = _find_injections(fn)
    track_tqdm = any(i.kind == INJECT_PROGRESS and getattr(i.extra, "track_tqdm", False) for i in injections)
    uses_state = any(isinstance(c, State) for c in [*block_fn.inputs, *block_fn.outputs])
    chainable = (mode == "sync" and not block_fn.batch and not uses_state
                 and not any(i.kind == INJECT_PROGRESS for i in injections))
    return HandlerPlan(
        block_fn=block_fn,
        fn=fn,
        inputs=list(block_fn.inputs),
        outputs=list(block_fn.outputs),
        input_is_state=tuple(isinstance(c, State) for c in block_fn.inputs),
        output_is_state=tuple(isinstance(c, State) for c in block_fn.outputs),
        api_input_positions=tuple(i for i, c in enumerate(block_fn.inputs) if not c.skip_api),
        injections=tuple(injections),
        mode=mode,
        preprocess=block_fn.preprocess,
        postprocess=block_fn.postprocess,
        inputs_as_dict=block_fn.inputs_as_dict,
        track_tqdm=track_tqdm,
        chainable=chainable,
        name=block_fn.name,
    )


def _find_injections(fn: Callable[..., Any]) -> list[Injection]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    try:
        hints = get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations: fall back to the raw ones
        hints = {}
    found: list[Injection] = []
    position = 0
    for param in signature.parameters.values():
        annotation = _unwrap_optional(hints.get(param.name, param.annotation))
        kind: str | None = None
        extra: Any = None
        if isinstance(annotation, type) and issubclass(annotation, Request):
            kind = INJECT_REQUEST
        elif isinstance(annotation, type) and issubclass(annotation, EventData):
            kind, extra = INJECT_EVENT_DATA, annotation
        elif isinstance(annotation, str) and (named := _class_named_in(annotation)) is not None:
            kind, extra = (INJECT_REQUEST, None) if named is Request else (INJECT_EVENT_DATA, named)
        elif isinstance(param.default, Progress):
            kind, extra = INJECT_PROGRESS, param.default
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            if kind is not None:
                found.append(Injection(position, param.name, kind, extra))
            position += 1
        elif param.kind == param.KEYWORD_ONLY and kind is not None:
            found.append(Injection(None, param.name, kind, extra))
    return found


def _class_named_in(annotation: str) -> type | None:
    """`Request`/`EventData` classes named by an annotation left as a string (`"gr.Request | None"`)."""
    from podium import events

    text = annotation.replace(" ", "")
    for wrapper in ("Optional[", "typing.Optional["):
        if text.startswith(wrapper) and text.endswith("]"):
            text = text[len(wrapper):-1]
    parts = [part for part in text.split("|") if part != "None"]
    if len(parts) != 1:
        return None
    name = parts[0].rsplit(".", 1)[-1]
    if name == "Request":
        return Request
    found = getattr(events, name, None)
    return found if isinstance(found, type) and issubclass(found, EventData) else None


def _unwrap_optional(annotation: Any) -> Any:
    """`Request | None` / `Optional[SelectData]` -> the class inside (handlers often default these to None)."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], (Request, EventData)):
        return args[0]
    return annotation


@dataclass
class CallContext:
    """Everything about one event the handler call needs besides its inputs."""

    blocks: Blocks
    request: RequestInfo
    event_data: Any = None
    trigger_id: int | None = None
    progress_reporter: Callable[[list[dict[str, Any]]], None] | None = None
    progress: Progress | None = None  # the bound Progress handed to the handler, once made


# --- inputs ------------------------------------------------------------------------------------------


def normalize_data(plan: HandlerPlan, data: Any) -> list[Any]:
    """Check the input list's length; `/call` clients may leave out State inputs (filled with None)."""
    if not isinstance(data, list):
        raise BadInput(f"The request's `data` must be a list with one value per input, not {type(data).__name__}.")
    expected = len(plan.inputs)
    if len(data) == expected:
        return data
    if len(data) == len(plan.api_input_positions) and len(data) < expected:
        full: list[Any] = [None] * expected
        for position, value in zip(plan.api_input_positions, data, strict=True):
            full[position] = value
        return full
    raise BadInput(
        f"Function {plan.name!r} takes {expected} input value(s) but the request sent {len(data)}; send one "
        "value per input component (null for State inputs)."
    )


def prepare_inputs(plan: HandlerPlan, data: list[Any], state_values: dict[int, Any], files: FileContext | None) -> list[Any]:
    """Turn payloads into the values the function receives (blocking: input files are checked on disk).

    `state_values` maps input positions of State components to the session's stored values.
    """
    values: list[Any] = []
    preprocess = plan.preprocess
    for i, component in enumerate(plan.inputs):
        if plan.input_is_state[i]:
            values.append(state_values[i])
            continue
        payload = data[i]
        if files is not None and isinstance(payload, (dict, list)) and has_file_data(payload):
            payload = files.resolve_inputs(payload)
        values.append(component.preprocess(payload) if preprocess else payload)
    return values


def build_call(plan: HandlerPlan, values: list[Any], ctx: CallContext) -> tuple[list[Any], dict[str, Any]]:
    """The positional and keyword arguments of the call, injected parameters included."""
    if plan.inputs_as_dict:
        args: list[Any] = [dict(zip(plan.inputs, values, strict=True))]
    else:
        args = list(values)
    kwargs: dict[str, Any] = {}
    for injection in plan.injections:
        value = _injected_value(injection, ctx)
        if injection.position is not None and injection.position <= len(args):
            args.insert(injection.position, value)
        else:
            kwargs[injection.name] = value
    return args, kwargs


def _injected_value(injection: Injection, ctx: CallContext) -> Any:
    if injection.kind == INJECT_REQUEST:
        return Request(ctx.request)
    if injection.kind == INJECT_EVENT_DATA:
        target = ctx.blocks.blocks.get(ctx.trigger_id) if ctx.trigger_id is not None else None
        return injection.extra(target=target, data=ctx.event_data)
    default: Progress = injection.extra
    if ctx.progress is None:
        ctx.progress = default.bound(ctx.progress_reporter) if ctx.progress_reporter is not None else Progress(default.track_tqdm)
    return ctx.progress


def state_inputs(plan: HandlerPlan, session_state: Callable[[State], Any]) -> dict[int, Any]:
    """The session's stored values of this function's State inputs, by input position."""
    return {i: session_state(c) for i, c in enumerate(plan.inputs) if plan.input_is_state[i]}  # type: ignore[arg-type]


# --- outputs -----------------------------------------------------------------------------------------


def output_values(plan: HandlerPlan, result: Any) -> list[Any]:
    """Split a handler's return value into one value per output (`NO_CHANGE` for outputs left out)."""
    outputs = plan.outputs
    n = len(outputs)
    if isinstance(result, dict) and result and not is_update(result) and all(isinstance(k, Component) for k in result):
        unknown = [k for k in result if k not in outputs]
        if unknown:
            raise ValueError(
                f"Function {plan.name!r} returned a value for {unknown[0]!r}, which is not one of its outputs; "
                "add it to outputs=."
            )
        return [result.get(c, NO_CHANGE) for c in outputs]
    if n == 0:
        return []
    if n == 1:
        return [result]
    if is_update(result) and len(result) == 1:  # one gr.skip() for several outputs: none of them changes
        return [NO_CHANGE] * n
    if not isinstance(result, (tuple, list)):
        result = [result]
    if len(result) < n:
        raise ValueError(
            f"Function {plan.name!r} didn't return enough output values (needed: {n}, returned: {len(result)})."
        )
    if len(result) > n:
        logger.warning("Function %r returned too many output values (needed: %d, returned: %d); ignoring the rest.",
                       plan.name, n, len(result))
    return list(result[:n])


def process_outputs(plan: HandlerPlan, values: Sequence[Any], files: FileContext | None,
                    root_url: str) -> tuple[list[Any], dict[int, Any]]:
    """Postprocess output values into payloads (blocking: returned files are copied into the cache).

    Returns the payloads (None for State outputs) and the new State values by component id.
    """
    payloads: list[Any] = []
    new_state: dict[int, Any] = {}
    postprocess = plan.postprocess
    for i, component in enumerate(plan.outputs):
        value = values[i]
        if plan.output_is_state[i]:
            if value is not NO_CHANGE:
                if isinstance(value, Component):
                    value = value.as_update()
                if is_update(value):
                    if "value" in value:
                        new_state[component.id] = value["value"]
                else:
                    new_state[component.id] = value
            payloads.append(None)
            continue
        if value is NO_CHANGE:
            payloads.append(dict(_NO_CHANGE_PAYLOAD))
            continue
        if isinstance(value, Component):
            value = value.as_update()
        if is_update(value):
            # props set to None are left out ("no change"), except `value`, where None clears the component
            payload = component.process_update({k: v for k, v in value.items() if v is not None or k == "value"})
            if postprocess and "value" in payload:
                payload["value"] = component.postprocess(payload["value"])
        else:
            payload = component.postprocess(value) if postprocess else value
        if files is not None and isinstance(payload, (dict, list)) and has_file_data(payload):
            payload = files.cache_outputs(payload, root_url)
        payloads.append(payload)
    return payloads, new_state


# --- batches -----------------------------------------------------------------------------------------


def batch_arguments(plan: HandlerPlan, per_event_values: list[list[Any]]) -> list[list[Any]]:
    """Turn one input list per event into one list per input (what a `batch=True` function takes)."""
    return [[values[i] for values in per_event_values] for i in range(len(plan.inputs))]


def split_batch_result(plan: HandlerPlan, result: Any, size: int) -> list[list[Any]]:
    """Turn a batch function's result (one list per output) into one output list per event."""
    n = len(plan.outputs)
    if n == 0:
        return [[] for _ in range(size)]
    if not isinstance(result, (tuple, list)) or len(result) != n:
        raise ValueError(
            f"Batch function {plan.name!r} must return one list per output ({n}), each with one value per "
            "sample in the batch."
        )
    columns = [list(column) for column in result]
    for column in columns:
        if len(column) != size:
            raise ValueError(
                f"Batch function {plan.name!r} returned {len(column)} values for an output but got {size} samples."
            )
    return [[column[j] for column in columns] for j in range(size)]


# --- validation --------------------------------------------------------------------------------------


def run_validator(plan: HandlerPlan, data: list[Any], session_value: Callable[[State], Any],
                  files: FileContext | None) -> list[dict[str, Any]] | None:
    """Call the event's `validator` with the preprocessed inputs, as Gradio does at join time.

    Returns the 422 `detail` list (None for an async validator, which a synchronous join cannot await).
    Raises `BadInput` when the inputs do not fit or the validator itself fails.
    """
    validator = plan.block_fn.validator
    assert validator is not None
    try:
        values = normalize_data(plan, data)
        prepared = prepare_inputs(plan, values, state_inputs(plan, session_value), files)
        args = [dict(zip(plan.inputs, prepared, strict=True))] if plan.inputs_as_dict else prepared
        result = validator(*args)
    except Exception as exc:  # noqa: BLE001 - a failing validator rejects the request
        raise BadInput(f"The input validator of {plan.name!r} failed: {exc}") from None
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        logger.warning("Validator of %r is async; Podium runs validators at join time, only sync ones.", plan.name)
        return None
    return validation_detail(plan, result)


def validation_detail(plan: HandlerPlan, result: Any) -> list[dict[str, Any]]:
    """A validator's return value as the 422 `detail` list: one entry per input, named by parameter.

    The validator returns one `gr.validate(is_valid, message)` dict per input (a tuple for several
    inputs); anything else counts as valid.
    """
    response: Any = [result] if len(plan.inputs) == 1 else result
    if isinstance(response, tuple):
        response = list(response)
    if isinstance(response, dict):
        return [response] if response.get("is_valid") is False else [{"is_valid": True, "message": ""}]
    if not isinstance(response, list):
        return [{"is_valid": True, "message": ""}]
    try:
        names: list[str] = list(inspect.signature(plan.fn).parameters)
    except (TypeError, ValueError):
        names = []
    detail: list[dict[str, Any]] = []
    for i, item in enumerate(response):
        if isinstance(item, dict) and item.get("__type__") == "validate":
            detail.append({**item, "parameter_name": names[i] if i < len(names) else f"parameter_{i}"})
        else:
            detail.append({"is_valid": True, "message": ""})
    return detail


# --- errors ------------------------------------------------------------------------------------------


def error_output(exc: BaseException, show_error: bool) -> dict[str, Any]:
    """The `output` of a failed event. Only keys the Python client's `AppError` accepts are used."""
    if isinstance(exc, Error):
        return {"error": exc.message, "duration": exc.duration, "visible": exc.visible, "title": exc.title}
    if show_error:
        return {"error": str(exc) or type(exc).__name__, "visible": True}
    return {"error": None}


def log_failure(plan_name: str, exc: BaseException) -> None:
    """Record a handler's failure in the server log (user-visible errors without the traceback)."""
    if isinstance(exc, Error):
        if isinstance(exc, BadInput) or not exc.print_exception:
            logger.info("Event %r rejected: %s", plan_name, exc.message)
        else:
            logger.warning("Event %r raised podium.Error: %s", plan_name, exc.message)
        return
    logger.error("Event %r failed", plan_name, exc_info=(type(exc), exc, exc.__traceback__))
