"""`Job`: one call to an endpoint, followed through the queue (spec sections 3.3 to 3.6)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podium.client.diffs import apply_edits
from podium.client.errors import AppError, CancelledError, ClientError
from podium.client.status import ProgressUnit, Status, StatusUpdate
from podium.client.transport import json_dumps, json_loads

if TYPE_CHECKING:
    from podium.client.client import Client
    from podium.client.endpoints import Endpoint
    from podium.client.sse import EventStream

_HIDDEN_ERROR = (
    "The app raised an exception but does not show its error messages (it runs with show_error=False). "
    "Check the app's logs, or launch it with show_error=True."
)


class Job:
    """A submitted call. Iterate over it for the outputs of a generator as they arrive; `result()` waits
    for the final value; `status()` tells where it is in the queue.

    >>> job = client.submit("hi", api_name="/stream")
    >>> for partial in job: print(partial)
    >>> job.result()
    """

    def __init__(self, client: Client, endpoint: Endpoint, data: list[Any], stream: EventStream) -> None:
        self._client = client
        self._endpoint = endpoint
        self._data = data
        self._stream = stream
        self._session_hash = stream.session_hash
        self._cond = threading.Condition()
        self._status = StatusUpdate(Status.STARTING)
        self._raw_outputs: list[list[Any]] = []  # full output lists, one per update received
        self._final: list[Any] | None = None
        self._error: BaseException | None = None
        self._done = False
        self._event_id: str | None = None
        self._next_output = 0  # position of `for out in job`
        self._processed: dict[int, Any] = {}  # outputs after downloads, by position in _raw_outputs
        self._processed_final: tuple[bool, Any] = (False, None)
        self._process_lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []  # called (condition held) on every change
        self._logs: list[tuple[str, str]] = []

    # -- public API ----------------------------------------------------------------------------

    @property
    def event_id(self) -> str | None:
        """The id the server gave this job when it joined the queue (None until then)."""
        return self._event_id

    def status(self) -> StatusUpdate:
        """The latest status: queue rank and size, eta, progress, log, or FINISHED / CANCELLED."""
        with self._cond:
            return self._status

    def done(self) -> bool:
        """Whether the job has finished: succeeded, failed or been cancelled."""
        return self._done

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the final output and return it (a tuple when the endpoint has several outputs).

        Raises `AppError` if the app's function raised, `CancelledError` if the job was cancelled,
        and `TimeoutError` if `timeout` seconds pass first.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._done, timeout):
                raise TimeoutError(f"The job did not finish within {timeout} s (it is still running).")
            error = self._error
        if error is not None:
            raise error
        return self._final_output()

    def outputs(self) -> list[Any]:
        """Every output received so far: each yield of a generator, or the single result of a function."""
        with self._cond:
            count = len(self._raw_outputs)
        return [self._output_at(i) for i in range(count)]

    def logs(self) -> list[tuple[str, str]]:
        """Every `(message, level)` the app sent with `gr.Info` / `gr.Warning` / `gr.Success` so far."""
        with self._cond:
            return list(self._logs)

    def cancel(self) -> bool:
        """Cancel the job: the server drops it from the queue or stops its generator.

        Returns False if the job had already finished, True otherwise.
        """
        with self._cond:
            if self._done:
                return False
            self._finish(CancelledError("The job was cancelled."), Status.CANCELLED)
            event_id = self._event_id
        if event_id is not None:  # else the join is in flight; _join sends the cancel when it answers
            self._stream.forget(event_id)
            self._send_cancel(event_id)
        return True

    def __iter__(self) -> Job:
        return self

    def __next__(self) -> Any:
        with self._cond:
            while self._next_output >= len(self._raw_outputs):
                if self._done:
                    error = self._error
                    if error is not None and not isinstance(error, CancelledError):
                        raise error
                    raise StopIteration
                self._cond.wait()
            position = self._next_output
            self._next_output += 1
        return self._output_at(position)

    def __repr__(self) -> str:
        return f"<Job {self._endpoint.describe()} event_id={self._event_id} status={self._status.code.value}>"

    # -- joining the queue (in the caller's thread for predict, in a pool thread for submit) ----

    def _join(self) -> None:
        if self._done:
            return  # cancelled before it was sent
        stream = self._stream
        client = self._client
        stream.begin_join()
        try:
            data = client._files.upload_inputs(self._data)
            body = {"data": data, "fn_index": self._endpoint.fn_index, "session_hash": self._session_hash}
            answer = client._transport.post_json(client._api_url + "queue/join", json_dumps(body),
                                                 {"x-gradio-user": "api"}, f"call {self._endpoint.describe()}")
            event_id = json_loads(answer).get("event_id")
            if not isinstance(event_id, str):
                raise ClientError(f"The app answered the join without an event_id: {answer[:200]!r}.")
        except BaseException as exc:
            stream.abort_join()
            self._on_failure(exc)
            return
        with self._cond:
            self._event_id = event_id
            cancelled = self._done
            if not cancelled:
                self._status = StatusUpdate(Status.JOINING_QUEUE)
        stream.register(event_id, self)
        if cancelled:
            self._send_cancel(event_id)

    def _send_cancel(self, event_id: str) -> None:
        client = self._client
        try:
            client._transport.request("POST", client._api_url + "cancel", json={
                "fn_index": self._endpoint.fn_index, "session_hash": self._session_hash, "event_id": event_id,
            })
            client._transport.request("POST", client._api_url + "reset", json={"event_id": event_id})
        except ClientError:
            pass  # the job is cancelled locally either way; the server drops it when it next looks

    # -- called by the event stream (with its lock held) ---------------------------------------

    def _on_message(self, message: dict[str, Any]) -> bool:
        kind = message.get("msg")
        with self._cond:
            if self._done:
                return True
            if kind in ("process_generating", "process_streaming"):
                try:
                    self._take_partial(message)
                except (ValueError, TypeError, KeyError, IndexError) as exc:  # a malformed update fails this job only
                    self._finish(ClientError(f"Could not apply the app's streamed update ({exc})."), Status.FINISHED,
                                 success=False)
            elif kind == "process_completed":
                self._take_final(message)
            elif kind == "unexpected_error":
                self._finish(ClientError(f"The app reported an error: {message.get('message')}"), Status.FINISHED,
                             success=False)
            else:
                update = _status_from_message(kind, message)
                if update is not None:
                    self._status = update
                    if update.log is not None:
                        self._logs.append(update.log)
            self._changed()
            return self._done

    def _on_failure(self, error: BaseException) -> None:
        with self._cond:
            if not self._done:
                self._finish(error, Status.FINISHED)

    def _take_partial(self, message: dict[str, Any]) -> None:
        data = (message.get("output") or {}).get("data") or []
        previous = self._raw_outputs[-1] if self._raw_outputs else None
        if previous is None or not self._client._generator_diffs:
            values = list(data)
        else:  # later updates carry one edit list per output (spec 3.4)
            values = [
                apply_edits(previous[i] if i < len(previous) else None, edits) for i, edits in enumerate(data)
            ]
        self._raw_outputs.append(values)
        self._status = StatusUpdate(Status.ITERATING, success=message.get("success", True))

    def _take_final(self, message: dict[str, Any]) -> None:
        output = message.get("output") or {}
        if not message.get("success", True) or "error" in output:
            error = output.get("error")
            self._finish(AppError(
                message=error if error is not None else _HIDDEN_ERROR,
                title=output.get("title") or message.get("title") or "Error",
                duration=output.get("duration", 10),
                visible=output.get("visible", True),
            ), Status.FINISHED, success=False)
            return
        if "data" not in output:  # the server's answer to a cancel it was asked for elsewhere
            self._finish(CancelledError("The app cancelled this job."), Status.CANCELLED)
            return
        self._final = list(output["data"])
        if not self._raw_outputs:
            self._raw_outputs.append(self._final)
        self._finish(None, Status.FINISHED, success=True)

    def _finish(self, error: BaseException | None, code: Status, success: bool | None = None) -> None:
        """With the condition held: record the outcome and wake every waiter."""
        self._error = error
        self._done = True
        self._status = StatusUpdate(code, success=success if success is not None else error is None)
        self._changed()

    def _changed(self) -> None:
        """With the condition held: wake threads waiting on the job and tell listeners (AsyncJob)."""
        self._cond.notify_all()
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # noqa: BLE001 - a listener must never break the reader thread
                pass

    def _add_listener(self, listener: Callable[[], None]) -> None:
        with self._cond:
            self._listeners.append(listener)
            listener()  # the caller re-checks the state it may have missed

    def _snapshot(self) -> tuple[int, bool, BaseException | None]:
        """(outputs received, done, error), read together."""
        with self._cond:
            return len(self._raw_outputs), self._done, self._error

    # -- turning raw outputs into values (in the caller's thread: downloads happen here) --------

    def _output_at(self, position: int) -> Any:
        with self._process_lock:
            if position not in self._processed:
                self._processed[position] = self._endpoint.finish_outputs(self._raw_outputs[position],
                                                                          self._client._files)
            return self._processed[position]

    def _final_output(self) -> Any:
        with self._process_lock:
            ready, value = self._processed_final
            if ready:
                return value
        assert self._final is not None
        last = len(self._raw_outputs) - 1
        if self._raw_outputs[last] is self._final or self._raw_outputs[last] == self._final:
            value = self._output_at(last)  # the final value is the last yield: reuse its downloads
        else:
            value = self._endpoint.finish_outputs(self._final, self._client._files)
        with self._process_lock:
            self._processed_final = (True, value)
        return value


def _status_from_message(kind: Any, message: dict[str, Any]) -> StatusUpdate | None:
    code = Status.from_message(kind) if isinstance(kind, str) else None
    if code is None:
        return None  # a message type this client does not know: ignore it rather than crash the job
    if kind == "estimation":
        return StatusUpdate(code, rank=message.get("rank"), queue_size=message.get("queue_size"),
                            eta=message.get("rank_eta"), success=message.get("success"))
    if kind == "progress":
        units = [ProgressUnit.from_message(u) for u in message.get("progress_data") or [] if isinstance(u, dict)]
        return StatusUpdate(code, progress_data=units, success=message.get("success"))
    if kind == "log":
        return StatusUpdate(code, log=(str(message.get("log", "")), str(message.get("level", "info"))),
                            success=message.get("success"))
    return StatusUpdate(code, eta=message.get("eta"), success=message.get("success"))
