"""`python -m podium_services.api`: serve the control plane's REST API (settings from PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... python -m podium_services.api [--workers N]

Migrations are not run here (`podium-cp migrate` or the platform launcher does it), so several API processes
can start at once.
"""

from __future__ import annotations

import argparse
import sys

from podium_cp.settings import Settings, SettingsError


def build_app():  # type: ignore[no-untyped-def]
    """The ASGI app for uvicorn's factory mode (each worker process builds its own)."""
    from podium_cp.api import create_app

    return create_app(Settings.from_env())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podium_services.api", description="Serve Podium's control-plane API.")
    parser.add_argument("--host", help="address to bind (default PODIUM_API_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default PODIUM_API_PORT or 8700)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"podium api: {error}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(
        "podium_services.api:build_app",
        factory=True,
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
