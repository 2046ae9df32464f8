"""The runtime interface: what the reconciler asks of whatever runs Space containers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

# The port a Space's app listens on inside its container (Hugging Face's convention).
APP_PORT = 7860

State = Literal["running", "starting", "exited", "missing"]
Health = Literal["healthy", "unhealthy", "unknown"]


class ContainerEngineError(Exception):
    """The runtime could not do what was asked (engine unreachable, image missing, ...); the message says why."""


@dataclass(frozen=True)
class Mount:
    """A host folder bind-mounted read-only into a replica (e.g. the folder of the control plane's API socket)."""

    host_path: str
    container_path: str


@dataclass(frozen=True)
class ContainerSpec:
    """One replica of a Space: image, environment and the resources of its hardware flavor."""

    space_id: int
    name: str  # the Space's OWNER/NAME, for labels and messages
    image: str
    env: dict[str, str] = field(default_factory=dict)
    cpu: float = 2.0  # cores
    memory_mb: int = 16384
    gpu_count: int = 0
    gpu_device_ids: tuple[str, ...] = ()  # from the node inventory; empty = any `gpu_count` GPUs
    port: int = APP_PORT
    labels: dict[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()  # read-only bind mounts


@dataclass(frozen=True)
class RuntimeHandle:
    """A started replica: the engine's container id and the URL it serves on."""

    container_id: str
    url: str


@dataclass(frozen=True)
class Replica:
    """A replica the runtime found (after a restart of the reconciler, say): its handle and labels."""

    space_id: int
    handle: RuntimeHandle
    labels: dict[str, str] = field(default_factory=dict)
    state: str = "running"  # the engine's word: created, running, exited, ...


@dataclass(frozen=True)
class RuntimeStatus:
    """What a replica is doing now. `health` comes from an HTTP GET of its URL."""

    state: State
    exit_code: int | None = None
    health: Health = "unknown"


class Runtime(Protocol):
    """Starts, watches and removes Space replicas. Blocking: servers call it from a worker thread."""

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        """Starts a replica (replacing one of the same Space that is not running); returns its handle."""
        ...

    def stop(self, handle: RuntimeHandle) -> None:
        """Stops the replica; a missing one is not an error."""
        ...

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        """The replica's state, exit code and health."""
        ...

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        """The last `tail` lines the replica wrote (stdout and stderr)."""
        ...

    def remove(self, handle: RuntimeHandle) -> None:
        """Removes the replica (stopping it first); a missing one is not an error."""
        ...

    def replicas(self) -> list[Replica]:
        """Every Space replica this runtime holds, running or not (the reconciler adopts or removes them)."""
        ...
