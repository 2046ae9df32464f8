"""The queue protocol (`sse_v3`, wire-protocol spec, section 3): join, the per-session data stream,
cancel/reset, queue status and the session heartbeat.

Podium's extension for its browser runtime (Gradio's clients never use it; `docs/design/frontend.md`):
`queue/join` takes an optional `stream_id`; `GET queue/stream?stream_id=S` is one long-lived stream with
the messages of every session joined with S (each tagged with its `session_hash`); `POST queue/leave`
(`navigator.sendBeacon`) says a tab's session is gone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext, read_json_object
from podium.server.responses import HTTPError, JSONResponse
from podium.server.sse import EventStreamResponse, data_frame

MAX_SESSION_HASH_LENGTH = 256
_ALIVE_FRAME = b"data: ALIVE\n\n"
_STREAM_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _missing_fields(names: list[str], given: Any, where: str = "body") -> HTTPError:
    """FastAPI's validation error for missing fields (what Gradio answers), one entry per field."""
    return HTTPError(422, [{"type": "missing", "loc": [where, name], "msg": "Field required", "input": given}
                           for name in names])


def _missing_field(name: str, body: Any) -> HTTPError:
    return _missing_fields([name], body)


def check_session_hash(value: Any, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise HTTPError(400, "Session hash not found.")
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_SESSION_HASH_LENGTH:
        raise HTTPError(400, f"'session_hash' must be a non-empty string of at most {MAX_SESSION_HASH_LENGTH} characters.")
    return value


def check_stream_id(value: Any, *, required: bool = False) -> str | None:
    """A shared stream id: 8 to 64 characters of A-Z, a-z, 0-9, `_` and `-` (None only when not required)."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _STREAM_ID.fullmatch(value):
        raise HTTPError(400, "'stream_id' must be a string of 8 to 64 letters, digits, '_' or '-'.")
    return value


def check_data(body: dict[str, Any]) -> list[Any]:
    if "data" not in body:
        raise _missing_field("data", body)
    data = body["data"]
    if not isinstance(data, list):
        raise HTTPError(400, "'data' must be a list with one value per input of the function.")
    return data


def check_trigger_id(body: dict[str, Any]) -> int | None:
    trigger_id = body.get("trigger_id")
    if trigger_id is not None and (not isinstance(trigger_id, int) or isinstance(trigger_id, bool)):
        raise HTTPError(400, "'trigger_id' must be an integer (a component id) or null.")
    return trigger_id  # type: ignore[no-any-return]


def is_api_caller(request: Request) -> bool:
    """API clients (gradio_client, @gradio/client) mark their calls with `x-gradio-user: api`."""
    return request.headers.get("x-gradio-user", "").lower() == "api"


def queue_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    engine = ctx.engine

    async def join(request: Request) -> Response:
        username = ctx.auth.require(request)
        body = await read_json_object(request)
        data = check_data(body)
        fn_index = body.get("fn_index")
        if fn_index is None:
            raise HTTPError(400, "No function index provided.")
        if not isinstance(fn_index, int) or isinstance(fn_index, bool):
            raise HTTPError(400, "'fn_index' must be an integer (a dependency id from /config).")
        session_hash = check_session_hash(body.get("session_hash"))
        trigger_id = check_trigger_id(body)
        stream_id = check_stream_id(body.get("stream_id"))
        fn = ctx.fn_by_index(fn_index)
        if fn is None or fn.fn is None or (fn.api_visibility == "private" and is_api_caller(request)):
            names = ", ".join("/" + n for n in ctx.valid_api_names()) or "none"
            raise HTTPError(404, f"No function with fn_index {fn_index}. Valid api names: {names}.")
        return await ctx.join_event(
            request,
            session_hash=session_hash,
            username=username,
            fn_index=fn_index,
            data=data,
            event_data=body.get("event_data"),
            trigger_id=trigger_id,
            stream_id=stream_id,
        )

    async def data(request: Request) -> Response:
        ctx.auth.require(request)
        if "session_hash" not in request.query_params:
            raise _missing_fields(["session_hash"], None, where="query")
        session_hash = check_session_hash(request.query_params["session_hash"])
        assert session_hash is not None
        await ctx.start()
        messages = engine.stream(session_hash)

        async def frames() -> AsyncIterator[bytes]:
            async for message in messages:
                yield data_frame(message)

        return EventStreamResponse(frames(), stop=ctx.stopping)  # type: ignore[return-value]

    async def shared_stream(request: Request) -> Response:
        ctx.auth.require(request)
        stream_id = check_stream_id(request.query_params.get("stream_id"), required=True)
        assert stream_id is not None
        await ctx.start()
        reader = engine.shared_stream(stream_id)

        async def frames() -> AsyncIterator[bytes]:
            async for message in reader.messages:
                yield data_frame(message)

        return EventStreamResponse(frames(), on_close=reader.close, stop=ctx.stopping)  # type: ignore[return-value]

    async def leave(request: Request) -> Response:
        ctx.auth.require(request)
        body = await read_json_object(request)  # sendBeacon sends it as text/plain: the type is not checked
        session_hash = check_session_hash(body.get("session_hash"))
        assert session_hash is not None
        await ctx.start()
        engine.session_disconnected(session_hash)
        return JSONResponse({"success": True})

    async def status(request: Request) -> Response:
        ctx.auth.require(request)
        await ctx.start()
        return JSONResponse(engine.queue_status())

    async def cancel(request: Request) -> Response:
        body = await read_json_object(request)
        missing = [name for name in ("event_id", "session_hash", "fn_index") if body.get(name) is None]
        if missing:
            raise _missing_fields(missing, body)
        event_id = body["event_id"]
        if not isinstance(event_id, str):
            raise HTTPError(400, "'event_id' must be a string.")
        session_hash = check_session_hash(body["session_hash"])
        await ctx.start()
        await engine.cancel(event_id, session_hash)
        return JSONResponse({"success": True})

    async def reset(request: Request) -> Response:
        await read_json_object(request)
        return JSONResponse({"success": True})

    async def heartbeat(request: Request) -> Response:
        session_hash = check_session_hash(request.path_params["session_hash"])
        assert session_hash is not None
        interval = ctx.settings.heartbeat_interval

        async def frames() -> AsyncIterator[bytes]:
            yield _ALIVE_FRAME
            while True:
                await asyncio.sleep(interval)
                yield _ALIVE_FRAME

        def disconnected() -> None:
            if not ctx.stopping.is_set():
                engine.session_disconnected(session_hash)

        return EventStreamResponse(frames(), on_close=disconnected, stop=ctx.stopping)  # type: ignore[return-value]

    p = api_prefix
    return [
        Route(f"{p}/queue/join", join, methods=["POST"]),
        Route(f"{p}/queue/data", data, methods=["GET"]),
        Route(f"{p}/queue/stream", shared_stream, methods=["GET"]),
        Route(f"{p}/queue/leave", leave, methods=["POST"]),
        Route(f"{p}/queue/status", status, methods=["GET"]),
        Route(f"{p}/cancel", cancel, methods=["POST"]),
        Route(f"{p}/reset", reset, methods=["POST"]),
        Route(f"{p}/heartbeat/{{session_hash}}", heartbeat, methods=["GET"]),
    ]


__all__ = ["check_data", "check_session_hash", "check_stream_id", "check_trigger_id", "is_api_caller", "queue_routes"]
