"""`python -m podium_services.share`: the share server: tunnels from laptops for share links (PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... python -m podium_services.share [--bind HOST:PORT] [--vhost HOST:PORT]

Tunnel clients (the SDK's `launch(share=True)`, `podium share`, or a stock frpc) dial `--bind` (default
PODIUM_SHARE_BIND); visitors come through the router to `--vhost` (default PODIUM_SHARE_VHOST). Which token may
open which link, and until when, is decided by `podium_cp.share.policy.DatabasePolicy` from Postgres, so a
restart keeps every link's expiry and revocation. Stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import ssl
import sys

from podium_cp.db import Database
from podium_cp.settings import Settings, split_host_port
from podium_cp.share.policy import DatabasePolicy
from podium_services.serving import load_settings, run_until_stopped
from podium_tunnel.server import TunnelServer

logger = logging.getLogger("podium_services.share")

PROG = "podium share server"

# What a visitor sees at a subdomain no tunnel serves: self-contained (no external assets), small.
NOT_FOUND_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Share link not available - Podium</title>
<style>body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f5f2;color:#22211f}
main{max-width:32rem;padding:2rem;text-align:center}h1{font-size:1.4rem;margin:0 0 .75rem}
p{line-height:1.5;color:#55524c}.mark{font-weight:700;letter-spacing:.04em;color:#6b4fd8;margin-bottom:1.5rem}</style>
</head><body><main><div class="mark">Podium</div>
<h1>This share link is not available</h1>
<p>This share link has expired, was revoked, or its app is not running.</p>
<p>Share links last at most a week. Ask whoever sent it for a new one.</p>
</main></body></html>
"""


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The tunnel port's TLS context from PODIUM_SHARE_TLS_CERT / _KEY (None: the server makes a self-signed one
    for clients that ask for TLS anyway)."""
    if settings.share_tls_cert is None or settings.share_tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.share_tls_cert, settings.share_tls_key)
    return context


def share_server(
    settings: Settings,
    policy: DatabasePolicy,
    *,
    bind: tuple[str, int] | None = None,
    vhost: tuple[str, int] | None = None,
    sweep_interval: float = 1.0,
) -> TunnelServer:
    """The share server of these settings (not started): `bind` / `vhost` override PODIUM_SHARE_BIND / _VHOST."""
    bind_host, bind_port = bind or split_host_port(settings.share_bind)
    vhost_host, vhost_port = vhost or split_host_port(settings.share_vhost)
    return TunnelServer(
        policy,
        subdomain_host=f"share.{settings.spaces_domain}",
        public_url=settings.share_public_url,
        bind_host=bind_host,
        bind_port=bind_port,
        vhost_host=vhost_host,
        vhost_port=vhost_port,
        auth_token=settings.share_auth_token,
        tls=tls_context(settings),
        sweep_interval=sweep_interval,
        not_found_page=NOT_FOUND_PAGE,
    )


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 0.0.0.0:7000)")
    return host.strip("[]"), int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podium_services.share", description="Serve Podium's share links.")
    parser.add_argument("--bind", type=_address, help="where tunnel clients connect (default PODIUM_SHARE_BIND)")
    parser.add_argument("--vhost", type=_address, help="where visitors' HTTP arrives (default PODIUM_SHARE_VHOST)")
    args = parser.parse_args(argv)
    settings = load_settings(PROG)
    if settings is None:
        return 2
    try:
        tls_context(settings)
    except (OSError, ssl.SSLError) as error:
        print(f"{PROG}: cannot load PODIUM_SHARE_TLS_CERT / PODIUM_SHARE_TLS_KEY: {error}", file=sys.stderr)
        return 2

    async def body(stop: asyncio.Event) -> None:
        database = Database(settings.database_url, pool_size=5, max_overflow=5)
        server = share_server(settings, DatabasePolicy(database, settings), bind=args.bind, vhost=args.vhost)
        try:
            try:
                await server.start()
            except OSError as error:
                logger.error("cannot listen (%s); is another share server running? Pick other ports with "
                             "--bind / --vhost (or PODIUM_SHARE_BIND / PODIUM_SHARE_VHOST)", error)
                raise SystemExit(1) from None
            scheme, _, suffix = settings.share_public_url.partition("://")
            logger.info("links at %s://SUB.%s; tunnel clients on %s:%d, visitors on %s:%d", scheme, suffix,
                        server.bind_host, server.bind_port, server.vhost_host, server.vhost_port)
            await stop.wait()
        finally:
            await server.close()
            await database.dispose()

    return run_until_stopped(PROG, body)


if __name__ == "__main__":
    sys.exit(main())
