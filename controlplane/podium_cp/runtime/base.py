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
    mounts: tuple[Mount, ...] = ()  # read-only bind mounts (Docker/Podman only; a cluster has no host folders)
    # The Space's secrets: a Kubernetes Secret on a cluster, merged into the environment by Docker. Its keys never
    # repeat a key of `env` (the reconciler leaves out secrets that a built-in variable overrides).
    secret_env: dict[str, str] = field(default_factory=dict)
    hardware: str = ""  # the flavor's name ("cpu-basic", "a10g-small"): a cluster's placement is per flavor
    gpu_type: str = ""  # the flavor's GPU type ("T4", "A100"); "" for CPU flavors
    sdk: str = "podium"  # "podium" | "gradio" | "docker": a docker Space's own image keeps a writable root filesystem
    replicas: int = 1  # a cluster runs this many behind one Service; Docker and Podman run one


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
    # Why it is not running yet or any more, in the runtime's words (a cluster scheduler's message, say).
    message: str = ""
    # Not placed because no node has the resources (GPUs) it asks for: the reconciler shows WAITING_FOR_HARDWARE
    # with `message` and does not count the wait against the start-up timeout.
    waiting_for_hardware: bool = False


@dataclass(frozen=True)
class NodeCapacity:
    """One node that runs Spaces, as the runtime sees it: what it has and what is not yet requested."""

    name: str
    pool: str  # the node pool (a cluster's pool label; "local" on one machine)
    gpu_type: str = ""  # the GPU product ("NVIDIA-A100-SXM4-80GB", "Tesla T4"); "" without GPUs
    gpus: int = 0  # allocatable
    gpus_free: int = 0  # allocatable minus what pods request
    cpu: float = 0.0
    cpu_free: float = 0.0
    memory_mb: int = 0
    memory_mb_free: int = 0
    schedulable: bool = True  # False: cordoned, not ready, or tainted for something else
    labels: dict[str, str] = field(default_factory=dict)


class Runtime(Protocol):
    """Starts, watches and removes Space replicas. Blocking: servers call it from a worker thread."""

    # "docker" | "kubernetes" (the `space_runtimes.backend` column).
    name: str
    # True: the runtime places GPUs itself (a cluster scheduler); False: the reconciler picks this node's GPUs.
    places_gpus: bool

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

    def capacity(self) -> list[NodeCapacity]:
        """The nodes Spaces may run on and what is free on each (the control plane's capacity view)."""
        ...
