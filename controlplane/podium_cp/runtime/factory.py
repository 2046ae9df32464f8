"""The installation's runtime, chosen by the environment: the Docker Engine API backend (Podman's socket here)."""

from __future__ import annotations

from podium_cp.builds.engine import docker_client_from_env
from podium_cp.runtime.base import Runtime
from podium_cp.runtime.docker import DockerRuntime


def runtime_from_env(namespace: str = "podium", timeout: int = 120) -> Runtime:
    """A DockerRuntime on DOCKER_HOST / PODIUM_DOCKER_HOST / the default Podman socket (see builds.engine), for
    the installation `namespace` (Settings.runtime_namespace)."""
    return DockerRuntime(docker_client_from_env(timeout=timeout), namespace=namespace)
