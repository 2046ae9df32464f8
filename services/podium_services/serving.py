"""What every platform process's `main()` shares: --host/--port/--workers, and uvicorn in factory mode."""

from __future__ import annotations

import argparse
from typing import Any


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
