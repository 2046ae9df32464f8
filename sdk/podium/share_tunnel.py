"""A share link's tunnel in a process of its own: `python -m podium.share_tunnel`, started by `podium.share`.

Why a process and not a thread of the app: the tunnel's work per request (yamux frames, copying bytes to the app's
port) would run under the app's GIL, and contending for it costs the app more CPU than the work itself
(load/bench_share.py: a Podium app kept about half of its direct throughput with the tunnel in a thread, and
more with it in a process). A model holding the GIL for seconds cannot stall the tunnel either.

The parent writes one JSON line on the child's stdin (the tunnel's settings, the secret token included: never on
the command line, which other users can read) and keeps stdin open. The child answers with JSON lines on stdout:
`{"event": "ready", "url": ...}` or `{"event": "failed", "error": CLASS, "reason": ...}`, then the tunnel's
events `{"event": KIND, "message": ..., "delay": ...}` (kinds of `podium_tunnel.client.TunnelEvent`). It ends
when its stdin closes (the parent closed the share, or died), on SIGTERM, or when the tunnel ends for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium_tunnel.client import TunnelEvent


class TunnelProcessError(Exception):
    """The tunnel did not open; `kind` is the tunnel's error class name (e.g. TunnelRejected), `reason` why."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class TunnelProcess:
    """The parent's side: starts the child, reads its events on a daemon thread, stops it on `close()`."""

    def __init__(self, settings: dict[str, Any], on_event: Callable[[TunnelEvent], None]) -> None:
        self._settings = settings
        self._on_event = on_event
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._url: str | None = None
        self._error: TunnelProcessError | None = None
        self._closing = False

    def start(self, timeout: float) -> str:
        """Start the child and wait until its tunnel serves; the public URL, or TunnelProcessError."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "podium.share_tunnel"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(self._settings).encode() + b"\n")
        self._process.stdin.flush()
        threading.Thread(target=self._read_events, name="podium-share-events", daemon=True).start()
        if not self._ready.wait(timeout):
            self.close()
            raise TunnelProcessError("TunnelConnectError", f"the tunnel did not open within {timeout:g} s")
        if self._error is not None:
            self.close()
            raise self._error
        assert self._url is not None
        return self._url

    def close(self, timeout: float = 5.0) -> None:
        """Close the child's stdin (it closes its tunnel and exits); kill it if it does not within `timeout`."""
        self._closing = True
        process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _read_events(self) -> None:
        from podium_tunnel.client import TunnelEvent

        process = self._process
        assert process is not None and process.stdout is not None
        final = False
        for raw in process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue  # not ours (a library printing to stdout): ignore
            kind = message.get("event")
            if kind == "ready":
                self._url = str(message["url"])
                self._ready.set()
            elif kind == "failed":
                self._error = TunnelProcessError(str(message.get("error")), str(message.get("reason")))
                self._ready.set()
            elif isinstance(kind, str):
                final = final or kind in ("killed", "rejected", "closed")
                self._on_event(TunnelEvent(kind, str(message.get("message") or ""), message.get("delay")))  # type: ignore[arg-type]
        code = process.wait()
        if not self._ready.is_set():
            self._error = TunnelProcessError("TunnelError", f"the tunnel process ended (exit status {code})")
            self._ready.set()
        elif not final and not self._closing:
            self._on_event(TunnelEvent("rejected", f"the tunnel process ended unexpectedly (exit status {code})"))


# --- the child ------------------------------------------------------------------------------------------------


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _serve() -> int:
    import ssl

    from podium_tunnel.client import TunnelClient

    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    settings = json.loads(await stdin.readline())
    tls: bool | ssl.SSLContext = bool(settings.get("tls"))
    if tls and settings.get("cafile"):
        tls = ssl.create_default_context(cafile=settings["cafile"])

    def on_event(event: TunnelEvent) -> None:
        _emit({"event": event.kind, "message": event.message, "delay": event.delay})

    client = TunnelClient(
        settings["host"], int(settings["port"]), local_port=int(settings["local_port"]),
        local_host=settings.get("local_host") or "127.0.0.1", proxy_name=settings["token"],
        subdomain=settings.get("subdomain") or "", auth_token=settings.get("auth_token") or "", tls=tls,
        server_name=settings.get("server_name"), http_proxy=settings.get("http_proxy"), on_event=on_event,
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        url = await client.start()
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the parent, which explains it
        kind = "TunnelConnectError" if isinstance(exc, OSError) else type(exc).__name__  # refused, unreachable, timed out
        _emit({"event": "failed", "error": kind, "reason": getattr(exc, "reason", None) or str(exc) or type(exc).__name__})
        await client.close()
        return 1
    _emit({"event": "ready", "url": url})

    async def parent_gone() -> None:
        while await stdin.read(4096):
            pass

    waits = [asyncio.ensure_future(w) for w in (parent_gone(), stop.wait(), client.wait_closed())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await client.close()
    return 0


def main() -> int:
    """Entry point of `python -m podium.share_tunnel` (run by podium.share, not by people)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_serve())
    return uvloop.run(_serve())


if __name__ == "__main__":
    sys.exit(main())
