"""`EventEngine`: the queue and running handlers; the one thing the HTTP layer drives.

Every event joins the FIFO of its concurrency group. A group starts its next event the moment a slot
frees (no polling). Messages for a session are buffered from the join until its `queue/data` stream reads
them, or, for a session joined with a `stream_id`, until that shared stream (`shared_stream()`) reads them. `lifecycle.SessionLifecycle` keeps the sessions, `/call` channels and State, and ends them.
`join()` and `cancel()` must be called on the engine's event loop (the server's).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from podium.exceptions import log_sink
from podium.execution.direct import run_to_end
from podium.execution.invoke import Invoker, Outputs
from podium.execution.run import (
    BadInput,
    CallContext,
    HandlerPlan,
    build_plan,
    error_output,
    log_failure,
    normalize_data,
    run_validator,
    state_inputs,
)
from podium.progress import current_tqdm_progress, install_tqdm_patch, uninstall_tqdm_patch
from podium.queue import messages
from podium.queue.chains import chain_length, run_chain, take_chain
from podium.queue.diff import diff, snapshot
from podium.queue.errors import InvalidRequest, QueueFull, QueueStopped, UnknownFunction, ValidationFailed
from podium.queue.events import DONE, QUEUED, RUNNING, Event
from podium.queue.groups import ConcurrencyGroup
from podium.queue.lifecycle import SessionLifecycle
from podium.queue.reporting import ProgressThrottle, log_to_server
from podium.queue.sessions import MessageBuffer, Session, read_channel, read_session, read_shared_stream
from podium.request import RequestInfo

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.execution.files import FileContext

Message = dict[str, Any]


class SharedStreamReader:
    """One reader of a shared stream: iterate `messages`; call `close()` (once is enough) when done."""

    def __init__(self, messages: AsyncIterator[Message], on_close: Callable[[], None]) -> None:
        self.messages = messages
        self._on_close: Callable[[], None] | None = on_close

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


class EventEngine:
    """Runs an app's event handlers for the server. See `docs/design/sdk-internals.md`."""

    def __init__(self, blocks: Blocks, *, files: FileContext | None, max_threads: int = 40,
                 default_concurrency_limit: int | None = 1, max_queue_size: int | None = None,
                 show_error: bool = False, heartbeat_interval: float = 15.0,
                 status_update_interval: float = 0.1, state_grace_period: float = 60.0,
                 session_idle_timeout: float = 600.0, max_sessions: int = 10_000,
                 max_state_sessions: int = 10_000, close_stream_delay: float = 0.0,
                 stream_grace_period: float = 30.0) -> None:
        self.blocks = blocks
        self.files = files
        self.max_threads = max_threads
        self.default_concurrency_limit = default_concurrency_limit
        self.max_queue_size = max_queue_size
        self.show_error = show_error
        self.heartbeat_interval = heartbeat_interval
        self.status_update_interval = status_update_interval
        self._plans: list[HandlerPlan | None] = []
        self._groups: dict[str, ConcurrencyGroup] = {}
        self._plan_groups: list[ConcurrencyGroup | None] = []
        self._events: dict[str, Event] = {}
        self._lifecycle = SessionLifecycle(
            blocks, run_direct=self._run_direct, running=self._is_running, live_events=self._events,
            max_sessions=max_sessions, max_state_sessions=max_state_sessions, session_idle_timeout=session_idle_timeout,
            state_grace_period=state_grace_period, close_stream_delay=close_stream_delay,
            stream_grace_period=stream_grace_period)
        self.state = self._lifecycle.state
        self._sessions = self._lifecycle.sessions  # the same table, for tests that look inside
        self._waiting = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._executor: ThreadPoolExecutor | None = None
        self._invoker: Invoker | None = None
        self._running = False

    # --- start, stop ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Inspect every handler once and start the thread pool. Call on the server's event loop."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._executor = ThreadPoolExecutor(max_workers=self.max_threads, thread_name_prefix="podium-worker")
        self._invoker = Invoker(self._executor, self.files)
        self._plans, self._plan_groups = [], []
        unload_plans: list[HandlerPlan] = []
        from podium.blocks import Blocks

        for block_fn in self.blocks.fns:
            if block_fn.fn is None and not block_fn.outputs:
                self._plans.append(None)  # a JS-only handler: nothing runs on the server
                self._plan_groups.append(None)
                continue
            plan = build_plan(block_fn)
            self._plans.append(plan)
            self._plan_groups.append(self._group_for(block_fn.concurrency_id or f"fn:{block_fn.fn_index}",
                                                     block_fn.concurrency_limit))
            if any(isinstance(block, Blocks) and name == "unload" for block, name in block_fn.targets):
                unload_plans.append(plan)
        self._running = True
        self._lifecycle.start(self._loop, self._executor, unload_plans)

    def _group_for(self, name: str, limit: Any) -> ConcurrencyGroup:
        resolved = self.default_concurrency_limit if limit == "default" else limit
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = ConcurrencyGroup(name, resolved)
        elif resolved is not None and (group.limit is None or resolved < group.limit):
            group.limit = resolved  # functions sharing a group: the strictest limit wins
        return group

    async def stop(self) -> None:
        """Stop running events and tell every open stream that the server stopped."""
        self._running = False
        self._lifecycle.stop(messages.unexpected_error("Server stopped unexpectedly."))
        for event in list(self._events.values()):
            event.state = DONE
            if event.task is not None:
                event.task.cancel()
        for group in self._groups.values():
            if group.refresh_handle is not None:
                group.refresh_handle.cancel()
                group.refresh_handle = None
            group.waiting.clear()
            group.size = 0
        self._waiting = 0
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # --- joining ----------------------------------------------------------------------------------

    def _plan(self, fn_index: Any) -> HandlerPlan:
        if not isinstance(fn_index, int) or isinstance(fn_index, bool) or not 0 <= fn_index < len(self._plans):
            raise UnknownFunction(f"No function with fn_index {fn_index!r}.")
        plan = self._plans[fn_index]
        if plan is None:
            raise UnknownFunction(f"Function {fn_index} has no Python handler; it runs in the browser only.")
        return plan

    def join(self, *, fn_index: int, data: list[Any], session_hash: str | None, request: RequestInfo,
             event_data: Any = None, trigger_id: int | None = None, simple_format: bool = False,
             stream_id: str | None = None) -> str:
        """Queue one event and return its id. Its messages go to the session's stream (or, with
        `simple_format`, to `event_stream(event_id)`; an empty `session_hash` then means "a fresh session").
        With `stream_id`, the session is bound to that shared stream and its messages go there.
        """
        if not self._running:
            raise QueueStopped("Queue is stopped.")
        plan = self._plan(fn_index)
        if not isinstance(data, list):
            raise InvalidRequest("`data` must be a list with one value per input.")
        if self.max_queue_size is not None and self._waiting >= self.max_queue_size:
            raise QueueFull(f"Queue is full. Max size is {self.max_queue_size} and size is {self._waiting}.")
        if plan.block_fn.validator is not None:
            self._validate(plan, data, session_hash)
        event_id = uuid.uuid4().hex
        session_hash = session_hash or event_id
        if request.session_hash != session_hash:
            request.session_hash = session_hash
        self._lifecycle.keep_state(session_hash)
        group = self._plan_groups[fn_index]
        assert group is not None
        session: Session | None = None
        channel: MessageBuffer | Session
        if simple_format:
            channel = self._lifecycle.open_channel(event_id).buffer
        else:
            session = channel = self._lifecycle.event_joined(session_hash, event_id, stream_id)
        event = Event(event_id, plan, group, session, channel, data, request, event_data, trigger_id, simple_format)
        self._events[event_id] = event
        group.waiting.append(event)
        group.size += 1
        self._waiting += 1
        if not simple_format:
            rank = group.size - 1
            event.last_rank = rank
            event.last_estimation_at = time.monotonic()
            channel.push(messages.estimation(event_id, rank, self._waiting, self._rank_eta(plan, group, rank)))
        self._dispatch(group)
        return event_id

    def _validate(self, plan: HandlerPlan, data: list[Any], session_hash: str | None) -> None:
        """Run the event's `validator` on the preprocessed inputs, as Gradio does at join time.

        Raises ValidationFailed (422) when an input is invalid, InvalidRequest (400) when the validator fails.
        """
        if session_hash:
            session_value: Callable[[Any], Any] = functools.partial(self.state.get, session_hash)
        else:
            session_value = lambda component: component.initial_session_value()  # noqa: E731
        try:
            detail = run_validator(plan, data, session_value, self.files)
        except BadInput as exc:
            raise InvalidRequest(exc.message) from None
        if detail is not None and not all(entry.get("is_valid") is True for entry in detail):
            raise ValidationFailed(detail)

    def _rank_eta(self, plan: HandlerPlan, group: ConcurrencyGroup, rank: int) -> float | None:
        average = plan.average_duration
        if average is None:
            return None
        return average * (rank // (group.limit or 1) + 1)

    # --- dispatching ------------------------------------------------------------------------------

    def _dispatch(self, group: ConcurrencyGroup) -> None:
        """Start waiting events while the group has free slots."""
        waiting = group.waiting
        started = False
        while waiting and (group.limit is None or group.active < group.limit):
            event = waiting.popleft()
            if event.state != QUEUED:
                continue  # cancelled or replaced while it waited
            group.size -= 1
            self._waiting -= 1
            group.active += 1
            started = True
            assert self._loop is not None
            if event.plan.block_fn.batch:
                more = group.take_matching(event.plan, event.plan.block_fn.max_batch_size - 1)
                self._waiting -= len(more)
                batch = [event, *more]
                for member in batch:
                    member.state = RUNNING
                task = self._loop.create_task(self._run_batch(batch))
                for member in batch:
                    member.task = task
            elif event.plan.chainable:
                self._start_chain(group, event)
            else:
                event.state = RUNNING
                event.task = self._loop.create_task(self._run_event(event))
        if started and group.size and group.refresh_handle is None and self._loop is not None:
            group.refresh_handle = self._loop.call_later(self.status_update_interval, self._refresh_ranks, group)

    def _start_chain(self, group: ConcurrencyGroup, first: Event) -> None:
        """Run a plain sync handler in the pool, taking along queued events of it (see `chains`)."""
        more = chain_length(group, first.plan.average_duration)
        chain = take_chain(group, first, more) if more else [first]
        self._waiting -= len(chain) - 1
        for event in chain:
            event.state = RUNNING
            if not event.simple_format:
                event.channel.push(messages.process_starts(event.id, event.plan.average_duration))
        assert self._executor is not None
        self._executor.submit(run_chain, self, chain, self._post)

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback(*args)` on the engine's loop (from a worker thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(callback, *args)
            except RuntimeError:  # the loop closed meanwhile: nobody is listening any more
                pass

    def _chain_event_done(self, event: Event, ok: bool, value: Any, duration: float) -> None:
        plan = event.plan
        plan.record_duration(duration)
        if ok:
            output = messages.output_dict(value, is_generating=False, duration=duration,
                                          average_duration=plan.average_duration)
            self._complete(event, messages.process_completed(event.id, output, success=True))
        else:
            self._complete_error(event, value)
        self._events.pop(event.id, None)

    def _chain_done(self, chain: list[Event]) -> None:
        for event in chain[1:]:
            self._finish(event, release_slot=False)
        self._finish(chain[0])

    def _log_sink_for(self, event: Event) -> Callable[[dict[str, Any]], None]:
        if event.simple_format:
            return log_to_server
        return lambda payload: self._emit_threadsafe(event, messages.log(event.id, payload))

    def _refresh_ranks(self, group: ConcurrencyGroup) -> None:
        """Tell waiting events their new rank (throttled: once per interval, only changed ranks, first 100)."""
        group.refresh_handle = None
        now = time.monotonic()
        rank = 0
        for event in group.waiting:
            if event.state != QUEUED:
                continue
            if rank >= 100:
                break
            if event.last_rank != rank and now - event.last_estimation_at >= self.status_update_interval:
                event.last_rank = rank
                event.last_estimation_at = now
                event.channel.push(messages.estimation(event.id, rank, self._waiting,
                                                       self._rank_eta(event.plan, group, rank)))
            rank += 1

    # --- running ----------------------------------------------------------------------------------

    def _emit(self, event: Event, message: Message) -> None:
        if event.state != DONE:
            event.channel.push(message)

    def _emit_threadsafe(self, event: Event, message: Message) -> None:
        if threading.get_ident() == self._loop_thread:
            self._emit(event, message)
        elif self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._emit, event, message)

    def _call_context(self, event: Event) -> CallContext:
        ctx = CallContext(self.blocks, event.request, event.event_data, event.trigger_id)
        if not event.simple_format and self._loop is not None:
            send = lambda data: self._emit(event, messages.progress(event.id, data))  # noqa: E731
            ctx.progress_reporter = ProgressThrottle(self._loop, self._loop_thread, send, self.status_update_interval)
        return ctx

    def _enter_event(self, event: Event, ctx: CallContext) -> bool:
        """Set the contextvars a handler reads (call inside the event's own task). True: tqdm is patched."""
        log_sink.set(self._log_sink_for(event))
        plan = event.plan
        if plan.track_tqdm and ctx.progress_reporter is not None:
            injection = next(i for i in plan.injections if i.kind == "progress")
            ctx.progress = injection.extra.bound(ctx.progress_reporter)
            current_tqdm_progress.set(ctx.progress)
            return install_tqdm_patch()
        return False

    async def _run_event(self, event: Event) -> None:
        plan = event.plan
        invoker = self._invoker
        assert invoker is not None
        started = time.perf_counter()
        ctx = self._call_context(event)
        patched = False
        try:
            if not event.simple_format:
                event.channel.push(messages.process_starts(event.id, plan.average_duration))
            patched = self._enter_event(event, ctx)
            try:
                data = normalize_data(plan, event.data)
                states = state_inputs(plan, lambda c: self.state.get(event.session_hash, c))
                on_yield = (lambda p, s: self._on_yield(event, p, s, started)) if plan.is_generator else None
                payloads, new_state = await invoker.run(plan, data, states, ctx, event.request.root_url, on_yield,
                                                        plan.block_fn.time_limit)
            except asyncio.CancelledError:
                raise
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - any handler error becomes an error message
                log_failure(plan.name, exc)
                self._complete_error(event, exc)
                return
            duration = time.perf_counter() - started
            plan.record_duration(duration)
            self._store_state(event.session_hash, new_state)
            if isinstance(ctx.progress_reporter, ProgressThrottle):
                ctx.progress_reporter.flush()
            if event.last_payloads is not None and not event.simple_format:
                payloads = event.last_payloads  # the generator's last values, already copied
            output = messages.output_dict(payloads, is_generating=False, duration=duration,
                                          average_duration=plan.average_duration)
            self._complete(event, messages.process_completed(event.id, output, success=True))
        finally:
            if patched:
                uninstall_tqdm_patch()
            self._finish(event)

    def _on_yield(self, event: Event, payloads: list[Any], new_state: dict[int, Any], started: float) -> None:
        self._store_state(event.session_hash, new_state)
        if event.state == DONE:
            return
        plan = event.plan
        duration = time.perf_counter() - started
        current = snapshot(payloads)  # the generator may change its objects in place before they are sent
        if event.simple_format:
            data = current
        else:
            previous = event.last_payloads
            data = current if previous is None else [diff(a, b) for a, b in zip(previous, current, strict=True)]
            event.last_payloads = current
        output = messages.output_dict(data, is_generating=True, duration=duration,
                                      average_duration=plan.average_duration)
        event.channel.push(messages.process_generating(event.id, output))

    async def _run_batch(self, batch: list[Event]) -> None:
        plan = batch[0].plan
        invoker = self._invoker
        assert invoker is not None
        started = time.perf_counter()
        ctx = self._call_context(batch[0])
        try:
            for event in batch:
                if not event.simple_format:
                    event.channel.push(messages.process_starts(event.id, plan.average_duration))
            self._enter_event(batch[0], ctx)
            try:
                datas = [normalize_data(plan, event.data) for event in batch]
                states = [state_inputs(plan, functools.partial(self.state.get, event.session_hash)) for event in batch]
                results: list[Outputs] = await invoker.run_batch(plan, datas, states, ctx, batch[0].request.root_url)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                log_failure(plan.name, exc)
                for event in batch:
                    self._complete_error(event, exc)
                return
            duration = time.perf_counter() - started
            plan.record_duration(duration)
            for event, (payloads, new_state) in zip(batch, results, strict=True):
                self._store_state(event.session_hash, new_state)
                output = messages.output_dict(payloads, is_generating=False, duration=duration,
                                              average_duration=plan.average_duration)
                self._complete(event, messages.process_completed(event.id, output, success=True))
        finally:
            for index, event in enumerate(batch):
                self._finish(event, release_slot=index == 0)

    def _store_state(self, session_hash: str, new_state: dict[int, Any]) -> None:
        for component_id, value in new_state.items():
            self.state.set(session_hash, component_id, value, self.blocks.blocks.get(component_id))  # type: ignore[arg-type]

    def _complete_error(self, event: Event, exc: BaseException) -> None:
        output = error_output(exc, self.show_error)
        self._complete(event, messages.process_completed(event.id, output, success=False, title="Error"))

    def _complete(self, event: Event, message: Message) -> None:
        """Send an event's final message; then `close_stream` if its session has nothing else pending."""
        if event.state == DONE:
            return
        event.state = DONE
        event.channel.push(message)
        if event.session is not None:
            self._lifecycle.event_done(event.session, event.id)

    def _finish(self, event: Event, release_slot: bool = True) -> None:
        """The event's task ended: free its slot and start the next waiting event."""
        if event.state != DONE:  # cancelled task (stop()) or an engine bug: never leave a client hanging
            self._complete(event, messages.process_completed(event.id, {}, success=True))
        self._events.pop(event.id, None)
        event.task = None
        if release_slot:
            group = event.group
            group.active -= 1
            if self._running:
                self._dispatch(group)

    def _drop_queued(self, event: Event) -> None:
        """Remove a waiting event (cancelled); its stream still gets a final message."""
        event.group.size -= 1
        self._waiting -= 1
        self._complete(event, messages.process_completed(event.id, {}, success=True))
        self._events.pop(event.id, None)

    # --- streams ----------------------------------------------------------------------------------

    def stream(self, session_hash: str) -> AsyncIterator[Message]:
        """The session's messages in order (the `queue/data` stream); heartbeats while idle.

        Ends after `close_stream`. An unknown session gets one `unexpected_error` (session_not_found).
        Close the iterator (`aclose()`) when the client goes away.
        """
        return read_session(self._lifecycle.session(session_hash, create=False), self.heartbeat_interval,
                            self._is_running)

    def shared_stream(self, stream_id: str) -> SharedStreamReader:
        """A reader of the shared stream `stream_id` (made if unknown): the messages of every session bound
        to it, each with its `session_hash`, and heartbeats. A newer reader of the same stream takes over.
        Call the reader's `close()` when its client goes away: if no new reader comes within the grace
        period, the stream's sessions count as disconnected.
        """
        stream, generation = self._lifecycle.stream_connected(stream_id)
        return SharedStreamReader(
            read_shared_stream(stream, generation, self.heartbeat_interval, self._is_running),
            functools.partial(self._lifecycle.stream_left, stream, generation))

    def event_stream(self, event_id: str) -> AsyncIterator[Message]:
        """The messages of one `simple_format` event (for `/call` GET): full values, then the completion."""
        return read_channel(self._lifecycle.take_channel(event_id), self.heartbeat_interval, self._is_running)

    def _is_running(self) -> bool:
        return self._running

    # --- cancel, direct runs, sessions --------------------------------------------------------------

    async def cancel(self, event_id: str, session_hash: str | None = None) -> None:
        """Stop an event: a waiting one leaves the queue, a running one is stopped (a sync function already
        running in a thread finishes, but its result is discarded). Either way its stream gets
        `process_completed` with `output: {}`. Unknown or finished events are ignored."""
        event = self._events.get(event_id)
        if event is None or (session_hash is not None and event.session_hash != session_hash):
            return
        if event.state == QUEUED:
            event.state = RUNNING  # so that _drop_queued's completion is not skipped; never dispatched (not QUEUED)
            self._drop_queued(event)
            return
        if event.state == RUNNING:
            self._complete(event, messages.process_completed(event.id, {}, success=True))
            if event.task is not None and not event.plan.block_fn.batch:
                event.task.cancel()

    async def run_now(self, *, fn_index: int, data: list[Any], session_hash: str | None, request: RequestInfo,
                      event_data: Any = None, trigger_id: int | None = None) -> dict[str, Any]:
        """Run an event without the queue (`/run/{api_name}`): returns the output dict, or raises
        `EventFailed` whose `payload` is the error output. Generators run to the end; no messages."""
        if not self._running:
            raise QueueStopped("Queue is stopped.")
        plan = self._plan(fn_index)
        if not isinstance(data, list):
            raise InvalidRequest("`data` must be a list with one value per input.")
        session_hash = session_hash or uuid.uuid4().hex
        request.session_hash = session_hash
        task = asyncio.get_running_loop().create_task(
            self._run_direct(plan, data, session_hash, request, event_data, trigger_id))
        return await task

    async def _run_direct(self, plan: HandlerPlan, data: list[Any], session_hash: str, request: RequestInfo,
                          event_data: Any, trigger_id: int | None) -> dict[str, Any]:
        assert self._invoker is not None
        ctx = CallContext(self.blocks, request, event_data, trigger_id)
        return await run_to_end(self._invoker, plan, data, ctx, self.state, session_hash, self.show_error)

    def session_disconnected(self, session_hash: str) -> None:
        """The session's heartbeat closed, its tab left (`queue/leave`) or its shared stream was abandoned:
        run its `unload` handlers, forget its State after a grace period."""
        if not self._running or self._loop is None:
            return
        self._lifecycle.disconnected(session_hash)

    def queue_status(self) -> dict[str, Any]:
        """The `queue/status` body: how many events wait."""
        return messages.estimation(None, None, self._waiting, None)

    # --- introspection (tests, monitoring) ------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Sizes of the engine's internal tables (for tests of bounded memory and for monitoring)."""
        return {
            "events": len(self._events),
            "sessions": len(self._lifecycle.sessions),
            "channels": len(self._lifecycle.channels),
            "state_sessions": len(self.state),
            "waiting": self._waiting,
            "running": sum(g.active for g in self._groups.values()),
        }
