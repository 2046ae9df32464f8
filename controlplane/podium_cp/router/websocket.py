"""WebSockets through the router: accept the visitor, open the same path on the replica (`websockets`), pump
frames both ways, and pass close codes and reasons on in both directions."""

from __future__ import annotations

import asyncio
from urllib.parse import quote, urlsplit

from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from podium_cp.router import headers as rewrite

# Codes that describe a closing but may not be sent in a close frame (RFC 6455 7.4.1), and what to send instead.
_UNSENDABLE = {1005: 1000, 1006: 1011, 1015: 1011}


def _sendable(code: int | None) -> int:
    if code is None:
        return 1000
    return _UNSENDABLE.get(code, code)


async def refuse_websocket(scope: Scope, send: Send, status: int, page: bytes) -> None:
    """Refuse the handshake with the router's page and status where the server allows it, else a 1008 close."""
    if "websocket.http.response" in scope.get("extensions", {}):
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode())]
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": page})
    else:
        await send({"type": "websocket.close", "code": 1008})


async def proxy_websocket(scope: Scope, receive: Receive, send: Send, base_url: str) -> None:
    """Connect to the replica first (so a refusal there refuses the visitor), then pump until either side closes."""
    path = (scope.get("raw_path") or quote(scope["path"]).encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    client = scope.get("client")
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    replica = urlsplit(base_url)
    # The URI carries the visitor's Host (the app sees the public name); the socket goes to the replica.
    url = f"ws://{host.decode('latin-1') or replica.netloc}{path}" + (f"?{query}" if query else "")
    upstream_headers = rewrite.to_upstream(
        scope["headers"], client_ip=client[0] if client else None, scheme=scope.get("scheme", "ws"), host=host,
        drop=rewrite.WEBSOCKET_HANDSHAKE,
    )
    try:
        upstream = await connect(
            url,
            additional_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in upstream_headers],
            subprotocols=scope.get("subprotocols") or None,
            user_agent_header=None,
            max_size=None,  # the app decides what it accepts
            compression=None,
            open_timeout=10,
            host=replica.hostname,
            port=replica.port or 80,
        )
    except InvalidStatus as error:
        await send({"type": "websocket.close", "code": 1008 if error.response.status_code in (401, 403) else 1011})
        return
    except (OSError, InvalidHandshake, asyncio.TimeoutError):
        await send({"type": "websocket.close", "code": 1011, "reason": "The Space did not accept the connection"})
        return
    async with upstream:
        await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})
        await _pump_both_ways(upstream, receive, send)


async def _pump_both_ways(upstream: ClientConnection, receive: Receive, send: Send) -> None:
    async def visitor_to_app() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                await upstream.send(text if text is not None else message.get("bytes") or b"")
            elif message["type"] == "websocket.disconnect":
                await upstream.close(code=_sendable(message.get("code")), reason=message.get("reason") or "")
                return

    async def app_to_visitor() -> None:
        try:
            async for frame in upstream:
                if isinstance(frame, str):
                    await send({"type": "websocket.send", "text": frame})
                else:
                    await send({"type": "websocket.send", "bytes": frame})
        except ConnectionClosed:
            pass
        code = upstream.close_code
        reason = upstream.close_reason or ""
        try:
            await send({"type": "websocket.close", "code": _sendable(code), "reason": reason})
        except (OSError, RuntimeError):
            pass  # the visitor is already gone

    tasks = {asyncio.ensure_future(visitor_to_app()), asyncio.ensure_future(app_to_visitor())}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
