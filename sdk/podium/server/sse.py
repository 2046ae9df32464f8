"""Server-sent events: frame encoding and a streaming ASGI response that notices client disconnects.

`gradio_client` is strict about the framing of `queue/data` (wire-protocol spec, 0.2): every frame is
exactly `data: <compact JSON>\\n\\n`, LF only, no comments and no `event:` lines. The `/call` GET stream is
the one place that uses named events (`event: complete\\ndata: [...]\\n\\n`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import orjson

logger = logging.getLogger("podium.server")

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _json_default(value: Any) -> Any:
    """Fallback for values orjson does not know: sets, paths, numpy scalars, anything with `tolist`."""
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def dumps(value: Any) -> bytes:
    """Compact JSON, as Gradio writes it (orjson; numpy arrays and datetimes supported)."""
    return orjson.dumps(value, default=_json_default, option=_ORJSON_OPTIONS)


def data_frame(message: Any) -> bytes:
    """One `queue/data` frame: `data: <compact JSON>\\n\\n`."""
    return b"data: " + dumps(message) + b"\n\n"


def named_frame(event: str, data: Any) -> bytes:
    """One frame of the `/call` GET stream; its payload uses `json.dumps` spacing, as Gradio's does."""
    payload = json.dumps(data, default=_json_default)
    return f"event: {event}\ndata: {payload}\n\n".encode()


class EventStreamResponse:
    """Stream `frames` (already-encoded SSE frames) to the client until they end or the client leaves.

    On a client disconnect or when `stop` is set, the frame iterator is cancelled and closed at once, even
    while it is waiting for its next message, and `on_close` is called (exactly once, in every case).
    """

    def __init__(
        self,
        frames: AsyncIterator[bytes],
        *,
        on_close: Callable[[], Any] | None = None,
        stop: asyncio.Event | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.frames = frames
        self.on_close = on_close
        self.stop = stop
        self.headers = dict(headers or {})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raw_headers = [
            (b"content-type", SSE_CONTENT_TYPE.encode()),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),  # nginx would otherwise buffer the stream
        ]
        raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        try:
            await send({"type": "http.response.start", "status": 200, "headers": raw_headers})
            pump = asyncio.ensure_future(self._pump(send))
            disconnect = asyncio.ensure_future(self._wait_disconnect(receive))
            watchers: list[asyncio.Future[Any]] = [disconnect]
            if self.stop is not None:
                watchers.append(asyncio.ensure_future(self.stop.wait()))
            try:
                await asyncio.wait([pump, *watchers], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (pump, *watchers):
                    if not task.done():
                        task.cancel()
                for task in (pump, *watchers):
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            client_left = disconnect.done() and not disconnect.cancelled()
            if not client_left:
                with contextlib.suppress(OSError, RuntimeError):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await self._close_frames()
            if self.on_close is not None:
                try:
                    self.on_close()
                except Exception:  # noqa: BLE001 - a failing cleanup must not break the server
                    logger.exception("Error while closing an event stream")

    async def _pump(self, send: Any) -> None:
        try:
            async for frame in self.frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
        except (OSError, RuntimeError) as exc:  # the connection went away mid-send
            logger.debug("Event stream ended: %s", exc)
            raise
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Error while producing an event stream")
            raise

    @staticmethod
    async def _wait_disconnect(receive: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    async def _close_frames(self) -> None:
        aclose = getattr(self.frames, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await aclose()


__all__ = ["EventStreamResponse", "SSE_CONTENT_TYPE", "data_frame", "dumps", "named_frame"]
