"""`AsyncClient`: the same client for asyncio code. Waiting never blocks the event loop or holds a thread.

It drives a `Client` underneath: joins run in that client's thread pool, and the shared reader thread
wakes waiting coroutines through `loop.call_soon_threadsafe`. Connecting, cancelling and downloading
output files run in worker threads (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Literal

from podium.client.client import Client
from podium.client.errors import CancelledError, ClientError
from podium.client.job import Job
from podium.client.status import StatusUpdate


class AsyncJob:
    """A submitted call, for asyncio: `async for out in job`, `await job.result()`, `await job.cancel()`."""

    def __init__(self, job: Job, downloads: bool) -> None:
        self._job = job
        self._downloads = downloads
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        job._add_listener(self._wake)

    def _wake(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._changed.set)
        except RuntimeError:
            pass  # the event loop is closed: nobody is waiting any more

    async def _wait_for_change(self) -> None:
        await self._changed.wait()
        self._changed.clear()

    @property
    def event_id(self) -> str | None:
        """The id the server gave this job (None until it joined the queue)."""
        return self._job.event_id

    def status(self) -> StatusUpdate:
        """The latest status (see `Job.status`)."""
        return self._job.status()

    def done(self) -> bool:
        """Whether the job has finished: succeeded, failed or been cancelled."""
        return self._job.done()

    async def result(self, timeout: float | None = None) -> Any:
        """Wait for the final output; raises like `Job.result` (and `TimeoutError` after `timeout` seconds)."""
        async def finished() -> None:
            while not self._job.done():
                await self._wait_for_change()

        try:
            await asyncio.wait_for(finished(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"The job did not finish within {timeout} s (it is still running).") from None
        if self._downloads:
            return await asyncio.to_thread(self._job.result, 0)
        return self._job.result(0)

    def logs(self) -> list[tuple[str, str]]:
        """Every `(message, level)` the app sent with `gr.Info` / `gr.Warning` so far."""
        return self._job.logs()

    async def outputs(self) -> list[Any]:
        """Every output received so far (see `Job.outputs`)."""
        if self._downloads:
            return await asyncio.to_thread(self._job.outputs)
        return self._job.outputs()

    async def cancel(self) -> bool:
        """Cancel the job (see `Job.cancel`)."""
        return await asyncio.to_thread(self._job.cancel)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        position = 0
        while True:
            count, done, error = self._job._snapshot()
            if position < count:
                if self._downloads:
                    yield await asyncio.to_thread(self._job._output_at, position)
                else:
                    yield self._job._output_at(position)
                position += 1
            elif done:
                if error is not None and not isinstance(error, CancelledError):
                    raise error
                return
            else:
                await self._wait_for_change()

    def __repr__(self) -> str:
        return repr(self._job).replace("<Job", "<AsyncJob", 1)


class AsyncClient:
    """`Client` for asyncio code; takes the same arguments.

    >>> async with AsyncClient("http://127.0.0.1:7860/") as client:
    ...     await client.predict("World", api_name="/greet")
    """

    def __init__(self, src: str, **client_kwargs: Any) -> None:
        self._src = src
        self._client_kwargs = client_kwargs
        self._client: Client | None = None
        self._connecting: asyncio.Lock | None = None

    async def connect(self) -> Client:
        """Connect (once; later calls return the same `Client`). Calls connect on first use anyway."""
        if self._client is None:
            if self._connecting is None:
                self._connecting = asyncio.Lock()
            async with self._connecting:
                if self._client is None:
                    self._client = await asyncio.to_thread(Client, self._src, **self._client_kwargs)
        return self._client

    async def predict(self, *args: Any, api_name: str | None = None, fn_index: int | None = None,
                      **kwargs: Any) -> Any:
        """Call an endpoint and return its result (see `Client.predict`)."""
        job = await self.submit(*args, api_name=api_name, fn_index=fn_index, **kwargs)
        return await job.result()

    async def submit(self, *args: Any, api_name: str | None = None, fn_index: int | None = None,
                     **kwargs: Any) -> AsyncJob:
        """Start a call and return its `AsyncJob` (see `Client.submit`)."""
        client = await self.connect()
        job = client.submit(*args, api_name=api_name, fn_index=fn_index, **kwargs)
        return AsyncJob(job, downloads=client.download_dir is not None)

    async def view_api(self, all_endpoints: bool | None = None, print_info: bool = True,
                       return_format: Literal["dict", "str"] | None = None) -> dict[str, Any] | str | None:
        """See `Client.view_api`."""
        client = await self.connect()
        return client.view_api(all_endpoints, print_info, return_format)

    async def reset_session(self) -> None:
        """Start a new session (see `Client.reset_session`)."""
        client = await self.connect()
        client.reset_session()

    @property
    def client(self) -> Client:
        """The underlying `Client` (after `connect()`)."""
        if self._client is None:
            raise ClientError("This AsyncClient is not connected yet; await connect() or use it in `async with`.")
        return self._client

    async def close(self) -> None:
        """Close the connection (see `Client.close`)."""
        if self._client is not None:
            await asyncio.to_thread(self._client.close)

    async def __aenter__(self) -> AsyncClient:
        await self.connect()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
