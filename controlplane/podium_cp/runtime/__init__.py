"""Where Spaces run: the `Runtime` interface (base.py) and its Docker Engine API backend (docker.py)."""

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    Mount,
    Replica,
    Runtime,
    RuntimeHandle,
    RuntimeStatus,
)

__all__ = ["ContainerEngineError", "ContainerSpec", "Mount", "Replica", "Runtime", "RuntimeHandle", "RuntimeStatus"]
