"""HTTP plumbing shared by the client's parts: one pooled httpx client, and HTTP failures turned into
`ClientError`s with messages that say what to do."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from podium.client.errors import (
    AuthenticationError,
    ClientError,
    QueueFullError,
    ServerConnectionError,
    ValidationError,
)
from podium.client.fasthttp import FastHTTP

if TYPE_CHECKING:
    import httpx

# Enough pooled connections for hundreds of concurrent callers on one Client (one is the event stream).
_MAX_CONNECTIONS = 512
_DEFAULT_TIMEOUT = 60.0


class Transport:
    """The httpx client of one `Client`: pooled connections, shared cookies and headers."""

    def __init__(self, src: str, headers: dict[str, str] | None, httpx_kwargs: dict[str, Any] | None) -> None:
        import httpx

        self.src = src
        kwargs: dict[str, Any] = {
            "timeout": httpx.Timeout(_DEFAULT_TIMEOUT, connect=10.0),
            "limits": httpx.Limits(max_connections=_MAX_CONNECTIONS, max_keepalive_connections=_MAX_CONNECTIONS),
            "follow_redirects": True,
        }
        kwargs.update(httpx_kwargs or {})
        self.http = httpx.Client(headers=headers or {}, **kwargs)
        self._headers = dict(headers or {})
        self._httpx_kwargs = httpx_kwargs
        self.fast: FastHTTP | None = None

    def enable_fast_path(self) -> None:
        """Use `http.client` for joins and event streams when nothing httpx-specific is needed. Called after
        login and config, so the cookies those set (all from this app) go along as a fixed header."""
        if FastHTTP.usable(self.src, self._httpx_kwargs):
            headers = dict(self._headers)
            cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar if not c.secure)
            if cookies:
                headers["cookie"] = cookies
            self.fast = FastHTTP(self.src, headers, _DEFAULT_TIMEOUT)

    def post_json(self, url: str, body: bytes, headers: dict[str, str], action: str) -> bytes:
        """POST a JSON body and return the response body; a non-2xx answer raises the fitting ClientError."""
        if self.fast is not None:
            status, content = self.fast.post_json(url, body, headers)
            if not 200 <= status < 300:
                check_response(_as_httpx_response("POST", url, status, content), action)
            return content
        response = self.request("POST", url, content=body, headers={**headers, "content-type": "application/json"})
        check_response(response, action)
        return response.content

    @contextmanager
    def event_stream(self, url: str, action: str) -> Iterator[tuple[Iterator[bytes], socket.socket | None]]:
        """Open an event stream: yields its byte chunks and its socket (shut it down to interrupt a reader)."""
        if self.fast is not None:
            with self.fast.stream_get(url) as (status, chunks, sock):
                if not 200 <= status < 300:
                    check_response(_as_httpx_response("GET", url, status, b"".join(chunks)), action)
                yield chunks, sock
            return
        import httpx

        with self.stream("GET", url, timeout=httpx.Timeout(None, connect=10.0)) as response:
            if not response.is_success:
                response.read()
                check_response(response, action)
            network = response.extensions.get("network_stream")
            sock = network.get_extra_info("socket") if network is not None else None
            yield response.iter_bytes(), sock if isinstance(sock, socket.socket) else None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; an unreachable server raises `ServerConnectionError` instead of an httpx error."""
        import httpx

        try:
            return self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise ServerConnectionError(
                f"Could not reach the app at {self.src} ({type(exc).__name__}: {exc}). Is it running, and is the "
                "URL right?"
            ) from exc

    @contextmanager
    def stream(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """Open a streamed response (the event stream, downloads), with the same error translation."""
        import httpx

        try:
            with self.http.stream(method, url, **kwargs) as response:
                yield response
        except httpx.TransportError as exc:
            raise ServerConnectionError(
                f"Lost the connection to the app at {self.src} ({type(exc).__name__}: {exc})."
            ) from exc

    def close(self) -> None:
        """Close every pooled connection (this also ends open streams)."""
        if self.fast is not None:
            self.fast.close()
        self.http.close()


def _as_httpx_response(method: str, url: str, status: int, content: bytes) -> httpx.Response:
    import httpx

    return httpx.Response(status, content=content, request=httpx.Request(method, url))


def json_dumps(value: Any) -> bytes:
    """Encode a request body; orjson when installed (it is several times faster), else the stdlib."""
    try:
        import orjson
    except ImportError:
        import json

        return json.dumps(value, separators=(",", ":")).encode()
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


def json_loads(data: bytes | str) -> Any:
    """Decode a response body or an event-stream frame."""
    try:
        import orjson
    except ImportError:
        import json

        return json.loads(data)
    return orjson.loads(data)


def response_detail(response: httpx.Response) -> Any:
    """The `detail` (or `error`) of an error response, else its text, for error messages."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "error"):
            if key in body:
                return body[key]
    return body


def check_response(response: httpx.Response, action: str) -> None:
    """Raise the `ClientError` that fits a failed `response` to `action` (e.g. "join the queue")."""
    if response.is_success:
        return
    status = response.status_code
    detail = response_detail(response)
    if status == 401 or status == 403 and "auth" in str(detail).lower():
        raise AuthenticationError(
            f"The app at {response.url} needs you to log in to {action} (HTTP {status}: {_describe(detail)}). "
            "Pass auth=(username, password) to Client."
        )
    if status == 503:
        raise QueueFullError(f"Could not {action}: the app's queue is full or stopped ({_describe(detail)}). Retry later.")
    if status == 422:
        raise validation_error(detail, action)
    if status == 429:
        raise ClientError(f"Could not {action}: the app says there are too many requests (HTTP 429). Slow down.")
    raise ClientError(f"Could not {action}: the app answered HTTP {status} ({_describe(detail)}).")


def validation_error(detail: Any, action: str) -> ValidationError:
    """A `ValidationError` from a 422 `detail`: validator entries, or pydantic-style errors."""
    entries = detail if isinstance(detail, list) else [detail]
    failures = [
        e for e in entries
        if isinstance(e, dict) and e.get("__type__") == "validate" and e.get("is_valid") is False
    ]
    if failures:
        parts = []
        for failure in failures:
            name = failure.get("parameter_name")
            message = failure.get("message") or "invalid value"
            parts.append(f"{name}: {message}" if name else str(message))
        return ValidationError("The app rejected the inputs: " + "; ".join(parts), failures)
    errors = [e for e in entries if isinstance(e, dict)]
    return ValidationError(f"Could not {action}: the app rejected the request ({_describe(detail)}).", errors)


def _describe(detail: Any) -> str:
    text = str(detail)
    return text if len(text) <= 300 else text[:297] + "..."
