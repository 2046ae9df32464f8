"""What every platform process's `main()` shares: --host/--port/--workers and uvicorn in factory mode for servers;
signal handling and logging for background processes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from podium_cp.settings import Settings, SettingsError


def server_parser(prog: str, description: str, host_env: str, port_env: str, default_port: int) -> argparse.ArgumentParser:
    """An argument parser with --host, --port and --workers (defaults named after the environment variables)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", help=f"address to bind (default {host_env} or 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"port (default {port_env} or {default_port})")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    return parser


def serve(factory: str, host: str, port: int, workers: int, **options: Any) -> None:
    """Run `factory` ("module:function" building the ASGI app, once per worker) with uvicorn until stopped."""
    import uvicorn

    uvicorn.run(
        factory, factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False, **options
    )


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
