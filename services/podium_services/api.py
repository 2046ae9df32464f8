"""`python -m podium_services.api`: serve the control plane's REST API (settings from PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... python -m podium_services.api [--workers N]

It also listens on the Unix socket PODIUM_SPACES_API_SOCKET (default DATA_DIR/run/api.sock): Space containers
reach the API there (the socket's folder is mounted into them read-only).

Migrations are not run here (`podium-cp migrate` or the platform launcher does it), so several API processes
can start at once.
"""

from __future__ import annotations

import sys

from podium_cp.settings import Settings, SettingsError
from podium_services.serving import load_settings, serve, server_parser


def build_app():  # type: ignore[no-untyped-def]
    """The ASGI app for uvicorn's factory mode (each worker process builds its own)."""
    from podium_cp.api import create_app

    return create_app(Settings.from_env())


def main(argv: list[str] | None = None) -> int:
    parser = server_parser(
        "podium_services.api", "Serve Podium's control-plane API.", "PODIUM_API_HOST", "PODIUM_API_PORT", 8700
    )
    args = parser.parse_args(argv)
    settings = load_settings("podium api")
    if settings is None:
        return 2
    try:
        serve(
            "podium_services.api:build_app",
            args.host or settings.api_host,
            args.port or settings.api_port,
            args.workers,
            unix_socket=settings.spaces_api_socket,  # where Space containers reach the API (docs/design/deep-links.md)
            proxy_headers=True,
        )
    except (SettingsError, OSError) as error:
        print(f"podium api: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
