"""A keep-alive HTTP/1.1 connection pool over `http.client`, for the two requests every call makes
(`queue/join` and opening `queue/data`).

httpx spends about three times as much CPU per request as `http.client`; at a thousand calls a second
that is the difference between the client and the server being the bottleneck. Only plain-http apps
without custom httpx options use it (see `FastHTTP.usable`); everything else goes through httpx.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from podium.client.errors import ServerConnectionError

_STALE_ERRORS = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionResetError, BrokenPipeError)
_CHUNK = 1 << 16


class FastHTTP:
    """Pooled `http.client` connections to one plain-http origin."""

    @staticmethod
    def usable(src: str, httpx_kwargs: dict[str, Any] | None) -> bool:
        """Whether requests to `src` can skip httpx without losing anything the caller asked for."""
        return src.startswith("http://") and not set(httpx_kwargs or {}) - {"timeout"}

    def __init__(self, src: str, headers: dict[str, str], timeout: float) -> None:
        parsed = urllib.parse.urlsplit(src)
        self._host = parsed.hostname or "localhost"
        self._port = parsed.port or 80
        self._base_path = parsed.path.rstrip("/")
        self._src = src
        self._headers = {"user-agent": "podium-client", **headers}
        self._timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post_json(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body` (JSON) to `url`; return the status and the response body."""
        path = self._path(url)
        all_headers = {**self._headers, **headers, "content-type": "application/json"}
        for attempt in (0, 1):
            conn, reused = self._acquire()
            try:
                conn.request("POST", path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except _STALE_ERRORS as exc:
                conn.close()
                if reused and attempt == 0:
                    continue  # the server closed an idle keep-alive connection: retry on a new one
                raise self._unreachable(exc) from exc
            except OSError as exc:
                conn.close()
                raise self._unreachable(exc) from exc
            self._release(conn, response)
            return response.status, data
        raise AssertionError("unreachable")

    @contextmanager
    def stream_get(self, url: str) -> Iterator[tuple[int, Iterator[bytes], socket.socket | None]]:
        """GET `url` as a stream: yields (status, chunks, socket); the socket lets another thread interrupt it."""
        headers = {**self._headers, "accept": "text/event-stream"}
        for attempt in (0, 1):
            conn, reused = self._acquire()
            try:
                conn.request("GET", self._path(url), headers=headers)
                response = conn.getresponse()
                break
            except _STALE_ERRORS as exc:
                conn.close()
                if not (reused and attempt == 0):
                    raise self._unreachable(exc) from exc
            except OSError as exc:
                conn.close()
                raise self._unreachable(exc) from exc
        if conn.sock is not None:
            conn.sock.settimeout(None)  # an event stream may stay quiet for long
        finished = False

        def chunks() -> Iterator[bytes]:
            nonlocal finished
            while True:
                try:
                    data = response.read1(_CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise ServerConnectionError(f"Lost the connection to the app at {self._src} ({exc}).") from exc
                if not data:
                    finished = True
                    return
                yield data

        try:
            yield response.status, chunks(), conn.sock
        finally:
            if finished and not response.will_close and conn.sock is not None:
                conn.sock.settimeout(self._timeout)
                self._release(conn, response)
            else:
                conn.close()  # left mid-stream: the connection cannot be reused

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _path(self, url: str) -> str:
        if not url.startswith(self._src):
            raise ValueError(f"{url} is not under {self._src}")
        return self._base_path + "/" + url[len(self._src):]

    def _acquire(self) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection the server has not closed, else a new one; and whether it was reused."""
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn = self._idle.pop()
            if conn.sock is not None and not _readable(conn.sock):
                return conn, True
            conn.close()  # readable while idle means the server closed it (or sent junk)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout), False

    def _release(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        if response.will_close:
            conn.close()
            return
        with self._lock:
            self._idle.append(conn)

    def _unreachable(self, exc: BaseException) -> ServerConnectionError:
        return ServerConnectionError(
            f"Could not reach the app at {self._src} ({type(exc).__name__}: {exc}). Is it running?"
        )


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read now (for an idle keep-alive socket: it was closed)."""
    if hasattr(select, "poll"):  # poll has no FD_SETSIZE limit, unlike select
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)
