"""Calling a handler the right way for its kind: on the loop, in the thread pool, or step by step.

`async def` handlers (and async generators) run on the event loop with no thread hop. Sync handlers run
in the bounded thread pool together with their pre- and postprocessing (one hop per event); a sync
generator is advanced one `next()` per hop. Every hop copies the contextvars (so `gr.Info`, `gr.Progress`
and tqdm tracking reach the right event).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from podium.execution.files import FileContext, has_file_data
from podium.execution.run import (
    NO_CHANGE,
    CallContext,
    HandlerPlan,
    batch_arguments,
    build_call,
    output_values,
    prepare_inputs,
    process_outputs,
    split_batch_result,
)

T = TypeVar("T")
Outputs = tuple[list[Any], dict[int, Any]]  # payloads (None for State) and new State values by component id
OnYield = Callable[[list[Any], dict[int, Any]], None]

_DONE = object()


class Invoker:
    """Runs handlers for one app: holds the thread pool and the file context."""

    def __init__(self, executor: ThreadPoolExecutor, files: FileContext | None) -> None:
        self.executor = executor
        self.files = files

    async def in_thread(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func(*args)` in the pool with the current contextvars.

        If the awaiting task is cancelled while `func` runs, this still waits for it to finish (its result
        is discarded): the caller's concurrency slot stays taken until the thread is really free.
        """
        context = contextvars.copy_context()
        future: Future[T] = self.executor.submit(context.run, func, *args)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if not future.cancel():
                with contextlib.suppress(BaseException):
                    await asyncio.wrap_future(future)
            raise

    async def run(self, plan: HandlerPlan, data: list[Any], state_values: dict[int, Any], ctx: CallContext,
                  root_url: str, on_yield: OnYield | None = None, time_limit: float | None = None) -> Outputs:
        """Run one event's handler to the end and return its final outputs.

        Generators call `on_yield(payloads, new_state)` for every value they yield; the final outputs are
        the last yielded ones. `time_limit` stops a generator after that many seconds.
        """
        mode = plan.mode
        if mode == "sync":
            return await self.in_thread(call_sync, plan, data, state_values, ctx, self.files, root_url)
        if mode == "async":
            values = await self._prepare(plan, data, state_values)
            args, kwargs = build_call(plan, values, ctx)
            result = await plan.fn(*args, **kwargs)
            return await self._finish(plan, result, root_url)
        if mode == "sync_gen":
            return await self._run_sync_generator(plan, data, state_values, ctx, root_url, on_yield, time_limit)
        return await self._run_async_generator(plan, data, state_values, ctx, root_url, on_yield, time_limit)

    async def run_batch(self, plan: HandlerPlan, datas: list[list[Any]], state_values: list[dict[int, Any]],
                        ctx: CallContext, root_url: str) -> list[Outputs]:
        """Run a `batch=True` handler once for several events; returns each event's outputs."""
        if plan.mode == "async":
            per_event = [await self._prepare(plan, d, s) for d, s in zip(datas, state_values, strict=True)]
            args, kwargs = build_call(plan, batch_arguments(plan, per_event), ctx)
            result = await plan.fn(*args, **kwargs)
            rows = split_batch_result(plan, result, len(datas))
            return [await self._finish_values(plan, row, root_url) for row in rows]
        return await self.in_thread(_call_batch_sync, plan, datas, state_values, ctx, self.files, root_url)

    # --- async helpers ---------------------------------------------------------------------------

    async def _prepare(self, plan: HandlerPlan, data: list[Any], state_values: dict[int, Any]) -> list[Any]:
        if self.files is not None and any(isinstance(d, (dict, list)) and has_file_data(d) for d in data):
            return await self.in_thread(prepare_inputs, plan, data, state_values, self.files)
        return prepare_inputs(plan, data, state_values, None)

    async def _finish(self, plan: HandlerPlan, result: Any, root_url: str) -> Outputs:
        return await self._finish_values(plan, output_values(plan, result), root_url)

    async def _finish_values(self, plan: HandlerPlan, values: list[Any], root_url: str) -> Outputs:
        payloads, new_state = process_outputs(plan, values, None, root_url)
        files = self.files
        if files is not None and any(isinstance(p, (dict, list)) and has_file_data(p) for p in payloads):
            payloads = await self.in_thread(_cache_all, payloads, files, root_url)
        return payloads, new_state

    async def _run_sync_generator(self, plan: HandlerPlan, data: list[Any], state_values: dict[int, Any],
                                  ctx: CallContext, root_url: str, on_yield: OnYield | None,
                                  time_limit: float | None) -> Outputs:
        started = time.monotonic()
        generator, step = await self.in_thread(_start_sync_generator, plan, data, state_values, ctx, self.files, root_url)
        last: Outputs | None = None
        try:
            while step is not _DONE:
                last = step
                if on_yield is not None:
                    on_yield(*last)
                if time_limit is not None and time.monotonic() - started >= time_limit:
                    break
                step = await self.in_thread(_step_sync_generator, plan, generator, self.files, root_url)
        finally:
            if step is not _DONE:  # stopped early (time limit, cancel, error): run its `finally` blocks
                self.executor.submit(contextvars.copy_context().run, _close_quietly, generator)
        return last if last is not None else _no_outputs(plan)

    async def _run_async_generator(self, plan: HandlerPlan, data: list[Any], state_values: dict[int, Any],
                                   ctx: CallContext, root_url: str, on_yield: OnYield | None,
                                   time_limit: float | None) -> Outputs:
        started = time.monotonic()
        values = await self._prepare(plan, data, state_values)
        args, kwargs = build_call(plan, values, ctx)
        generator: AsyncIterator[Any] = plan.fn(*args, **kwargs)
        last: Outputs | None = None
        try:
            while True:
                try:
                    if time_limit is None:
                        item = await generator.__anext__()
                    else:
                        remaining = time_limit - (time.monotonic() - started)
                        if remaining <= 0:
                            break
                        item = await asyncio.wait_for(generator.__anext__(), remaining)
                except (StopAsyncIteration, asyncio.TimeoutError):
                    break
                last = await self._finish(plan, item, root_url)
                if on_yield is not None:
                    on_yield(*last)
        finally:
            aclose = getattr(generator, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        return last if last is not None else _no_outputs(plan)


# --- functions that run in the thread pool ---------------------------------------------------------


def call_sync(plan: HandlerPlan, data: list[Any], state_values: dict[int, Any], ctx: CallContext,
               files: FileContext | None, root_url: str) -> Outputs:
    values = prepare_inputs(plan, data, state_values, files)
    args, kwargs = build_call(plan, values, ctx)
    result = plan.fn(*args, **kwargs)
    return process_outputs(plan, output_values(plan, result), files, root_url)


def _call_batch_sync(plan: HandlerPlan, datas: list[list[Any]], state_values: list[dict[int, Any]],
                     ctx: CallContext, files: FileContext | None, root_url: str) -> list[Outputs]:
    per_event = [prepare_inputs(plan, d, s, files) for d, s in zip(datas, state_values, strict=True)]
    args, kwargs = build_call(plan, batch_arguments(plan, per_event), ctx)
    result = plan.fn(*args, **kwargs)
    rows = split_batch_result(plan, result, len(datas))
    return [process_outputs(plan, row, files, root_url) for row in rows]


def _start_sync_generator(plan: HandlerPlan, data: list[Any], state_values: dict[int, Any], ctx: CallContext,
                          files: FileContext | None, root_url: str) -> tuple[Iterator[Any], Any]:
    values = prepare_inputs(plan, data, state_values, files)
    args, kwargs = build_call(plan, values, ctx)
    generator = plan.fn(*args, **kwargs)
    return generator, _step_sync_generator(plan, generator, files, root_url)


def _step_sync_generator(plan: HandlerPlan, generator: Iterator[Any], files: FileContext | None, root_url: str) -> Any:
    try:
        item = next(generator)
    except StopIteration:
        return _DONE
    return process_outputs(plan, output_values(plan, item), files, root_url)


def _cache_all(payloads: list[Any], files: FileContext, root_url: str) -> list[Any]:
    return [files.cache_outputs(p, root_url) if isinstance(p, (dict, list)) and has_file_data(p) else p
            for p in payloads]


def _close_quietly(generator: Iterator[Any]) -> None:
    close = getattr(generator, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


def _no_outputs(plan: HandlerPlan) -> Outputs:
    """A generator that yielded nothing: leave every output as it is."""
    payloads, _ = process_outputs(plan, [NO_CHANGE] * len(plan.outputs), None, "")
    return payloads, {}
