"""The REST API (FastAPI): `create_app(settings)`; one routes module per area, all behind `podium_cp.policy`."""

from podium_cp.api.app import create_app

__all__ = ["create_app"]
