"""`SessionLifecycle`: when the engine's sessions, `/call` channels and session State begin and end.

Sessions are made as events join and bounded here: least recently used ones are evicted past
`max_sessions`; a session's stream gets `close_stream` once none of its events is pending; a disconnect runs
the app's `unload` handlers and forgets the session's State after a grace period (unless the session comes
back); a sweep every minute drops idle sessions and unread `/call` results.

Shared streams (Podium's browser runtime): a session joined with a `stream_id` is bound to that stream. A
stream whose reader left (or that never had one) for `stream_grace_period` seconds is abandoned: each of
its sessions counts as disconnected.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Container
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from podium.execution.run import HandlerPlan
from podium.execution.state import SessionStateStore
from podium.queue import messages
from podium.queue.errors import EventFailed
from podium.queue.sessions import EventChannel, Session, SharedStream
from podium.request import RequestInfo

if TYPE_CHECKING:
    from podium.blocks import Blocks

logger = logging.getLogger("podium.queue")
Message = dict[str, Any]
# The engine's queue-less run: (plan, data, session_hash, request, event_data, trigger_id) -> output dict.
RunDirect = Callable[[HandlerPlan, list[Any], str, RequestInfo, Any, int | None], Awaitable[dict[str, Any]]]


class SessionLifecycle:
    """The `EventEngine`'s tables of sessions, `/call` channels and State, and the timers that bound them.

    Call its methods on the engine's event loop. `start()` and `stop()` follow the engine's.
    """

    def __init__(self, blocks: Blocks, *, run_direct: RunDirect, running: Callable[[], bool],
                 live_events: Container[str], max_sessions: int, max_state_sessions: int,
                 session_idle_timeout: float, state_grace_period: float, close_stream_delay: float,
                 stream_grace_period: float = 30.0) -> None:
        self.blocks = blocks
        self.max_sessions = max_sessions
        self.session_idle_timeout = session_idle_timeout
        self.state_grace_period = state_grace_period
        # Seconds close_stream waits for another event of the session. 0 (Gradio's behaviour) by default: a
        # delay helps a client that joins from several threads just as an event completes, but breaks
        # gradio_client's reset_session() (its still-open old reader would cancel the new session's job).
        self.close_stream_delay = close_stream_delay
        self.stream_grace_period = stream_grace_period
        self.streams: OrderedDict[str, SharedStream] = OrderedDict()
        self.state = SessionStateStore(max_state_sessions, on_expired=self._state_value_expired)
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.channels: OrderedDict[str, EventChannel] = OrderedDict()
        self._run_direct = run_direct
        self._running = running
        self._live_events = live_events  # ids of unfinished events: their `/call` channels are never swept
        self._unload_plans: list[HandlerPlan] = []
        self._state_expiry: dict[str, asyncio.TimerHandle] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: Executor | None = None
        self._sweeper: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop, executor: Executor, unload_plans: list[HandlerPlan]) -> None:
        """Start the minute sweep; `unload_plans` run when a session disconnects."""
        self._loop = loop
        self._executor = executor
        self._unload_plans = unload_plans
        self._sweeper = loop.call_later(60.0, self._sweep)

    def stop(self, stopped: Message) -> None:
        """Send `stopped` to every open stream; cancel unload handlers, State expiry and the sweep."""
        for session in self.sessions.values():
            if session.close_handle is not None:
                session.close_handle.cancel()
                session.close_handle = None
            if session.pending or session.readers:
                session.push(dict(stopped))
        for channel in self.channels.values():
            channel.buffer.push(dict(stopped))
        for stream in self.streams.values():
            if stream.grace_handle is not None:
                stream.grace_handle.cancel()
                stream.grace_handle = None
            stream.buffer.wake()  # its reader sees that the engine stopped
        for task in list(self._background):
            task.cancel()
        for handle in self._state_expiry.values():
            handle.cancel()
        self._state_expiry.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()

    # --- sessions, their streams and channels ------------------------------------------------------------------------

    def session(self, session_hash: str, *, create: bool) -> Session | None:
        """The session (now the most recently used), made if `create`; None if unknown and not `create`."""
        session = self.sessions.get(session_hash)
        if session is not None:
            self.sessions.move_to_end(session_hash)
            return session
        if not create:
            return None
        session = self.sessions[session_hash] = Session(session_hash, max_messages=10_000)
        if len(self.sessions) > self.max_sessions:
            self._evict_session()
        return session

    def _evict_session(self) -> None:
        """Drop the least recently used session, preferring one with no pending events and no reader."""
        for checked, (session_hash, session) in enumerate(self.sessions.items()):
            if session.is_idle():
                del self.sessions[session_hash]
                return
            if checked >= 100:
                break
        self.sessions.popitem(last=False)

    def event_joined(self, session_hash: str, event_id: str, stream_id: str | None = None) -> Session:
        """An event of the session joined: its stream stays open until the event is done.

        With a `stream_id` the session is bound to that shared stream (moved there if bound elsewhere);
        without one it goes back to its own `queue/data` stream.
        """
        session = self.session(session_hash, create=True)
        assert session is not None
        if stream_id is not None:
            self.bind(session, stream_id)
        elif session.stream is not None:
            self._unbind(session)
        if session.close_handle is not None:  # the stream stays open for this event
            session.close_handle.cancel()
            session.close_handle = None
        session.pending.add(event_id)
        session.last_active = time.monotonic()
        return session

    def event_done(self, session: Session, event_id: str) -> None:
        """An event of the session sent its final message: `close_stream` if nothing else is pending."""
        session.pending.discard(event_id)
        session.last_active = time.monotonic()
        if not session.pending and session.stream is None:  # a shared stream never closes
            if self.close_stream_delay <= 0 or self._loop is None or not self._running():
                session.push(messages.close_stream())
            elif session.close_handle is None:
                session.close_handle = self._loop.call_later(self.close_stream_delay, self._close_stream, session)

    def _close_stream(self, session: Session) -> None:
        session.close_handle = None
        if not session.pending:
            session.push(messages.close_stream())

    # --- shared streams ------------------------------------------------------------------------------

    def shared_stream(self, stream_id: str) -> SharedStream:
        """The stream (made if unknown; a new one waits `stream_grace_period` for its reader)."""
        stream = self.streams.get(stream_id)
        if stream is not None:
            self.streams.move_to_end(stream_id)
            return stream
        if len(self.streams) >= self.max_sessions:  # bounded: drop the oldest, preferring one without a reader
            oldest = list(itertools.islice(self.streams.values(), 100))
            self._abandon(next((old for old in oldest if not old.connected), oldest[0]))
        stream = self.streams[stream_id] = SharedStream(stream_id, max_messages=10_000)
        self._start_grace(stream)
        return stream

    def bind(self, session: Session, stream_id: str) -> None:
        """Send the session's messages to the shared stream `stream_id` from now on."""
        stream = self.shared_stream(stream_id)
        if session.stream is not stream:
            self._unbind(session)
            session.stream = stream
        stream.sessions.add(session.session_hash)

    def _unbind(self, session: Session) -> None:
        if session.stream is not None:
            session.stream.sessions.discard(session.session_hash)
            session.stream = None

    def stream_connected(self, stream_id: str) -> tuple[SharedStream, int]:
        """A reader opened the stream: it takes over from an older reader. Returns the stream and the
        reader's generation (pass both to `stream_left`)."""
        stream = self.shared_stream(stream_id)
        if stream.grace_handle is not None:
            stream.grace_handle.cancel()
            stream.grace_handle = None
        stream.connected = True
        stream.buffer.reader_generation += 1
        stream.buffer.wake()  # an older reader stops
        return stream, stream.buffer.reader_generation

    def stream_left(self, stream: SharedStream, generation: int) -> None:
        """A reader of the stream went away; unless a newer one took over, the grace period starts."""
        if stream.buffer.reader_generation != generation or stream.closed:
            return
        stream.connected = False
        if self._running():
            self._start_grace(stream)

    def _start_grace(self, stream: SharedStream) -> None:
        if self._loop is None or stream.grace_handle is not None:
            return
        stream.grace_handle = self._loop.call_later(self.stream_grace_period, self._grace_over, stream)

    def _grace_over(self, stream: SharedStream) -> None:
        stream.grace_handle = None
        if not stream.connected:
            self._abandon(stream)

    def _abandon(self, stream: SharedStream) -> None:
        """Nobody reads the stream any more: forget it; each of its sessions is disconnected."""
        if stream.grace_handle is not None:
            stream.grace_handle.cancel()
            stream.grace_handle = None
        stream.closed = True
        stream.buffer.messages.clear()
        stream.buffer.reader_generation += 1
        stream.buffer.wake()
        if self.streams.get(stream.stream_id) is stream:
            del self.streams[stream.stream_id]
        for session_hash in list(stream.sessions):
            self.disconnected(session_hash)
        stream.sessions.clear()

    def open_channel(self, event_id: str) -> EventChannel:
        """A new channel for one `simple_format` event."""
        channel = self.channels[event_id] = EventChannel(event_id)
        return channel

    def take_channel(self, event_id: str) -> EventChannel | None:
        """The event's channel, handed to its one reader (a second read finds none)."""
        return self.channels.pop(event_id, None)

    # --- disconnects and State expiry -----------------------------------------------------------------

    def keep_state(self, session_hash: str) -> None:
        """The session is active again: cancel a pending expiry of its State."""
        expiry = self._state_expiry.pop(session_hash, None)
        if expiry is not None:
            expiry.cancel()  # the session came back within the grace period: keep its state

    def disconnected(self, session_hash: str) -> None:
        """Run the `unload` handlers for the session and forget its State after the grace period."""
        if self._loop is None:
            return
        session = self.sessions.get(session_hash)
        if session is not None and session.stream is not None:
            # it stays pointed at the stream (late messages of its events go there, not into a buffer
            # nobody reads); the stream just no longer disconnects it a second time
            session.stream.sessions.discard(session_hash)
        for plan in self._unload_plans:
            request = RequestInfo(session_hash=session_hash)
            task = self._loop.create_task(self._run_unload(plan, session_hash, request))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        old = self._state_expiry.pop(session_hash, None)
        if old is not None:
            old.cancel()
        self._state_expiry[session_hash] = self._loop.call_later(self.state_grace_period, self._expire_state,
                                                                 session_hash)

    async def _run_unload(self, plan: HandlerPlan, session_hash: str, request: RequestInfo) -> None:
        try:
            await self._run_direct(plan, [None] * len(plan.inputs), session_hash, request, None, None)
        except EventFailed:
            pass  # already logged

    def _expire_state(self, session_hash: str) -> None:
        self._state_expiry.pop(session_hash, None)
        for component_id, value in self.state.drop(session_hash).items():
            self._state_value_expired(self.blocks.blocks.get(component_id), value)
        session = self.sessions.get(session_hash)
        if session is not None and session.is_idle():
            del self.sessions[session_hash]

    def _state_value_expired(self, component: Any, value: Any) -> None:
        """Call the State's `delete_callback` (in the pool: it is user code) with the value it forgets."""
        callback = getattr(component, "delete_callback", None)
        if callable(callback) and self._executor is not None:
            self._executor.submit(_call_quietly, callback, value)

    def _sweep(self) -> None:
        """Every minute: forget idle sessions and unread `/call` results (bounded memory)."""
        now = time.monotonic()
        for session_hash in [h for h, s in self.sessions.items()
                             if s.is_idle() and now - s.last_active > self.session_idle_timeout]:
            del self.sessions[session_hash]
        for event_id in [i for i, c in self.channels.items()
                         if i not in self._live_events and now - c.created > self.session_idle_timeout]:
            del self.channels[event_id]
        while len(self.channels) > self.max_sessions:
            self.channels.popitem(last=False)
        if self._running() and self._loop is not None:
            self._sweeper = self._loop.call_later(60.0, self._sweep)


def _call_quietly(callback: Callable[[Any], Any], value: Any) -> None:
    try:
        callback(value)
    except Exception:  # noqa: BLE001 - a failing cleanup callback must not disturb the server
        logger.exception("State delete_callback failed")
