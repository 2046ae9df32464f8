"""The session heartbeat (`GET heartbeat/{session_hash}`, spec section 6): while it is open the server keeps
the session's State; when it closes the server runs the app's unload events."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from podium.client.transport import Transport

_MAX_BACKOFF = 30.0


class Heartbeat:
    """A daemon thread that keeps one session's heartbeat stream open until `stop()`."""

    def __init__(self, transport: Transport, api_url: str, session_hash: str) -> None:
        self._transport = transport
        self._url = f"{api_url}heartbeat/{session_hash}"
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name=f"podium-client-heartbeat-{session_hash[:8]}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the stream (the server then treats the session as gone) and end the thread."""
        self._stopped.set()
        with self._lock:
            response = self._response
        if response is not None:
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _run(self) -> None:
        import httpx

        backoff = 1.0
        while not self._stopped.is_set():
            try:
                with self._transport.stream("GET", self._url, timeout=httpx.Timeout(None, connect=10.0)) as response:
                    if 400 <= response.status_code < 500 and response.status_code != 429:
                        return  # the app has no heartbeat route (or refuses it): nothing to keep alive
                    with self._lock:
                        self._response = response
                    for _ in response.iter_bytes():
                        backoff = 1.0
                        if self._stopped.is_set():
                            return
            except Exception:  # noqa: BLE001 - best effort: any failure means "retry later"
                pass
            finally:
                with self._lock:
                    self._response = None
            self._stopped.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
