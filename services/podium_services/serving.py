"""What every platform process's `main()` shares: --host/--port/--workers and uvicorn in factory mode for servers;
signal handling and logging for background processes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from podium_cp.settings import Settings, SettingsError


def server_parser(prog: str, description: str, host_env: str, port_env: str, default_port: int) -> argparse.ArgumentParser:
    """An argument parser with --host, --port and --workers (defaults named after the environment variables)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", help=f"address to bind (default {host_env} or 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"port (default {port_env} or {default_port})")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    return parser


def serve(factory: str, host: str, port: int, workers: int, *, unix_socket: Path | None = None, **options: Any) -> None:
    """Run `factory` ("module:function" building the ASGI app, once per worker) with uvicorn until stopped.

    With `unix_socket`, the same app also listens on that Unix socket (see `bind_unix_socket`), which is removed
    when the server stops.
    """
    import uvicorn

    if unix_socket is None:
        uvicorn.run(
            factory, factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False,
            **options,
        )
        return
    config = uvicorn.Config(
        factory, factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False, **options
    )
    listeners = [config.bind_socket()]
    unix = bind_unix_socket(unix_socket)
    if unix is not None:
        listeners.append(unix)
    # uvicorn re-raises a SIGTERM it caught once it has shut down; as SystemExit, the `finally` below still runs.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=listeners).run()
        else:
            uvicorn.Server(config).run(sockets=listeners)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for listener in listeners:
            listener.close()
        if unix is not None:
            unix_socket.unlink(missing_ok=True)


def bind_unix_socket(path: Path) -> socket.socket | None:
    """A listening Unix socket at `path` that anyone may connect to (0666; Space containers reach the API there).

    Creates the folder (0755) when missing and removes a stale socket file left by a server that was killed. When
    another server answers there already, returns None (it keeps serving that path) and says so on stderr.
    """
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if len(os.fsencode(path)) > 107:
        raise SettingsError(f"the Unix socket path {path} is longer than 107 bytes; set PODIUM_SPACES_API_SOCKET "
                            "to a shorter one")
    if path.is_socket():
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
            except OSError:
                path.unlink()  # nobody listens: a stale socket
            else:
                print(f"another server already listens on {path}; not listening there", file=sys.stderr)
                return None
    elif path.exists():
        raise SettingsError(f"{path} exists and is not a Unix socket; remove it or set PODIUM_SPACES_API_SOCKET")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    path.chmod(0o666)
    listener.set_inheritable(True)
    return listener


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def load_settings(prog: str) -> Settings | None:
    """The control plane's settings from the environment; None (after saying why on stderr) when they are wrong."""
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return None


def run_until_stopped(prog: str, body: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run `body(stop)` (a background process: builder, reconciler) until SIGINT or SIGTERM sets `stop`.

    Logs go to stderr as `prog: message`. Returns the process's exit code.
    """
    logging.basicConfig(level=logging.INFO, format=f"{prog}: %(message)s", stream=sys.stderr)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await body(stop)

    asyncio.run(main())
    return 0
