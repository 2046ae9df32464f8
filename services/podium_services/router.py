"""`python -m podium_services.router`: serve Spaces at `NAME--OWNER.spaces.DOMAIN` (settings from PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... python -m podium_services.router [--port 8080] [--host 127.0.0.1]

Variables: PODIUM_SPACES_DOMAIN (default localhost), PODIUM_WAKE_TIMEOUT (seconds a request waits for a sleeping
Space, default 60), PODIUM_ROUTER_HOST / PODIUM_ROUTER_PORT, and the control plane's (database, public URL for
sign-in links). The router is the edge: it does not trust X-Forwarded-* from visitors (it appends to
X-Forwarded-For and sets the others itself).

Served by the router's own HTTP/1.1 server (`podium_cp.router.server`, uvloop); `--workers N` starts N processes
that each listen on the port (SO_REUSEPORT: the kernel spreads connections). PODIUM_ROUTER_SERVER=uvicorn serves
the same app with uvicorn instead (slower per request; kept for comparison).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys

from podium_cp.router import RouterConfig, SpacesRouter
from podium_cp.router.server import run
from podium_cp.settings import Settings, SettingsError
from podium_services.serving import serve, server_parser

SERVERS = ("podium", "uvicorn")


def build_app() -> SpacesRouter:
    """The ASGI app (uvicorn's factory mode, and the router's own server): each worker process builds its own."""
    return SpacesRouter(Settings.from_env(), RouterConfig.from_env())


def _worker(host: str, port: int) -> None:
    run(build_app, host, port, reuse_port=True)


def serve_workers(host: str, port: int, workers: int) -> int:
    """Run the router's own server in `workers` processes sharing host:port, until SIGINT or SIGTERM; the exit
    status (1 when a worker failed)."""
    if workers <= 1:
        run(build_app, host, port)
        return 0
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(host, port), daemon=False) for _ in range(workers)]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    # A worker still starting when asked to stop has no handler yet: SIGTERM ends it, as asked, not as a failure.
    stopped = (0, -signal.SIGTERM) if stopping else (0,)
    return 0 if all(process.exitcode in stopped for process in processes) else 1


def main(argv: list[str] | None = None) -> int:
    parser = server_parser(
        "podium_services.router", "Serve Podium Spaces.", "PODIUM_ROUTER_HOST", "PODIUM_ROUTER_PORT", 8080
    )
    args = parser.parse_args(argv)
    server = os.environ.get("PODIUM_ROUTER_SERVER") or "podium"
    try:
        Settings.from_env()
        config = RouterConfig.from_env()
        if server not in SERVERS:
            raise SettingsError(f"PODIUM_ROUTER_SERVER={server!r} is not one of {', '.join(SERVERS)}")
    except SettingsError as error:
        print(f"podium router: {error}", file=sys.stderr)
        return 2
    host, port = args.host or config.host, args.port or config.port
    if server == "podium":
        return serve_workers(host, port, args.workers)
    serve(
        "podium_services.router:build_app",
        host,
        port,
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
