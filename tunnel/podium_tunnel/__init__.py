"""Podium's share-link tunnels: the FRP v1 wire protocol in pure asyncio Python.

`TunnelClient` speaks to frps (or Podium's `TunnelServer`) as frpc does; `TunnelServer` accepts frpc (or
`TunnelClient`) as frps does and serves the tunnelled apps by Host header. A `Policy` decides who may open
which tunnel and for how long. This package imports nothing else of Podium.
"""

__version__ = "0.1.0"
