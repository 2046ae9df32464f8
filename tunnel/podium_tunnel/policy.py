"""Who may open which tunnel, and for how long: the share server's policy hook.

The tunnel server (`podium_tunnel.server.TunnelServer`) calls a `Policy` at each step of the FRP protocol:
`login` (Login), `new_proxy` (NewProxy: the policy picks the public subdomain and the expiry), `new_work_conn`
(NewWorkConn), `ping` (Ping), `proxy_closed` (the proxy went away), and `revoked` every sweep (about once a
second) for the proxies it serves, so that a link revoked elsewhere stops within seconds. The same policy also
answers a stock `frps`'s HTTP server-plugin calls (`podium_tunnel.plugin`).

A policy refuses by raising `Rejected(reason)`; the reason goes back to the client (LoginResp.error,
NewProxyResp.error, StartWorkConn.error or Pong.error). `OpenPolicy` accepts every client and caps lifetimes:
the default of a standalone tunnel server. The control plane's `DatabasePolicy` checks share links in Postgres.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_LIFETIME_S = 7 * 24 * 3600  # a share link lives at most one week


class Rejected(Exception):
    """The policy refuses a step; `reason` is sent to the client as the message's `error`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LoginRequest:
    """A client's Login, as the server received it (`run_id` is the one the server assigned)."""

    run_id: str
    client_address: str  # "ip:port" of the client's TCP connection
    version: str = ""
    hostname: str = ""
    os: str = ""
    arch: str = ""
    user: str = ""
    privilege_key: str = ""
    timestamp: int = 0
    pool_count: int = 0
    metas: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProxyRequest:
    """A NewProxy from a logged-in client: the login's facts plus the proxy's own fields."""

    run_id: str
    client_address: str
    user: str
    login_metas: Mapping[str, str]
    proxy_name: str
    proxy_type: str  # "http" is the only type a share server serves
    subdomain: str = ""  # what the client asked for ("random" from Gradio's frpc); the policy decides
    custom_domains: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    use_encryption: bool = False
    use_compression: bool = False
    metas: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)  # the whole NewProxy body


@dataclass(frozen=True)
class ProxyGrant:
    """What the policy allows for a proxy: its public subdomain and when it must stop.

    `link_id` is the policy's own key for the grant (a share link's id); `revoked()` answers by it.
    `expires_at` is unix seconds on the policy's clock (None: no expiry); the server closes the proxy then.
    """

    subdomain: str
    expires_at: float | None
    link_id: str


class Policy(Protocol):
    """The share server's decisions. Every method may raise `Rejected`."""

    async def login(self, request: LoginRequest) -> None: ...

    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant: ...

    async def new_work_conn(self, run_id: str) -> None: ...

    async def ping(self, run_id: str) -> None: ...

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        """The proxy stopped serving (client gone, closed, expired or revoked). Never raises."""
        ...

    async def revoked(self, grants: Sequence[ProxyGrant]) -> Mapping[str, str]:
        """Of `grants` (proxies being served now), those that must stop: `{link_id: reason}`."""
        ...

    def now(self) -> float:
        """The policy's clock (unix seconds), against which `expires_at` is compared."""
        ...


def gradio_subdomain(proxy_name: str) -> str:
    """The subdomain Gradio's share server derives from a share token: the first 18 hex digits of its SHA-256."""
    return hashlib.sha256(proxy_name.encode()).hexdigest()[:18]


class OpenPolicy:
    """Accepts every client; a proxy gets the subdomain it asks for (or one derived from its name when it asks for
    none or for "random") and lives at most `max_lifetime_s`. For a standalone server on a trusted network."""

    def __init__(self, *, max_lifetime_s: float = MAX_LIFETIME_S, clock: Callable[[], float] = time.time) -> None:
        self.max_lifetime_s = max_lifetime_s
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    async def login(self, request: LoginRequest) -> None:
        return None

    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
        if request.proxy_type not in ("http", ""):
            raise Rejected(f"proxy type {request.proxy_type!r} is not served here; use an http proxy")
        subdomain = request.subdomain
        if not subdomain or subdomain == "random":
            subdomain = gradio_subdomain(request.proxy_name)
        return ProxyGrant(subdomain=subdomain.lower(), expires_at=self.now() + self.max_lifetime_s, link_id=subdomain)

    async def new_work_conn(self, run_id: str) -> None:
        return None

    async def ping(self, run_id: str) -> None:
        return None

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        return None

    async def revoked(self, grants: Sequence[ProxyGrant]) -> Mapping[str, str]:
        return {}
