"""The Kubernetes backend of the runtime: each Space is a Deployment, a Service and (with secrets) a Secret in one
namespace; the cluster's scheduler places them, GPUs included (docs/design/kubernetes.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import urllib3
from kubernetes import client  # type: ignore[import-untyped]
from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]
from kubernetes.config import (  # type: ignore[import-untyped]
    ConfigException,
    load_incluster_config,
    new_client_from_config,
)

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    NodeCapacity,
    Replica,
    RuntimeHandle,
    RuntimeStatus,
)
from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.manifests import (
    APP_NAME,
    CONTAINER_NAME,
    LABEL_APP,
    LABEL_INSTALLATION,
    LABEL_SPACE_ID,
    network_policy,
    object_name,
    secret_name,
    service_url,
    space_manifests,
)
from podium_cp.runtime.kube.observe import node_capacity, pod_failed, space_status
from podium_cp.settings import Settings

# Annotations the cluster adds to a Deployment; the rest are the spec's labels (Replica.labels).
SYSTEM_ANNOTATION_PREFIXES = ("deployment.kubernetes.io/", "kubectl.kubernetes.io/")
FOREGROUND = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground"}
# kind -> (API group, plural resource): the RBAC rule a 403 names.
_KINDS: dict[str, tuple[str, str]] = {
    "Secret": ("", "secrets"), "Deployment": ("apps", "deployments"), "Service": ("", "services"),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
}


class KubernetesRuntime:
    """Runs Spaces on a Kubernetes cluster through the API server (the official client). The handle's
    `container_id` is the Deployment's name `space-<id>`, its URL the Service's cluster DNS name."""

    name = "kubernetes"
    places_gpus = True  # the scheduler places GPUs; the reconciler only checks quota

    def __init__(self, api_client: client.ApiClient, config: KubeConfig, *, request_timeout: float = 30.0) -> None:
        self._api = api_client
        self._core = client.CoreV1Api(api_client)
        self._apps = client.AppsV1Api(api_client)
        self._net = client.NetworkingV1Api(api_client)
        self._config = config
        self._ns = config.namespace
        self._timeout = request_timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> KubernetesRuntime:
        """A runtime with the cluster's credentials: the pod's service account when running in the cluster, else
        KUBECONFIG / ~/.kube/config. ContainerEngineError when there are neither."""
        config = KubeConfig.from_settings(settings)
        try:
            configuration = client.Configuration()
            load_incluster_config(client_configuration=configuration)
            return cls(client.ApiClient(configuration), config)
        except ConfigException as in_cluster:
            try:
                # Read at call time: the client's own default froze KUBECONFIG when it was imported.
                return cls(new_client_from_config(config_file=os.environ.get("KUBECONFIG") or None), config)
            except (ConfigException, OSError) as kubeconfig:
                raise ContainerEngineError(
                    "PODIUM_RUNTIME=kubernetes found no cluster credentials: not running in a pod with a service "
                    f"account ({in_cluster}) and no usable kubeconfig ({kubeconfig}); set KUBECONFIG or run the "
                    "control plane in the cluster"
                ) from kubeconfig

    # -- the Runtime protocol -------------------------------------------------------------------------------

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        """Creates or replaces the Space's Secret, Deployment and Service (read, then create or replace); a Secret
        left from earlier secrets is deleted."""
        try:
            objects = space_manifests(spec, self._config)
        except ValueError as exc:
            raise ContainerEngineError(f"cannot run Space {spec.name} on Kubernetes: {exc}") from exc
        for obj in objects:
            self._apply(obj)
        if not spec.secret_env:
            self._delete("Secret", secret_name(spec.space_id))
        return RuntimeHandle(container_id=object_name(spec.space_id),
                             url=service_url(spec.space_id, self._ns, spec.port))

    def stop(self, handle: RuntimeHandle) -> None:
        """Deletes the Space's objects: a Deployment has no "stopped" state worth keeping."""
        self.remove(handle)

    def remove(self, handle: RuntimeHandle) -> None:
        """Deletes the Deployment (its pods first: foreground), Service and Secret; missing ones are fine."""
        space_id = _space_id(handle)
        if space_id is None:
            return  # not one of ours (a handle from another runtime): nothing to delete
        for kind, name in (("Deployment", object_name(space_id)), ("Service", object_name(space_id)),
                           ("Secret", secret_name(space_id))):
            self._delete(kind, name)

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        """`missing` without a Deployment; else from its rollout and its pods (observe.space_status)."""
        space_id = _space_id(handle)
        if space_id is None:
            return RuntimeStatus(state="missing")
        deployment = self._read("Deployment", object_name(space_id))
        if deployment is None:
            return RuntimeStatus(state="missing")
        pods = self._pods(space_id)
        unschedulable = [p["metadata"]["name"] for p in pods if _unschedulable_without_message(p)]
        events = {}
        for pod in unschedulable:
            messages = self._events(f"involvedObject.name={pod},reason=FailedScheduling")
            if messages:
                events[pod] = messages[-1][1]
        return space_status(deployment, pods, events)

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        """The newest pod's `app` container's last `tail` lines; without a pod that has started, the events of
        the Deployment, its ReplicaSets and pods (why nothing runs)."""
        space_id = _space_id(handle)
        if space_id is None or tail <= 0:
            return []
        pods = sorted(self._pods(space_id), key=lambda p: p["metadata"].get("creationTimestamp") or "")
        started = [p for p in pods if _app_started(p)]
        if started:
            name = started[-1]["metadata"]["name"]
            text = self._call(f"read the logs of pod {name}", "get", "", "pods/log", lambda: self._core.read_namespaced_pod_log(
                name, self._ns, container=CONTAINER_NAME, tail_lines=tail, _preload_content=False,
                _request_timeout=self._timeout))
            if text is not None:
                return text.decode("utf-8", errors="replace").splitlines()[-tail:]
        prefix = object_name(space_id)
        lines = [f"{when} {obj}: {reason}: {message}" for when, message, obj, reason in self._events_detail()
                 if obj == prefix or obj.startswith(prefix + "-")]
        return lines[-tail:]

    def replicas(self) -> list[Replica]:
        """Every Deployment of this installation in the namespace, with the spec's labels from its annotations;
        `exited` when it has pods and every one of them fails."""
        selector = f"{LABEL_APP}={APP_NAME},{LABEL_INSTALLATION}={self._config.installation}"
        deployments = self._list("list the Space Deployments", "list", "apps", "deployments",
                                 lambda: self._apps.list_namespaced_deployment(
                                     self._ns, label_selector=selector, _preload_content=False,
                                     _request_timeout=self._timeout))
        pods = self._list("list the Space pods", "list", "", "pods", lambda: self._core.list_namespaced_pod(
            self._ns, label_selector=selector, _preload_content=False, _request_timeout=self._timeout))
        by_space: dict[str, list[dict[str, Any]]] = {}
        for pod in pods:
            by_space.setdefault((pod["metadata"].get("labels") or {}).get(LABEL_SPACE_ID, ""), []).append(pod)
        out = []
        for deployment in deployments:
            metadata = deployment.get("metadata") or {}
            space_id = str((metadata.get("labels") or {}).get(LABEL_SPACE_ID, ""))
            if not space_id.isdigit():
                continue
            annotations = {k: str(v) for k, v in (metadata.get("annotations") or {}).items()
                           if not k.startswith(SYSTEM_ANNOTATION_PREFIXES)}
            containers = ((deployment.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or [{}]
            port = int(((containers[0].get("ports") or [{}])[0]).get("containerPort") or 7860)
            mine = by_space.get(space_id, [])
            state = "exited" if mine and all(pod_failed(p) for p in mine) else "running"
            out.append(Replica(space_id=int(space_id), labels=annotations, state=state,
                               handle=RuntimeHandle(container_id=object_name(int(space_id)),
                                                    url=service_url(int(space_id), self._ns, port))))
        return out

    def capacity(self) -> list[NodeCapacity]:
        """Every node with what it can still take: allocatable minus the requests of unfinished pods."""
        nodes = self._list("list the nodes", "list", "", "nodes", lambda: self._core.list_node(
            _preload_content=False, _request_timeout=self._timeout), namespaced=False)
        pods = self._list("list the pods of every namespace", "list", "", "pods",
                          lambda: self._core.list_pod_for_all_namespaces(
                              field_selector="status.phase!=Succeeded,status.phase!=Failed",
                              _preload_content=False, _request_timeout=self._timeout), namespaced=False)
        return node_capacity(nodes, pods, self._config.placement)

    def ensure_namespace_policy(self) -> None:
        """Creates or replaces the NetworkPolicy that admits only the router's pods to Space pods."""
        self._apply(network_policy(self._config))

    # -- API calls ------------------------------------------------------------------------------------------

    def _apply(self, obj: dict[str, Any]) -> None:
        kind, name = obj["kind"], obj["metadata"]["name"]
        existing = self._read(kind, name)
        if existing is None:
            self._call(f"create {kind} {name}", "create", *_KINDS[kind], lambda: self._method("create", kind)(
                self._ns, obj, _preload_content=False, _request_timeout=self._timeout))
            return
        if (existing.get("metadata") or {}).get("deletionTimestamp"):
            raise ContainerEngineError(f"{kind} {self._ns}/{name} is still being deleted; it is started again once gone")
        body = json.loads(json.dumps(obj))
        body["metadata"]["resourceVersion"] = existing["metadata"].get("resourceVersion")
        if kind == "Service":  # the cluster IP is immutable: keep the one the Service has
            for key in ("clusterIP", "clusterIPs"):
                if key in (existing.get("spec") or {}):
                    body["spec"][key] = existing["spec"][key]
        self._call(f"replace {kind} {name}", "update", *_KINDS[kind], lambda: self._method("replace", kind)(
            name, self._ns, body, _preload_content=False, _request_timeout=self._timeout))

    def _read(self, kind: str, name: str) -> dict[str, Any] | None:
        data = self._call(f"read {kind} {name}", "get", *_KINDS[kind], lambda: self._method("read", kind)(
            name, self._ns, _preload_content=False, _request_timeout=self._timeout))
        return None if data is None else dict(json.loads(data))

    def _delete(self, kind: str, name: str) -> None:
        self._call(f"delete {kind} {name}", "delete", *_KINDS[kind], lambda: self._method("delete", kind)(
            name, self._ns, body=FOREGROUND, _preload_content=False, _request_timeout=self._timeout))

    def _pods(self, space_id: int) -> list[dict[str, Any]]:
        selector = (f"{LABEL_APP}={APP_NAME},{LABEL_INSTALLATION}={self._config.installation},"
                    f"{LABEL_SPACE_ID}={space_id}")
        return self._list(f"list the pods of {object_name(space_id)}", "list", "", "pods",
                          lambda: self._core.list_namespaced_pod(self._ns, label_selector=selector,
                                                                 _preload_content=False,
                                                                 _request_timeout=self._timeout))

    def _events(self, field_selector: str) -> list[tuple[str, str]]:
        items = self._list("list events", "list", "", "events", lambda: self._core.list_namespaced_event(
            self._ns, field_selector=field_selector, _preload_content=False, _request_timeout=self._timeout))
        return [(when, message) for when, message, _, _ in _event_rows(items)]

    def _events_detail(self) -> list[tuple[str, str, str, str]]:
        items = self._list("list events", "list", "", "events", lambda: self._core.list_namespaced_event(
            self._ns, _preload_content=False, _request_timeout=self._timeout))
        return _event_rows(items)

    def _method(self, verb: str, kind: str) -> Callable[..., Any]:
        api = {"Deployment": self._apps, "NetworkPolicy": self._net}.get(kind, self._core)
        snake = {"Deployment": "deployment", "Service": "service", "Secret": "secret",
                 "NetworkPolicy": "network_policy"}[kind]
        method: Callable[..., Any] = getattr(api, f"{verb}_namespaced_{snake}")
        return method

    def _list(self, what: str, verb: str, group: str, resource: str, call: Callable[[], Any], *,
              namespaced: bool = True) -> list[dict[str, Any]]:
        data = self._call(what, verb, group, resource, call, namespaced=namespaced, missing_ok=False)
        return list(json.loads(data or b"{}").get("items") or [])

    def _call(self, what: str, verb: str, group: str, resource: str, call: Callable[[], Any], *,
              namespaced: bool = True, missing_ok: bool = True) -> bytes | None:
        """Runs one API call; its body, None for a 404 (when `missing_ok`), ContainerEngineError otherwise."""
        where = f"namespace {self._ns}" if namespaced else "the cluster"
        try:
            response = call()
            return bytes(response.data)
        except ApiException as exc:
            if exc.status == 404 and missing_ok:
                return None
            reason = _api_message(exc)
            if exc.status in (401, 403):
                rule = f"{verb} {resource}" + (f" (API group {group})" if group else "") + f" in {where}"
                raise ContainerEngineError(
                    f"Kubernetes refused to {what}: the control plane's service account lacks the RBAC permission "
                    f"to {rule}; add it to its {'Role' if namespaced else 'ClusterRole'} ({exc.status}: {reason})"
                ) from exc
            raise ContainerEngineError(f"Kubernetes could not {what} in {where}: {exc.status} {reason}") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ContainerEngineError(
                f"could not reach the Kubernetes API at {self._api.configuration.host} to {what}: {exc}"
            ) from exc


def _space_id(handle: RuntimeHandle) -> int | None:
    number = handle.container_id.removeprefix("space-")
    if handle.container_id.startswith("space-") and number.isdigit():
        return int(number)
    return None


def _app_started(pod: dict[str, Any]) -> bool:
    """The `app` container ran at least once, so it has logs to read."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == CONTAINER_NAME:
            state, last = status.get("state") or {}, status.get("lastState") or {}
            return bool(state.get("running") or state.get("terminated") or last.get("terminated"))
    return False


def _unschedulable_without_message(pod: dict[str, Any]) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "Unschedulable":
            return not condition.get("message")
    return False


def _event_rows(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(time, message, object name, reason), oldest first."""
    rows = []
    for event in items:
        when = str(event.get("lastTimestamp") or event.get("eventTime") or
                   (event.get("metadata") or {}).get("creationTimestamp") or "")
        obj = str((event.get("involvedObject") or {}).get("name") or "")
        rows.append((when, str(event.get("message") or ""), obj, str(event.get("reason") or "")))
    return sorted(rows)


def _api_message(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except (ValueError, AttributeError):
        return str(exc.reason)
