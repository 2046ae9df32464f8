"""Where Spaces run: the `Runtime` interface (base.py) and its backends: the Docker Engine API
(docker.py, one machine) and Kubernetes (kube/, a cluster)."""

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    Mount,
    NodeCapacity,
    Replica,
    Runtime,
    RuntimeHandle,
    RuntimeStatus,
)

__all__ = ["ContainerEngineError", "ContainerSpec", "Mount", "NodeCapacity", "Replica", "Runtime", "RuntimeHandle", "RuntimeStatus"]
