"""Share links: a public URL `http://SUB.share.DOMAIN[:PORT]` for an app running on this machine.

`open_share(port)` asks a Podium platform's share service for a link (`POST /api/share/links`), then keeps an FRP
tunnel open from here to its share server (`podium_tunnel`'s client, in a child process: `podium.share_tunnel`)
that carries the visitors' requests to the local app. `launch(share=True)` and `podium share PORT` use it. Links live at most
7 days; the server enforces expiry and revocation.

Which platform: `share_server_address=` / `--server`, else `PODIUM_SHARE_SERVER`, else `PODIUM_SERVER`, else the
last server `podium login` stored (no scheme means http://). The API token `podium login` stored for that server
is sent when there is one; without it the link is anonymous (rate-limited per address).
Nothing here is imported by `import podium`: httpx and the tunnel load when a link is asked for.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from podium.platform_auth import error_message

if TYPE_CHECKING:
    from podium.share_tunnel import TunnelProcess
    from podium_tunnel.client import TunnelEvent

SHARE_SERVER_ENV = "PODIUM_SHARE_SERVER"
TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 30.0
MAX_LIFETIME_S = 7 * 24 * 3600


class ShareError(Exception):
    """A share link could not be made, listed or revoked; the message says why and what to do."""


@dataclass(frozen=True)
class TunnelAddress:
    """Where the tunnel client dials: the share server's tunnel port, as the link's answer names it."""

    host: str
    port: int
    tls: bool
    auth_token: str
    server_name: str | None


@dataclass(frozen=True)
class ShareLink:
    """A share link as the share service made it. `token` is the tunnel's secret (the proxy name)."""

    id: str
    token: str
    subdomain: str
    url: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    tunnel: TunnelAddress
    server: str
    deep_link_token: str | None = None  # lets the shared app store its deep links with `server` (docs/deep-links.md)


# --- which platform, which token --------------------------------------------------------------------------


def normalize_share_server(url: str) -> str:
    """`url` without a trailing slash; no scheme means http:// (the platform's API is often on a local port)."""
    url = url.strip().rstrip("/")
    if not url:
        raise ShareError(f"The share server is empty; set {SHARE_SERVER_ENV}=http://HOST:PORT")
    if "://" not in url:
        url = "http://" + url
    if not url.startswith(("http://", "https://")):
        raise ShareError(f"{url!r} is not an http(s) URL; set {SHARE_SERVER_ENV}=http://HOST:PORT")
    return url


