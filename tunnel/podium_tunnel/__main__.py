"""`python -m podium_tunnel`: a standalone share server (`serve`) and a tunnel client (`http`).

    python -m podium_tunnel serve --bind 0.0.0.0:7000 --vhost 127.0.0.1:7080 \\
        --subdomain-host share.example.com --public-url https://share.example.com
    python -m podium_tunnel http --server share.example.com:7000 --local-port 7860 --name my-app

`serve` accepts every client (`OpenPolicy`; links live at most `--max-lifetime` seconds) until SIGINT/SIGTERM.
`http` prints `start proxy success: <remote address>` on stdout once the app is reachable, or
`login to server failed: <reason>` and exits 1: the lines tools that drive frpc look for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import sys
from collections.abc import Sequence

from podium_tunnel.policy import MAX_LIFETIME_S, OpenPolicy


def parse_address(text: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) as (host, port); `argparse.ArgumentTypeError` with a hint otherwise."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 0.0.0.0:7000 or [::1]:7000)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port_text)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _lifetime(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_LIFETIME_S:
        raise argparse.ArgumentTypeError(f"a share link lives at most 7 days ({MAX_LIFETIME_S} s); got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m podium_tunnel`."""
    parser = argparse.ArgumentParser(prog="python -m podium_tunnel", description="Podium's FRP share tunnels.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run a standalone share server (accepts every client)")
    serve.add_argument(
        "--bind",
        type=parse_address,
        default=("0.0.0.0", 7000),
        metavar="HOST:PORT",
        help="where tunnel clients connect (default 0.0.0.0:7000)",
    )
    serve.add_argument(
        "--vhost",
        type=parse_address,
        default=("127.0.0.1", 7080),
        metavar="HOST:PORT",
        help="where visitors' HTTP requests arrive (default 127.0.0.1:7080)",
    )
    serve.add_argument(
        "--subdomain-host", required=True, metavar="DOMAIN", help="links are SUBDOMAIN.DOMAIN (e.g. share.example.com)"
    )
    serve.add_argument(
        "--public-url",
        required=True,
        metavar="URL",
        help="scheme://DOMAIN[:PORT] as visitors reach it (e.g. https://share.example.com)",
    )
    serve.add_argument("--token", default="", help="FRP auth token clients must present (default: none)")
    serve.add_argument(
        "--max-lifetime",
        type=_lifetime,
        default=float(MAX_LIFETIME_S),
        metavar="SECONDS",
        help=f"close each tunnel after this long (default and maximum {MAX_LIFETIME_S}: 7 days)",
    )

    serve.add_argument(
        "--tls-cert", metavar="PEM", help="certificate (chain) for the tunnel port (default: self-signed)"
    )
    serve.add_argument("--tls-key", metavar="PEM", help="its private key, when not in the --tls-cert file")
    serve.add_argument("--tls-force", action="store_true", help="refuse clients that do not use TLS")

    http = commands.add_parser("http", help="expose a local HTTP app through a share server")
    http.add_argument(
        "--server",
        type=parse_address,
        required=True,
        metavar="HOST:PORT",
        help="the share server's tunnel address (e.g. share.example.com:7000)",
    )
    http.add_argument("--local-port", type=_port, required=True, metavar="N", help="the local app's port")
    http.add_argument(
        "--local-host", default="127.0.0.1", metavar="HOST", help="the local app's host (default 127.0.0.1)"
    )
    http.add_argument("--name", required=True, help="the proxy name (unique on the server; a share token)")
    http.add_argument("--subdomain", default="", help="the subdomain to ask for (the server may choose another)")
    http.add_argument("--token", default="", help="FRP auth token of the server (default: none)")
    http.add_argument("--tls", action="store_true", help="connect with TLS")
    http.add_argument("--use-encryption", "--ue", action="store_true", help="encrypt the proxied bytes (frpc --ue)")
    http.add_argument("--use-compression", "--uc", action="store_true", help="compress the proxied bytes (frpc --uc)")
    return parser


def _install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # platforms without signal handlers in the loop
            loop.add_signal_handler(sig, stop.set)


async def run_serve(args: argparse.Namespace) -> int:
    """Run the share server until SIGINT/SIGTERM."""
    from podium_tunnel.server import TunnelServer  # the server pulls in the whole protocol stack: load it on use

    bind_host, bind_port = args.bind
    vhost_host, vhost_port = args.vhost
    tls: ssl.SSLContext | None = None
    if args.tls_cert:
        try:
            tls = await asyncio.to_thread(_server_tls, args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as exc:
            print(f"cannot load the TLS certificate {args.tls_cert!r}: {exc}", file=sys.stderr)
            return 2
    server = TunnelServer(
        OpenPolicy(max_lifetime_s=args.max_lifetime),
        subdomain_host=args.subdomain_host,
        public_url=args.public_url,
        bind_host=bind_host,
        bind_port=bind_port,
        vhost_host=vhost_host,
        vhost_port=vhost_port,
        auth_token=args.token,
        tls=tls,
        tls_force=args.tls_force,
    )
    stop = asyncio.Event()
    _install_stop_signals(stop)
    try:
        await server.start()
    except OSError as exc:
        print(f"cannot start the share server: {exc}; is another server using these ports?", file=sys.stderr)
        return 1
    try:
        print(
            f"share server started: tunnels on {_format(bind_host, server.bind_port)}, visitors on "
            f"{_format(vhost_host, server.vhost_port)}, links {args.public_url} (*.{args.subdomain_host})",
            flush=True,
        )
        await stop.wait()
    finally:
        await server.close()
    return 0


async def run_http(args: argparse.Namespace) -> int:
    """Open the tunnel, print the frpc-style status line, and serve until SIGINT/SIGTERM or the server ends it."""
    from podium_tunnel.client import TunnelClient, TunnelError

    server_host, server_port = args.server
    client = TunnelClient(
        server_host,
        server_port,
        local_port=args.local_port,
        proxy_name=args.name,
        local_host=args.local_host,
        subdomain=args.subdomain,
        auth_token=args.token,
        tls=args.tls,
        use_encryption=args.use_encryption,
        use_compression=args.use_compression,
    )
    stop = asyncio.Event()
    _install_stop_signals(stop)
    try:
        remote_addr = await client.start()
    except (TunnelError, OSError) as exc:  # the line frpc-driving tools parse, whatever the cause
        print(f"login to server failed: {exc}", flush=True)
        await client.close()
        return 1
    print(f"start proxy success: {remote_addr}", flush=True)
    closed = asyncio.ensure_future(client.wait_closed())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if closed.done() and not closed.cancelled():
            print(f"tunnel closed: {closed.result().message}", file=sys.stderr, flush=True)
    finally:
        stopped.cancel()
        await client.close()
        closed.cancel()
        await asyncio.gather(closed, stopped, return_exceptions=True)
    return 0


def _server_tls(cert_file: str, key_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _format(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m podium_tunnel`; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and args.tls_key and not args.tls_cert:
        parser.error("--tls-key needs --tls-cert")
    runner = run_serve if args.command == "serve" else run_http
    try:
        return asyncio.run(runner(args))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 130


if __name__ == "__main__":
    sys.exit(main())
