"""HTTP/1.1 messages for the router's own server (server.py) and its upstream client (upstream.py): a parsed
visitor request, and request and response heads as bytes."""

from __future__ import annotations

import asyncio
import http

REASONS = {status.value: status.phrase.encode() for status in http.HTTPStatus}
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Request:
    """One parsed request head and its body as it arrives (chunks are taken by the task forwarding it)."""

    __slots__ = ("method", "target", "headers", "version", "keep_alive", "upgrade", "chunks", "buffered",
                 "complete", "waiter", "rest", "started")

    def __init__(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], version: str,
                 keep_alive: bool, upgrade: bool) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.version = version
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.complete = False  # the whole body arrived
        self.waiter: asyncio.Future[None] | None = None
        self.rest = b""  # after an Upgrade head: bytes that already belong to the new protocol
        self.started = False  # some of the answer was written

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def header(self, name: bytes) -> bytes:
        for key, value in self.headers:
            if key == name:
                return value
        return b""


def _header_lines(parts: list[bytes], headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def response_head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    """`HTTP/1.1 STATUS REASON`, the headers and the blank line."""
    return _header_lines([b"HTTP/1.1 %d %b\r\n" % (status, REASONS.get(status, b""))], headers)


def request_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """`METHOD TARGET HTTP/1.1`, the headers and the blank line."""
    return _header_lines([method, b" ", target, b" HTTP/1.1\r\n"], headers)


def page_bytes(status: int, body: bytes, headers: list[tuple[bytes, bytes]], *, length: int | None = None) -> bytes:
    """A whole answer with a Content-Length (`length` when the body is left out, as for HEAD)."""
    size = str(len(body) if length is None else length).encode()
    return response_head(status, [*headers, (b"content-length", size)]) + body
