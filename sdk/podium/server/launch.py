"""`launch_blocks(blocks, **kwargs)`: what `Blocks.launch()` does.

It builds the settings, the file layer, the event engine and the Starlette app, binds the port (trying
the next ones up to 7959 when the default is taken), runs uvicorn in a background thread and returns as
soon as the socket accepts connections. With `share=True` it then opens a share link (podium.share): a
failure there is printed and the app stays local. The main thread then waits for Ctrl-C unless
`prevent_thread_lock=True` or Python is interactive.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from podium.server.settings import ServerSettings

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

    from podium.blocks import Blocks
    from podium.server.context import ServerContext
    from podium.share import Share

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0


class PortInUse(OSError):
    """No free port in the range the app may use."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (raises OSError if the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def bind_first_free(settings: ServerSettings) -> socket.socket:
    """Bind `server_port`; when the user did not choose the port, try the next ones too (like Gradio)."""
    first = settings.server_port
    last = first if settings.port_explicit else first + settings.num_ports - 1
    for port in range(first, last + 1):
        try:
            return bind_socket(settings.server_name, port)
        except OSError:
            continue
    span = f"{first}" if first == last else f"{first}-{last}"
    raise PortInUse(
        f"Cannot find an empty port in range: {span} on {settings.server_name}. Pass another `server_port` to "
        "launch() or set the PODIUM_SERVER_PORT (or GRADIO_SERVER_PORT) environment variable."
    )


def local_url_of(settings: ServerSettings, port: int) -> str:
    host = settings.server_name
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    scheme = "https" if settings.ssl_enabled else "http"
    return f"{scheme}://{host}:{port}/"


def _is_interactive() -> bool:
    return bool(getattr(sys, "ps1", None)) or bool(sys.flags.interactive) or "ipykernel" in sys.modules


class Server:
    """The running app server: `close()` stops it and frees the port; `block_thread()` waits for Ctrl-C."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket, ctx: ServerContext) -> None:
        self.server = server
        self.socket = sock
        self.ctx = ctx
        self.port: int = sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, name=f"podium-server-{self.port}", daemon=True)
        self.error: BaseException | None = None
        self.share: Share | None = None  # the share link's tunnel, closed with the server
        self._closed = False

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        except BaseException as exc:  # noqa: BLE001 - reported to the launching thread
            self.error = exc

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        delay = 0.0005
        while not self.server.started:
            if not self.thread.is_alive():
                self.socket.close()
                raise RuntimeError(f"The app server failed to start: {self.error!r}. See the log above for details.")
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"The app server did not start within {STARTUP_TIMEOUT:.0f} seconds.")
            time.sleep(delay)
            delay = min(delay * 2, 0.01)

    def close(self) -> None:
        """Stop the engine and uvicorn, and free the port. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.share is not None:
            self.share.close()
        loop = self.ctx.loop
        on_server_thread = self.thread is threading.current_thread()
        if loop is not None and self.thread.is_alive() and not loop.is_closed():
            # End open streams first: uvicorn waits for open connections before it shuts down.
            stopping = asyncio.run_coroutine_threadsafe(self.ctx.stop(), loop)
            if not on_server_thread:  # (an async handler closing its own app cannot wait for its loop)
                try:
                    stopping.result(SHUTDOWN_TIMEOUT)
                except Exception:  # noqa: BLE001 - shutting down anyway
                    pass
        self.server.should_exit = True
        if on_server_thread:
            return  # uvicorn finishes shutting down (and closes the socket) once the handler returns
        if self.thread.is_alive():
            self.thread.join(SHUTDOWN_TIMEOUT)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(SHUTDOWN_TIMEOUT)
        self.socket.close()

    def block_thread(self) -> None:
        """Wait until the server stops; Ctrl-C closes it."""
        try:
            while self.thread.is_alive():
                self.thread.join(0.5)
        except (KeyboardInterrupt, OSError):
            print("Keyboard interruption in main thread... closing server.")
        self.close()  # (also when the server stopped on its own: the share link's tunnel goes with it)


