"""The Docker Engine API backend of the runtime (Podman's Docker-compatible socket here), with the `docker` SDK."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
from docker.errors import APIError, DockerException, NotFound  # type: ignore[import-untyped]
from docker.types import DeviceRequest  # type: ignore[import-untyped]

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    Mount,
    NodeCapacity,
    Replica,
    RuntimeHandle,
    RuntimeStatus,
)
from podium_cp.runtime.inventory import Gpu

CONTAINER_PREFIX = "podium-space-"
LABEL_SPACE_ID = "org.podium.space-id"
LABEL_SPACE = "org.podium.space"
LABEL_NAMESPACE = "org.podium.namespace"  # the installation: several may share one engine


def container_name(space_id: int, namespace: str = "") -> str:
    """The container name of a Space's replica (one per Space on a node): `podium-space-[NAMESPACE-]ID`."""
    return f"{CONTAINER_PREFIX}{namespace + '-' if namespace else ''}{space_id}"


def gpu_device_requests(gpu_count: int, device_ids: tuple[str, ...] = ()) -> list[DeviceRequest]:
    """The NVIDIA device requests for a replica: the given devices, else any `gpu_count` GPUs, else none."""
    if device_ids:
        return [DeviceRequest(driver="nvidia", device_ids=list(device_ids), capabilities=[["gpu"]])]
    if gpu_count > 0:
        return [DeviceRequest(driver="nvidia", count=gpu_count, capabilities=[["gpu"]])]
    return []


def host_memory_mb(meminfo: Path = Path("/proc/meminfo")) -> int:
    """This machine's memory in MiB (`MemTotal` of /proc/meminfo); 0 when it cannot be read."""
    try:
        for line in meminfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "MemTotal":
                parts = value.split()
                return int(parts[0]) // 1024 if parts and parts[0].isdigit() else 0
    except OSError:
        return 0
    return 0


def requested(attrs: dict[str, Any], all_gpus: int) -> tuple[float, int, int]:
    """(cores, MiB, GPUs) a container asks for, from its inspected HostConfig (NanoCpus, Memory, DeviceRequests;
    a request for every GPU, Count -1, counts `all_gpus`)."""
    host = attrs.get("HostConfig") or {}
    gpus = 0
    for request in host.get("DeviceRequests") or []:
        ids = request.get("DeviceIDs") or []
        count = int(request.get("Count") or 0)
        gpus += len(ids) if ids else (all_gpus if count < 0 else count)
    return int(host.get("NanoCpus") or 0) / 1e9, int(host.get("Memory") or 0) // (1024 * 1024), gpus


def bind_volumes(mounts: tuple[Mount, ...]) -> dict[str, dict[str, str]]:
    """The `volumes=` argument of `containers.run` for read-only bind mounts: {host path: {bind, mode}}."""
    return {m.host_path: {"bind": m.container_path, "mode": "ro"} for m in mounts}