def resolve_share_server(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The platform to ask for links: `explicit`, else $PODIUM_SHARE_SERVER, else $PODIUM_SERVER, else the last
    server `podium login` stored."""
    from podium import platform_auth

    env = os.environ if environ is None else environ
    chosen = (explicit or "").strip() or (env.get(SHARE_SERVER_ENV) or "").strip()
    chosen = chosen or (env.get(platform_auth.SERVER_ENV) or "").strip()
    if not chosen:
        try:
            chosen = str(platform_auth.load_credentials().get("default") or "")
        except platform_auth.PlatformAuthError as exc:
            raise ShareError(str(exc)) from None
    if not chosen:
        raise ShareError(
            f"No share server is set. Set {SHARE_SERVER_ENV}=http://HOST:PORT (the Podium platform's API; `make up` "
            "prints it), pass share_server_address= to launch() or --server to `podium share`, or sign in with "
            "`podium login --server URL`."
        )
    return normalize_share_server(chosen)


def stored_token(server: str) -> str | None:
    """The API token `podium login` stored for `server`, if any (an unreadable credentials file counts as none)."""
    from podium import platform_auth

    try:
        return platform_auth.stored_token(server)
    except platform_auth.PlatformAuthError:
        return None


# --- the share service's API --------------------------------------------------------------------------------


def _call(method: str, server: str, path: str, *, token: str | None, **kwargs: Any) -> Any:
    """One request to the share API; ShareError when the server cannot be reached."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        return httpx.request(method, f"{server}{path}", headers=headers, timeout=TIMEOUT_S, **kwargs)
    except httpx.ConnectError:
        raise ShareError(
            f"no share service at {server}; start the platform with `make up` or set {SHARE_SERVER_ENV}"
        ) from None
    except httpx.HTTPError as exc:
        raise ShareError(f"cannot reach the share service at {server}: {exc or type(exc).__name__}") from None


def _refusal(server: str, response: Any, doing: str) -> ShareError:
    """A ShareError for a non-success answer, with what to do for the ones users hit."""
    status = response.status_code
    if status == 401:
        return ShareError(f"{server} refused the stored API token ({error_message(response)}); sign in again with "
                          f"`podium login --server {server}`")
    if status == 404 and doing == "create":
        return ShareError(f"{server} has no share service (POST /api/share/links answered 404); check "
                          f"{SHARE_SERVER_ENV}: it names the Podium platform's API, e.g. http://127.0.0.1:8700")
    if status == 429:
        retry = response.headers.get("retry-after", "")
        wait = f" in {_duration(int(retry))}" if retry.isdigit() else " later"
        return ShareError(f"{server} refused a new share link: {error_message(response)}. Try again{wait}, or sign in "
                          f"with `podium login --server {server}` (signed-in users are not limited per address)")
    return ShareError(f"{server} answered {status}: {error_message(response)}")


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _parse_link(server: str, body: Any) -> ShareLink:
    try:
        tunnel = body["tunnel"]
        return ShareLink(
            id=str(body["id"]), token=str(body["token"]), subdomain=str(body["subdomain"]), url=str(body["url"]),
            label=body.get("label"), created_at=_aware(body["created_at"]), expires_at=_aware(body["expires_at"]),
            tunnel=TunnelAddress(host=str(tunnel["host"]), port=int(tunnel["port"]), tls=bool(tunnel.get("tls")),
                                 auth_token=str(tunnel.get("auth_token") or ""),
                                 server_name=tunnel.get("server_name") or None),
            server=server, deep_link_token=body.get("deep_link_token") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ShareError(f"{server} answered POST /api/share/links with an unexpected body ({exc!r}); is it a "
                         "Podium platform of the same version?") from None


def request_link(server: str, *, token: str | None, lifetime_s: int | None = None,
                 label: str | None = None) -> ShareLink:
    """Ask `server` (normalized, e.g. http://127.0.0.1:8700) for a new share link."""
    body: dict[str, Any] = {}
    if lifetime_s is not None:
        body["lifetime_s"] = int(lifetime_s)
    if label:
        body["label"] = label
    response = _call("POST", server, "/api/share/links", token=token, json=body)
    if response.status_code not in (200, 201):
        raise _refusal(server, response, "create")
    try:
        return _parse_link(server, response.json())
    except ValueError:
        raise ShareError(f"{server} answered POST /api/share/links with no JSON; is it a Podium platform?") from None


def list_links(server: str, *, token: str, everyone: bool = False) -> list[dict[str, Any]]:
    """The caller's share links (a site admin's `everyone=True`: all of them), newest as the server orders them."""
    response = _call("GET", server, "/api/share/links", token=token, params={"all": "true"} if everyone else None)
    if response.status_code != 200:
        raise _refusal(server, response, "list")
    links = response.json().get("links")
    return [link for link in links if isinstance(link, dict)] if isinstance(links, list) else []


def revoke_link(server: str, link_id: str, *, token: str) -> None:
    """Revoke the link `link_id` (its tunnel stops within seconds); ShareError when it is not the caller's."""
    response = _call("DELETE", server, f"/api/share/links/{link_id}", token=token)
    if response.status_code == 404:
        raise ShareError(f"no share link {link_id!r} of yours on {server}; `podium share ls` lists them")
    if response.status_code not in (200, 204):
        raise _refusal(server, response, "revoke")


# --- proxies and durations ----------------------------------------------------------------------------------


def _no_proxy_matches(host: str, no_proxy: str) -> bool:
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.lstrip(".")
        if entry.count(":") == 1:
            entry = entry.split(":")[0]  # a port in NO_PROXY applies to every port here
        if host == entry or host.endswith("." + entry):
            return True
    return False


def proxy_for(host: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The HTTP proxy the tunnel dials through (HTTP CONNECT): HTTPS_PROXY / https_proxy unless NO_PROXY / no_proxy
    names `host` (an entry matches the name and its subdomains; `*` matches all)."""
    env = os.environ if environ is None else environ
    proxy = (env.get("HTTPS_PROXY") or env.get("https_proxy") or "").strip()
    if not proxy:
        return None
    if _no_proxy_matches(host, env.get("NO_PROXY") or env.get("no_proxy") or ""):
        return None
    return proxy


def _duration(seconds: float) -> str:
    """`seconds` in words, rounded to the largest fitting unit: "7 days", "12 hours", "90 minutes"."""
    seconds = max(0.0, seconds)
    if seconds >= 60:
        seconds = round(seconds / 60) * 60.0  # a link made a moment ago still lives "2 hours", not "119 minutes"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or (unit == "minute" and seconds >= size):
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = round(seconds)
    return f"{count} second{'s' if count != 1 else ''}"


def describe_expiry(expires_at: datetime, now: datetime | None = None) -> str:
    """`2025-06-08 14:03 UTC (in 7 days)`."""
    now = now or datetime.now(timezone.utc)
    when = expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when} (in {_duration((expires_at - now).total_seconds())})"


# --- the open share -----------------------------------------------------------------------------------------


class Share:
    """An open share link: `url`, `expires_at` (aware, UTC), `id`; `close()` stops the tunnel.

    `stopped` is set once the tunnel ends for good (closed here, or the link expired or was revoked);
    `stop_reason` says why.
    """

    def __init__(self, link: ShareLink, *, quiet: bool = False,
                 on_event: Callable[[TunnelEvent], None] | None = None) -> None:
        self.link = link
        self.quiet = quiet
        self.stopped = threading.Event()
        self.stop_reason: str | None = None
        self._on_event = on_event
        self._tunnel: TunnelProcess | None = None  # the tunnel's process once started
        self._lost = False
        self._closing = False

    @property
    def url(self) -> str:
        return self.link.url

    @property
    def expires_at(self) -> datetime:
        return self.link.expires_at

    @property
    def id(self) -> str:
        return self.link.id

    def _say(self, line: str) -> None:
        print(line, flush=True)

    def handle_event(self, event: TunnelEvent) -> None:
        """Print the tunnel's lifecycle (called on the tunnel's thread), then pass the event on."""
        kind = event.kind
        if kind == "reconnecting":
            if not self.quiet and not self._closing:
                delay = f"reconnecting in {event.delay:g} s" if event.delay is not None else "reconnecting"
                state = "lost its connection" if not self._lost else "is still offline"
                self._say(f"* The share link {state}; {event.message or delay}")
            self._lost = True
        elif kind == "connected":
            if self._lost and not self.quiet:
                self._say(f"* The share link is back: {self.url}")
            self._lost = False
        elif kind in ("killed", "rejected"):
            self.stop_reason = event.message or kind
            if not self._closing:
                self._say(f"* The share link {self.url} stopped: {self.stop_reason}")
            self.stopped.set()
        elif kind == "closed":
            self.stop_reason = self.stop_reason or "closed"
            self.stopped.set()
        if self._on_event is not None:
            self._on_event(event)

    def start(self, local_port: int, *, local_host: str = "127.0.0.1", tls_certificate: str | None = None,
              timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Connect the tunnel (a process of its own, `podium.share_tunnel`); returns once the share server accepted
        the proxy (ShareError otherwise)."""
        from podium.share_tunnel import TunnelProcess, TunnelProcessError

        address = self.link.tunnel
        if address.tls and tls_certificate:
            import ssl

            try:
                ssl.create_default_context(cafile=tls_certificate)  # read here, so a bad file gets its own message
            except (OSError, ssl.SSLError) as exc:
                raise ShareError(f"cannot use {tls_certificate} as the share server's certificate: {exc}") from None
        http_proxy = proxy_for(address.host)
        tunnel = TunnelProcess({
            "host": address.host, "port": address.port, "tls": address.tls,
            "cafile": tls_certificate if address.tls else None, "server_name": address.server_name,
            "auth_token": address.auth_token, "token": self.link.token, "subdomain": self.link.subdomain,
            "local_host": local_host, "local_port": local_port, "http_proxy": http_proxy,
        }, self.handle_event)
        try:
            tunnel.start(timeout=timeout)
        except TunnelProcessError as exc:
            raise ShareError(_tunnel_failure(exc, address, http_proxy)) from None
        self._tunnel = tunnel
        atexit.register(self.close)

    def close(self) -> None:
        """Stop the tunnel (the link stays valid until it expires; `podium share revoke` ends it). Idempotent."""
        self._closing = True
        tunnel, self._tunnel = self._tunnel, None
        if tunnel is not None:
            atexit.unregister(self.close)
            tunnel.close()
        self.stopped.set()

    def __enter__(self) -> Share:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Share(url={self.url!r}, expires_at={self.expires_at.isoformat()!r}, id={self.id!r})"


def _tunnel_failure(exc: BaseException, address: TunnelAddress, http_proxy: str | None) -> str:
    """What to tell the user when the tunnel did not come up."""
    kind = getattr(exc, "kind", None) or type(exc).__name__
    reason = getattr(exc, "reason", None) or str(exc) or kind
    where = f"{address.host}:{address.port}"
    if kind == "TunnelRejected":
        return f"the share server refused the tunnel: {reason}"
    via = f" through the proxy {http_proxy}" if http_proxy else ""
    if kind == "TunnelConnectError" or isinstance(exc, OSError):
        return (f"cannot reach the share server's tunnel port {where}{via}: {reason}. Is `python -m "
                "podium_services.share` running there, and does PODIUM_SHARE_TUNNEL_ADDRESS name it?")
    if isinstance(exc, TimeoutError):
        return f"the share server at {where}{via} did not accept the tunnel in time"
    return f"the tunnel to {where}{via} failed: {reason}"


def open_share(local_port: int, *, local_host: str = "127.0.0.1", server: str | None = None,
               lifetime_s: int | None = None, label: str | None = None, quiet: bool = False,
               on_event: Callable[[TunnelEvent], None] | None = None, tls_certificate: str | None = None) -> Share:
    """Share the app at `local_host:local_port`: ask the platform for a link and open its tunnel.

    Returns once visitors can reach `share.url`; raises ShareError (with what to do) otherwise.
    """
    if lifetime_s is not None and not 60 <= lifetime_s <= MAX_LIFETIME_S:
        raise ShareError("a share link lives between 1 minute and 7 days")
    server_url = resolve_share_server(server)
    link = request_link(server_url, token=stored_token(server_url), lifetime_s=lifetime_s, label=label)
    share = Share(link, quiet=quiet, on_event=on_event)
    share.start(local_port, local_host=local_host, tls_certificate=tls_certificate)
    return share


__all__ = [
    "SHARE_SERVER_ENV", "Share", "ShareError", "ShareLink", "TunnelAddress", "describe_expiry", "list_links",
    "normalize_share_server", "open_share", "proxy_for", "request_link", "resolve_share_server", "revoke_link",
    "stored_token",
]