def _uvicorn_config(app: Starlette, settings: ServerSettings) -> uvicorn.Config:
    import uvicorn

    has_uvloop = importlib.util.find_spec("uvloop") is not None and sys.platform != "win32"
    has_httptools = importlib.util.find_spec("httptools") is not None
    return uvicorn.Config(
        app,
        loop="uvloop" if has_uvloop else "asyncio",
        http="httptools" if has_httptools else "h11",
        ws="none",
        lifespan="on",
        log_level="warning",
        access_log=False,
        ssl_keyfile=settings.ssl_keyfile,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile_password=settings.ssl_keyfile_password,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


def _apply_blocks_options(blocks: Blocks, kwargs: dict[str, Any]) -> None:
    """Gradio 6 moved theme/css/js/head to launch(); they still belong to the Blocks."""
    for name in ("theme", "css", "js", "head", "css_paths", "head_paths"):
        if kwargs.get(name) is not None:
            setattr(blocks, name, kwargs[name])


def launch_blocks(blocks: Blocks, **kwargs: Any) -> tuple[Starlette, str, str | None]:
    """Start serving `blocks`; returns `(app, local_url, share_url)`. See `Blocks.launch()`."""
    settings = ServerSettings.from_launch_kwargs(kwargs)
    _apply_blocks_options(blocks, kwargs)
    if blocks.server is not None:  # launching twice restarts the server, as Gradio does
        blocks.server.close()
        blocks.server = None

    import uvicorn

    from podium.server.app import create_app

    app = create_app(blocks, settings)
    ctx: ServerContext = app.state.podium
    sock = bind_first_free(settings)
    server = Server(uvicorn.Server(_uvicorn_config(app, settings)), sock, ctx)
    server.start()
    ctx.startup_events_fired = True  # Gradio's launch() calls /startup-events itself; clients then see false

    local_url = local_url_of(settings, server.port)
    blocks.server = server
    blocks.local_url = local_url
    blocks.share_url = None
    blocks.app = app  # type: ignore[attr-defined]
    if not settings.quiet:
        print(f"* Running on local URL:  {local_url.rstrip('/')}")
    share_url = _share(server, settings, kwargs) if settings.share else None
    blocks.share_url = share_url
    if not settings.prevent_thread_lock and not _is_interactive():
        server.block_thread()
    return app, local_url, share_url


def _dial_host(server_name: str) -> str:
    """The address the tunnel dials to reach the local app (a wildcard bind is reached on loopback)."""
    if server_name in ("0.0.0.0", ""):
        return "127.0.0.1"
    if server_name == "::":
        return "::1"
    return server_name


def _share(server: Server, settings: ServerSettings, kwargs: dict[str, Any]) -> str | None:
    """Open the share link for the running server; its URL, or None (the reason printed) when there is none."""
    from podium.share import ShareError, describe_expiry, open_share

    try:
        share = open_share(server.port, local_host=_dial_host(settings.server_name),
                           server=kwargs.get("share_server_address"), quiet=settings.quiet,
                           tls_certificate=kwargs.get("share_server_tls_certificate"))
    except ShareError as exc:
        print(f"* Could not create a share link: {exc}. The app runs locally only.")
        return None
    except Exception as exc:  # noqa: BLE001 - a share link never takes the local app down
        print(f"* Could not create a share link: {type(exc).__name__}: {exc}. The app runs locally only.")
        return None
    server.share = share
    token = share.link.deep_link_token
    if token and server.ctx.deep_links is not None:  # deep links made through the share URL go to its platform
        server.ctx.deep_links.use_share_link(share.url, share.link.server, token)
    print(f"* Running on public URL: {share.url}")  # printed even when quiet, as Gradio does
    if not settings.quiet:
        print(f"\n* This share link expires on {describe_expiry(share.expires_at)}. Stopping the app takes it "
              "offline sooner; for a permanent URL, push the app as a Space with `podium push`.")
    return share.url


__all__ = ["PortInUse", "Server", "bind_first_free", "launch_blocks", "local_url_of"]
