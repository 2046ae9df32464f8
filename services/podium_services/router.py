"""`python -m podium_services.router`: serve Spaces at `NAME--OWNER.spaces.DOMAIN` (settings from PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... python -m podium_services.router [--port 8080] [--host 127.0.0.1]

Variables: PODIUM_SPACES_DOMAIN (default localhost), PODIUM_WAKE_TIMEOUT (seconds a request waits for a sleeping
Space, default 60), PODIUM_ROUTER_HOST / PODIUM_ROUTER_PORT, and the control plane's (database, public URL for
sign-in links). The router is the edge: it does not trust X-Forwarded-* from visitors (it appends to
X-Forwarded-For and sets the others itself).
"""

from __future__ import annotations

import sys

from podium_cp.router import RouterConfig, SpacesRouter
from podium_cp.settings import Settings, SettingsError
from podium_services.serving import serve, server_parser


def build_app() -> SpacesRouter:
    """The ASGI app for uvicorn's factory mode (each worker process builds its own)."""
    return SpacesRouter(Settings.from_env(), RouterConfig.from_env())


def main(argv: list[str] | None = None) -> int:
    parser = server_parser(
        "podium_services.router", "Serve Podium Spaces.", "PODIUM_ROUTER_HOST", "PODIUM_ROUTER_PORT", 8080
    )
    args = parser.parse_args(argv)
    try:
        Settings.from_env()
        config = RouterConfig.from_env()
    except SettingsError as error:
        print(f"podium router: {error}", file=sys.stderr)
        return 2
    serve(
        "podium_services.router:build_app",
        args.host or config.host,
        args.port or config.port,
        args.workers,
        proxy_headers=False,
        ws="websockets-sansio",
        # The replica's own Date and Server headers are passed on; uvicorn's would be duplicates.
        server_header=False,
        date_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
