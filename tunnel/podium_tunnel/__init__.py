"""Podium's share-link tunnels: the FRP v1 wire protocol in pure asyncio Python.

`TunnelClient` speaks to frps (or Podium's `TunnelServer`) as frpc does; `TunnelServer` accepts frpc (or
`TunnelClient`) as frps does and serves the tunnelled apps by Host header. A `Policy` decides who may open
which tunnel and for how long. This package imports nothing else of Podium.

The client and server classes are imported on first use, so `import podium_tunnel` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podium_tunnel.policy import LoginRequest, OpenPolicy, Policy, ProxyGrant, ProxyRequest, Rejected

if TYPE_CHECKING:
    from podium_tunnel.client import (
        BackgroundTunnel,
        TunnelClient,
        TunnelConnectError,
        TunnelError,
        TunnelEvent,
        TunnelRejected,
    )
    from podium_tunnel.server import ProxyInfo, TunnelServer

__version__ = "0.1.0"

__all__ = [
    "BackgroundTunnel", "LoginRequest", "OpenPolicy", "Policy", "ProxyGrant", "ProxyInfo", "ProxyRequest",
    "Rejected", "TunnelClient", "TunnelConnectError", "TunnelError", "TunnelEvent", "TunnelRejected",
    "TunnelServer",
]

_LAZY = {
    "BackgroundTunnel": "client", "TunnelClient": "client", "TunnelConnectError": "client", "TunnelError": "client",
    "TunnelEvent": "client", "TunnelRejected": "client", "ProxyInfo": "server", "TunnelServer": "server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'podium_tunnel' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"podium_tunnel.{module}"), name)
    globals()[name] = value
    return value
