"""The Spaces router: `NAME--OWNER.spaces.DOMAIN` -> the Space's running replica (served by
`python -m podium_services.router`). What it does per request: see `podium_cp.router.proxy`."""

from podium_cp.router.config import RouterConfig
from podium_cp.router.hosts import HostParser, SpaceHost
from podium_cp.router.proxy import SpacesRouter

__all__ = ["HostParser", "RouterConfig", "SpaceHost", "SpacesRouter"]
