"""Calling a function by its api_name: the curl-style `/call` pair (spec section 4) and the direct
`/run`/`/api` routes the JS client uses for `queue=False` functions (spec section 6).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext, read_json_object
from podium.server.errors import engine_error_response
from podium.server.responses import HTTPError, JSONResponse
from podium.server.routes_queue import check_data, check_session_hash, check_trigger_id
from podium.server.sse import EventStreamResponse, named_frame

if TYPE_CHECKING:
    from podium.dependencies import BlockFunction


def fill_skipped_inputs(fn: BlockFunction, data: list[Any]) -> list[Any]:
    """Insert `None` for State and other skip_api inputs when the caller left them out."""
    visible = [not c.skip_api for c in fn.inputs]
    if len(data) == len(fn.inputs) or len(data) != sum(visible):
        return data
    values = iter(data)
    return [next(values) if is_visible else None for is_visible in visible]


def keyword_data(fn: BlockFunction, body: dict[str, Any]) -> list[Any]:
    """The positional `data` list for a `/call/v2` body of keyword arguments (defaults filled from /info)."""
    from podium.api_info import endpoint_info

    parameters = endpoint_info(fn)["parameters"]
    known = {p["parameter_name"] for p in parameters} | {"session_hash", "oauth_token"}
    unknown = sorted(set(body) - known)
    if unknown:
        expected = ", ".join(p["parameter_name"] for p in parameters) or "no parameters"
        raise HTTPError(400, f"Unknown parameter(s) {', '.join(unknown)}; /{fn.api_name} takes {expected}.")
    values: list[Any] = []
    for p in parameters:
        name = p["parameter_name"]
        if name in body:
            values.append(body[name])
        elif p["parameter_has_default"]:
            values.append(p["parameter_default"])
        else:
            raise HTTPError(422, f"Missing required parameter '{name}' for /{fn.api_name}.")
    return fill_skipped_inputs(fn, values)


def call_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    engine = ctx.engine

    def find_fn(api_name: str) -> BlockFunction:
        fn = ctx.fn_by_api_name(api_name)
        if fn is None:
            names = ", ".join("/" + n for n in ctx.valid_api_names()) or "none"
            raise HTTPError(404, f"No API endpoint named /{api_name.lstrip('/')}. Valid api names: {names}.")
        return fn

    async def start_call(request: Request, fn: BlockFunction, data: list[Any], session_hash: str | None) -> Response:
        username = ctx.auth.require(request)
        session = session_hash or uuid.uuid4().hex  # no session: fresh State on every call, as in Gradio
        return await ctx.join_event(
            request, session_hash=session, username=username, fn_index=fn.fn_index, data=data, simple_format=True
        )

    async def call(request: Request) -> Response:
        ctx.auth.require(request)
        fn = find_fn(request.path_params["api_name"])
        body = await read_json_object(request)
        data = fill_skipped_inputs(fn, check_data(body))
        return await start_call(request, fn, data, check_session_hash(body.get("session_hash"), required=False))

    async def call_v2(request: Request) -> Response:
        ctx.auth.require(request)
        fn = find_fn(request.path_params["api_name"])
        body = await read_json_object(request)
        session_hash = check_session_hash(body.get("session_hash"), required=False)
        return await start_call(request, fn, keyword_data(fn, body), session_hash)

    async def call_stream(request: Request) -> Response:
        ctx.auth.require(request)
        find_fn(request.path_params["api_name"])
        event_id = request.path_params["event_id"]
        await ctx.start()
        messages = engine.event_stream(event_id)

        async def frames() -> AsyncIterator[bytes]:
            async for message in messages:
                kind = message.get("msg")
                if kind == "heartbeat":
                    yield named_frame("heartbeat", None)
                elif kind == "process_generating":
                    yield named_frame("generating", (message.get("output") or {}).get("data"))
                elif kind == "process_completed":
                    output = message.get("output") or {}
                    if message.get("success", True) and "error" not in output:
                        yield named_frame("complete", output.get("data"))
                    else:
                        yield named_frame("error", output)
                    return
                elif kind == "unexpected_error":
                    yield named_frame("error", message.get("message"))
                    return
                elif kind == "close_stream":
                    return

        return EventStreamResponse(frames(), stop=ctx.stopping)  # type: ignore[return-value]

    async def run(request: Request) -> Response:
        username = ctx.auth.require(request)
        fn = find_fn(request.path_params["api_name"])
        body = await read_json_object(request)
        data = fill_skipped_inputs(fn, check_data(body))
        session_hash = check_session_hash(body.get("session_hash"), required=False) or uuid.uuid4().hex
        trigger_id = check_trigger_id(body)
        await ctx.start()
        from podium.queue.errors import EventFailed

        try:
            output = await engine.run_now(
                fn_index=fn.fn_index,
                data=data,
                session_hash=session_hash,
                request=ctx.request_info(request, session_hash=session_hash, username=username),
                event_data=body.get("event_data"),
                trigger_id=trigger_id,
            )
        except EventFailed as exc:
            return JSONResponse(getattr(exc, "payload", None) or {"error": None}, status_code=500)
        except Exception as exc:
            response = engine_error_response(exc, ctx.valid_api_names())
            if response is None:
                raise
            return response
        return JSONResponse(output)

    p = api_prefix
    return [
        Route(f"{p}/call/v2/{{api_name}}", call_v2, methods=["POST"]),
        Route(f"{p}/call/v2/{{api_name}}/{{event_id}}", call_stream, methods=["GET"]),
        Route(f"{p}/call/{{api_name}}", call, methods=["POST"]),
        Route(f"{p}/call/{{api_name}}/{{event_id}}", call_stream, methods=["GET"]),
        Route(f"{p}/run/{{api_name}}", run, methods=["POST"]),
        Route(f"{p}/api/{{api_name}}", run, methods=["POST"]),
    ]


__all__ = ["call_routes", "fill_skipped_inputs", "keyword_data"]
