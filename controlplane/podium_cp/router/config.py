"""The router's settings, from `PODIUM_*` variables (the control plane's own are `podium_cp.settings.Settings`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from podium_cp.settings import SettingsError


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class RouterConfig:
    """Where Spaces live (`NAME--OWNER.spaces.DOMAIN`) and how long a request may wait for one to wake."""

    spaces_domain: str = "localhost"
    wake_timeout_s: float = 60.0  # a request to a sleeping Space waits this long for it, then gets a 503 page
    wake_poll_s: float = 0.2
    cache_ttl_s: float = 1.0  # how long one Space lookup serves later requests to the same host
    host: str = "127.0.0.1"
    port: int = 8080

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RouterConfig:
        """PODIUM_SPACES_DOMAIN, PODIUM_WAKE_TIMEOUT (seconds), PODIUM_ROUTER_HOST, PODIUM_ROUTER_PORT."""
        env = os.environ if environ is None else environ
        port_raw = env.get("PODIUM_ROUTER_PORT") or "8080"
        if not port_raw.isdigit():
            raise SettingsError(f"PODIUM_ROUTER_PORT={port_raw!r} is not a port number")
        return cls(
            spaces_domain=(env.get("PODIUM_SPACES_DOMAIN") or "localhost").strip().strip(".").lower(),
            wake_timeout_s=_float(env, "PODIUM_WAKE_TIMEOUT", 60.0),
            host=env.get("PODIUM_ROUTER_HOST") or "127.0.0.1",
            port=int(port_raw),
        )