class DockerRuntime:
    """Runs each Space as container `podium-space-<id>` with its flavor's CPU, memory and GPUs.

    The app's port is published on `host` (127.0.0.1) at a port the engine picks; the handle's URL points there.
    No restart policy: the reconciler restarts replicas with back-off. `namespace` names the installation: its
    containers carry it (name and label) and `replicas()` sees only those, so installations can share an engine.
    """

    name = "docker"
    places_gpus = False  # the reconciler picks this node's GPUs (runtime/inventory.py)

    def __init__(
        self,
        docker_client: docker.DockerClient,
        *,
        host: str = "127.0.0.1",
        health_timeout: float = 2.0,
        stop_timeout: int = 10,
        namespace: str = "",
        gpus: Sequence[Gpu] = (),
        node_name: str = "",
        cpus: float | None = None,
        memory_mb: int | None = None,
    ) -> None:
        self._client = docker_client
        # What `capacity()` reports for this machine: its GPUs (runtime/inventory.probe_gpus), CPUs and memory.
        self._gpus = tuple(gpus)
        self._node_name = node_name or socket.gethostname()
        self._cpus = float(cpus if cpus is not None else os.cpu_count() or 1)
        self._memory_mb = memory_mb if memory_mb is not None else host_memory_mb()
        self._namespace = namespace
        self._host = host
        self._health_timeout = health_timeout
        self._stop_timeout = stop_timeout

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        """Starts the Space's replica, replacing an old container of the same name."""
        name = container_name(spec.space_id, self._namespace)
        self._remove_by_name(name)
        labels = {**spec.labels, LABEL_SPACE_ID: str(spec.space_id), LABEL_SPACE: spec.name,
                  LABEL_NAMESPACE: self._namespace}
        try:
            container = self._client.containers.run(
                spec.image,
                name=name,
                detach=True,
                environment={**spec.env, **spec.secret_env},
                labels=labels,
                nano_cpus=int(spec.cpu * 1_000_000_000),
                mem_limit=f"{spec.memory_mb}m",
                device_requests=gpu_device_requests(spec.gpu_count, spec.gpu_device_ids) or None,
                ports={f"{spec.port}/tcp": (self._host, None)},
                volumes=bind_volumes(spec.mounts) or None,
                restart_policy={"Name": "no"},
            )
            container.reload()
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not start {name} from {spec.image}: {exc}") from exc
        port = self._published_port(container.attrs, spec.port)
        return RuntimeHandle(container_id=str(container.id), url=f"http://{self._host}:{port}")

    def stop(self, handle: RuntimeHandle) -> None:
        """Stops the replica (SIGTERM, then SIGKILL after `stop_timeout` s); a missing one is not an error."""
        try:
            self._client.containers.get(handle.container_id).stop(timeout=self._stop_timeout)
        except NotFound:
            return
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not stop container {handle.container_id[:12]}: {exc}") from exc

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        """`running` once the app answers HTTP, `starting` before that, `exited` with its code, or `missing`."""
        try:
            attrs: dict[str, Any] = self._client.api.inspect_container(handle.container_id)
        except NotFound:
            return RuntimeStatus(state="missing")
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not inspect container {handle.container_id[:12]}: {exc}") from exc
        state = attrs.get("State") or {}
        if state.get("Running"):
            if self._answers(handle.url):
                return RuntimeStatus(state="running", health="healthy")
            return RuntimeStatus(state="starting", health="unhealthy")
        if state.get("Status") in ("created", "configured", "initialized"):
            return RuntimeStatus(state="starting")
        return RuntimeStatus(state="exited", exit_code=int(state.get("ExitCode") or 0), health="unhealthy")

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        """The replica's last `tail` lines of stdout and stderr; none for a missing replica."""
        # The whole log streams through a bounded deque: Podman 4.3's `tail` sometimes blanks the first line.
        lines: deque[str] = deque(maxlen=max(tail, 0))
        pending = b""
        try:
            chunks = self._client.containers.get(handle.container_id).logs(stdout=True, stderr=True, stream=True, follow=False)
            for chunk in chunks:
                pending += chunk
                *complete, pending = pending.split(b"\n")
                lines.extend(line.decode("utf-8", errors="replace") for line in complete)
        except NotFound:
            return []
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not read the logs of {handle.container_id[:12]}: {exc}") from exc
        if pending:
            lines.append(pending.decode("utf-8", errors="replace"))
        return list(lines)

    def remove(self, handle: RuntimeHandle) -> None:
        """Removes the replica, stopping it first; a missing one is not an error."""
        try:
            self._client.containers.get(handle.container_id).remove(force=True)
        except NotFound:
            return
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not remove container {handle.container_id[:12]}: {exc}") from exc

    def replicas(self) -> list[Replica]:
        """Every Space container of this runtime's namespace (by their labels), running or not."""
        try:
            found = self._client.api.containers(
                all=True, filters={"label": [LABEL_SPACE_ID, f"{LABEL_NAMESPACE}={self._namespace}"]}
            )
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not list the Space containers: {exc}") from exc
        replicas = []
        for attrs in found:
            labels = dict(attrs.get("Labels") or {})
            space_id = labels.get(LABEL_SPACE_ID, "")
            if not space_id.isdigit():
                continue
            port = next((p.get("PublicPort") for p in attrs.get("Ports") or [] if p.get("PublicPort")), None)
            url = f"http://{self._host}:{port}" if port else ""
            replicas.append(
                Replica(space_id=int(space_id), handle=RuntimeHandle(container_id=str(attrs["Id"]), url=url),
                        labels=labels, state=str(attrs.get("State") or "unknown"))
            )
        return replicas

    def capacity(self) -> list[NodeCapacity]:
        """This machine as one node of pool "local": its CPUs, memory and GPUs minus what this installation's
        running Space containers ask for (their HostConfig). Other processes' use is not counted. With several
        GPU models, `gpu_type` lists each once ("Tesla T4, NVIDIA A100-SXM4-80GB")."""
        used: list[tuple[float, int, int]] = []
        try:
            found = self._client.api.containers(
                filters={"label": [LABEL_SPACE_ID, f"{LABEL_NAMESPACE}={self._namespace}"], "status": "running"}
            )
            for container in found:
                try:
                    used.append(requested(self._client.api.inspect_container(container["Id"]), len(self._gpus)))
                except NotFound:  # removed since the list: it asks for nothing any more
                    continue
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not list the Space containers: {exc}") from exc
        cpu_used = sum(u[0] for u in used)
        memory_used = sum(u[1] for u in used)
        gpus_used = sum(u[2] for u in used)
        names = list(dict.fromkeys(g.name for g in self._gpus))
        return [NodeCapacity(
            name=self._node_name,
            pool="local",
            gpu_type=", ".join(names),
            gpus=len(self._gpus),
            gpus_free=max(len(self._gpus) - gpus_used, 0),
            cpu=self._cpus,
            cpu_free=round(max(self._cpus - cpu_used, 0.0), 3),
            memory_mb=self._memory_mb,
            memory_mb_free=max(self._memory_mb - memory_used, 0),
            schedulable=True,
            labels={},
        )]

    def _remove_by_name(self, name: str) -> None:
        try:
            self._client.containers.get(name).remove(force=True)
        except NotFound:
            return
        except (APIError, DockerException) as exc:
            raise ContainerEngineError(f"could not replace the old container {name}: {exc}") from exc

    @staticmethod
    def _published_port(attrs: dict[str, Any], port: int) -> int:
        bindings = ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{port}/tcp") or []
        for binding in bindings:
            if binding.get("HostPort"):
                return int(binding["HostPort"])
        raise ContainerEngineError(f"the engine published no host port for container port {port}")

    def _answers(self, url: str) -> bool:
        # Any HTTP answer below 500 means the app is up (a 404 or a login redirect included).
        try:
            with urllib.request.urlopen(url, timeout=self._health_timeout) as response:  # noqa: S310 - our own http URL
                return int(response.status) < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except (OSError, ValueError):
            return False
