"""The installation's runtime, chosen by its settings: the Docker Engine API backend (Podman's socket here) on one
machine, or the Kubernetes backend (runtime/kube/) with PODIUM_RUNTIME=kubernetes."""

from __future__ import annotations

from collections.abc import Sequence

from podium_cp.builds.engine import docker_client_from_env
from podium_cp.runtime.base import Runtime
from podium_cp.runtime.docker import DockerRuntime
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings, SettingsError


def runtime_from_env(namespace: str = "podium", timeout: int = 120, gpus: Sequence[Gpu] = ()) -> Runtime:
    """A DockerRuntime on DOCKER_HOST / PODIUM_DOCKER_HOST / the default Podman socket (see builds.engine), for
    the installation `namespace` (Settings.runtime_namespace), reporting `gpus` as this machine's."""
    return DockerRuntime(docker_client_from_env(timeout=timeout), namespace=namespace, gpus=gpus)


def runtime_from_settings(settings: Settings, *, gpus: Sequence[Gpu] = (), timeout: int = 120) -> Runtime:
    """The runtime `settings.runtime` names. `gpus` (runtime/inventory.probe_gpus) are this machine's, for the
    Docker backend's placement and capacity; a cluster reports its own. Raises SettingsError when a Kubernetes
    runtime has no PODIUM_SPACES_API_URL (Space pods reach the API's deep links there: a cluster has no host
    folder to mount its Unix socket from)."""
    if settings.runtime == "kubernetes":
        if not settings.spaces_api_url:
            raise SettingsError(
                "PODIUM_RUNTIME=kubernetes needs PODIUM_SPACES_API_URL: the API's in-cluster URL (e.g. "
                "http://podium-api.podium.svc:8700), where Space pods store their deep links"
            )
        # Imported here: the Kubernetes client is loaded only by installations that use it.
        from podium_cp.runtime.kube.runtime import KubernetesRuntime

        return KubernetesRuntime.from_settings(settings)
    return runtime_from_env(settings.runtime_namespace, timeout=timeout, gpus=gpus)
