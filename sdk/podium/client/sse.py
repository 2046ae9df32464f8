"""The one `queue/data` event stream of a session, shared by every job of a `Client` (spec section 3.2).

A reader thread holds the stream open while jobs are pending and routes each message to its job by
`event_id`. The server ends the stream (`close_stream`) once the session has nothing pending, so the
reader opens a new one whenever jobs are registered again. Messages for an event whose join answer
has not come back yet are kept until the job registers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any, Protocol

from podium.client.errors import ClientError, ServerConnectionError
from podium.client.transport import Transport, json_loads

_IDLE_SECONDS = 10.0  # how long an idle reader thread waits for new jobs before it exits
_MAX_FRUITLESS_STREAMS = 3  # streams in a row that end without a message for a pending job


class MessageSink(Protocol):
    """What the stream needs from a job."""

    def _on_message(self, message: dict[str, Any]) -> bool:
        """Take one message; return True once the job is finished."""
        ...

    def _on_failure(self, error: BaseException) -> None:
        """The stream can no longer deliver this job's messages."""
        ...

    def done(self) -> bool:
        """Whether the job has finished."""
        ...


class EventStream:
    """The event stream of one session: joins register here, the reader thread delivers."""

    def __init__(self, transport: Transport, api_url: str, session_hash: str) -> None:
        self.session_hash = session_hash
        self._transport = transport
        self._url = api_url + "queue/data"
        self._lock = threading.Condition()
        self._jobs: dict[str, MessageSink] = {}
        self._early: dict[str, list[dict[str, Any]]] = {}  # messages that beat their join answer
        self._forgotten: set[str] = set()  # cancelled events whose late messages are dropped
        self._joining = 0
        self._reader: threading.Thread | None = None
        self._socket: socket.socket | None = None  # of the open stream, to interrupt it on close()
        self._closed = False

    # -- called by jobs ------------------------------------------------------------------------

    def begin_join(self) -> None:
        """A job is about to POST queue/join (its messages may arrive before the answer)."""
        with self._lock:
            self._joining += 1

    def abort_join(self) -> None:
        """The join failed; nothing will register."""
        with self._lock:
            self._joining -= 1

    def register(self, event_id: str, job: MessageSink) -> None:
        """The join answered `event_id`: route its messages to `job` from now on."""
        with self._lock:
            self._joining -= 1
            if self._closed:
                job._on_failure(ClientError("The Client was closed before this job could run."))
                return
            if job.done():  # cancelled while joining
                self._forgotten.add(event_id)
                self._early.pop(event_id, None)
                return
            self._jobs[event_id] = job
            for message in self._early.pop(event_id, ()):
                if job._on_message(message):
                    del self._jobs[event_id]
                    return
            if self._reader is None:
                self._reader = threading.Thread(target=self._run, name=f"podium-client-sse-{self.session_hash[:8]}",
                                                daemon=True)
                self._reader.start()
            self._lock.notify_all()

    def forget(self, event_id: str) -> None:
        """Stop routing `event_id` (its job was cancelled); drop whatever the server still sends for it."""
        with self._lock:
            if self._jobs.pop(event_id, None) is not None:
                self._forgotten.add(event_id)

    def close(self) -> None:
        """Stop the reader and fail the jobs still waiting for messages."""
        with self._lock:
            self._closed = True
            jobs, self._jobs = list(self._jobs.values()), {}
            self._interrupt_stream()
            self._lock.notify_all()
        for job in jobs:
            job._on_failure(ClientError("The Client was closed while this job was running."))

    # -- the reader thread ---------------------------------------------------------------------

    def _run(self) -> None:
        fruitless = 0
        while True:
            with self._lock:
                if not self._wait_for_jobs():
                    self._reader = None
                    return
            try:
                delivered = self._read_one_stream()
            except ClientError as exc:
                self._fail_all(exc)
                continue
            except Exception as exc:  # a broken frame or similar: fail loudly, not silently hang
                self._fail_all(ClientError(f"The app's event stream broke ({type(exc).__name__}: {exc})."))
                continue
            with self._lock:
                if self._joining == 0:
                    self._early.clear()
                fruitless = 0 if delivered or not self._jobs else fruitless + 1
            if fruitless >= _MAX_FRUITLESS_STREAMS:
                fruitless = 0
                self._fail_all(ServerConnectionError(
                    "The app keeps ending its event stream without finishing this job; it may have restarted."
                ))

    def _wait_for_jobs(self) -> bool:
        """With the lock held: wait until a job is pending; False when the reader should exit."""
        while not self._jobs and not self._closed:
            if not self._lock.wait(timeout=_IDLE_SECONDS) and not self._jobs:
                return False
        return not self._closed

    def _read_one_stream(self) -> bool:
        """Read one `queue/data` response to its end; return whether any pending job got a message."""
        delivered = False
        url = f"{self._url}?session_hash={self.session_hash}"
        with self._transport.event_stream(url, "open the event stream") as (chunks, sock):
            with self._lock:
                if self._closed:
                    return False
                self._socket = sock
            try:
                for message in _frames(chunks):
                    outcome = self._dispatch(message)
                    if outcome == "end":
                        break
                    delivered = delivered or outcome == "delivered"
            finally:
                with self._lock:
                    self._socket = None
        return delivered

    def _dispatch(self, message: Any) -> str:
        if not isinstance(message, dict):
            return "ignored"  # e.g. a bare "ALIVE"
        kind = message.get("msg")
        event_id = message.get("event_id")
        if kind == "close_stream":
            return "end"
        if event_id is None:
            if kind == "unexpected_error":
                text = message.get("message") or "unknown error"
                if message.get("session_not_found"):
                    error: ClientError = ClientError(f"The app no longer knows this session ({text}); it may "
                                                     "have restarted. Call reset_session() and retry.")
                else:
                    error = ServerConnectionError(f"The app reported an error: {text}")
                self._fail_all(error)
                return "end"
            return "ignored"  # heartbeat and other session-level notices
        with self._lock:
            job = self._jobs.get(event_id)
            if job is None:
                if event_id in self._forgotten:
                    if kind == "process_completed":
                        self._forgotten.discard(event_id)
                else:
                    self._early.setdefault(event_id, []).append(message)
                return "ignored"
            if job._on_message(message):
                del self._jobs[event_id]
        return "delivered"

    def _fail_all(self, error: BaseException) -> None:
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            job._on_failure(error)

    def _interrupt_stream(self) -> None:
        """With the lock held: wake a reader blocked on the socket (closing alone would not)."""
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _frames(chunks: Iterator[bytes]) -> Iterator[Any]:
    """Parse an event stream into its JSON `data:` payloads, tolerating comments, `event:` lines and CRLF."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        if b"\r" in chunk:
            buffer = buffer.replace(b"\r\n", b"\n")
        if b"\n\n" not in buffer:
            continue
        *frames, buffer = buffer.split(b"\n\n")
        for frame in frames:
            payload = _frame_data(frame)
            if payload is not None:
                yield payload
    if buffer.strip():
        payload = _frame_data(buffer)
        if payload is not None:
            yield payload


def _frame_data(frame: bytes) -> Any:
    if frame.startswith(b"data:") and b"\n" not in frame:
        return _decode(frame[5:])
    parts = [line[5:] for line in frame.split(b"\n") if line.startswith(b"data:")]
    if not parts:
        return None
    return _decode(b"\n".join(parts))


def _decode(data: bytes) -> Any:
    data = data.strip()
    try:
        return json_loads(data)
    except ValueError:
        return data.decode(errors="replace")  # a non-JSON payload such as ALIVE
