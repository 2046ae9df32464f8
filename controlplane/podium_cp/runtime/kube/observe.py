"""Reading the cluster's objects (as the API returns them, plain dicts): a Space's status from its Deployment and
pods, and each node's capacity from nodes and the pods placed on them. Pure functions, so every case the API can
answer is checked without a cluster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kubernetes.utils import parse_quantity  # type: ignore[import-untyped]

from podium_cp.runtime.base import NodeCapacity, RuntimeStatus
from podium_cp.runtime.kube.manifests import CONTAINER_NAME
from podium_cp.runtime.kube.placement import GPU_PRODUCT_LABEL, GPU_RESOURCE, Placement

IMAGE_PROBLEMS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull")
CONFIG_PROBLEMS = ("CreateContainerConfigError", "CreateContainerError")  # a missing Secret key, say
DEFAULT_POOL = "default"
MI = 1024 * 1024


def space_status(deployment: dict[str, Any], pods: list[dict[str, Any]],
                 scheduling_events: dict[str, str] | None = None) -> RuntimeStatus:
    """The Space's status: running once the rollout is complete with a replica available; else why not.
    `scheduling_events` maps pod names to their newest FailedScheduling message (used when the pod's condition
    carries none)."""
    live = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
    if _rollout_complete(deployment) and any(_ready(p) for p in live):
        return RuntimeStatus(state="running", health="healthy")
    if not any(_ready(p) for p in live):
        for pod in live:
            app = _app_status(pod)
            waiting = (app.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in IMAGE_PROBLEMS or waiting.get("reason") in CONFIG_PROBLEMS:
                message = f"{waiting['reason']}: {waiting.get('message') or 'the image could not be pulled'}"
                return RuntimeStatus(state="exited", health="unhealthy", message=message)
            terminated = (app.get("state") or {}).get("terminated")
            if waiting.get("reason") == "CrashLoopBackOff" or terminated:
                last = terminated or (app.get("lastState") or {}).get("terminated") or {}
                reason = last.get("reason") or waiting.get("reason") or "Terminated"
                return RuntimeStatus(state="exited", exit_code=int(last.get("exitCode") or 0), health="unhealthy",
                                     message=f"{reason}: {last.get('message') or waiting.get('message') or ''}".rstrip(": "))
            phase = (pod.get("status") or {}).get("phase")
            if phase == "Failed":
                status = pod.get("status") or {}
                return RuntimeStatus(state="exited", health="unhealthy",
                                     message=f"{status.get('reason') or 'Failed'}: {status.get('message') or ''}")
    for pod in live:
        condition = _condition(pod, "PodScheduled")
        if condition and condition.get("status") == "False" and condition.get("reason") == "Unschedulable":
            name = (pod.get("metadata") or {}).get("name", "")
            message = condition.get("message") or (scheduling_events or {}).get(name) or "no node fits the pod"
            return RuntimeStatus(state="starting", message=message, waiting_for_hardware=True)
    stalled = _deployment_condition(deployment, "Progressing")
    if stalled and stalled.get("status") == "False":
        return RuntimeStatus(state="exited", health="unhealthy",
                             message=f"{stalled.get('reason')}: {stalled.get('message') or ''}")
    failure = _deployment_condition(deployment, "ReplicaFailure")
    if failure and failure.get("status") == "True":  # e.g. a ResourceQuota refused the pods
        return RuntimeStatus(state="starting", health="unhealthy",
                             message=f"{failure.get('reason')}: {failure.get('message') or ''}")
    return RuntimeStatus(state="starting", health="unhealthy" if live else "unknown")


def pod_failed(pod: dict[str, Any]) -> bool:
    """The pod will not serve without help: crash-looping, image not pullable, terminated or Failed."""
    if (pod.get("status") or {}).get("phase") == "Failed":
        return True
    app = _app_status(pod)
    state = app.get("state") or {}
    reason = (state.get("waiting") or {}).get("reason")
    return bool(state.get("terminated")) or reason == "CrashLoopBackOff" or reason in IMAGE_PROBLEMS


def node_capacity(nodes: list[dict[str, Any]], pods: Iterable[dict[str, Any]],
                  placement: Placement) -> list[NodeCapacity]:
    """Each node's allocatable resources minus the requests of the pods on it that have not finished; the pool
    from the first of the placement's pool labels the node has; unschedulable when cordoned, not Ready, or
    tainted with a taint no Space placement tolerates."""
    used: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        for resource, amount in pod_requests(pod).items():
            used[node][resource] += amount
    tolerations = _known_tolerations(placement)
    out = []
    for node in nodes:
        metadata, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
        name = str(metadata.get("name", ""))
        labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
        allocatable = {k: _quantity(v) for k, v in (status.get("allocatable") or {}).items()}
        requested = used.get(name, {})

        def free(resource: str, allocatable: dict[str, Decimal] = allocatable,
                 requested: dict[str, Decimal] = requested) -> Decimal:
            return max(Decimal(0), allocatable.get(resource, Decimal(0)) - requested.get(resource, Decimal(0)))

        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        blocked = [t for t in spec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")
                   and t.get("key") != "node.kubernetes.io/unschedulable" and not _tolerated(t, tolerations)]
        gpus = int(allocatable.get(GPU_RESOURCE, 0))
        out.append(NodeCapacity(
            name=name,
            pool=next((labels[k] for k in placement.pool_labels if labels.get(k)), DEFAULT_POOL),
            gpu_type=labels.get(GPU_PRODUCT_LABEL, "") if gpus else "",
            gpus=gpus,
            gpus_free=int(free(GPU_RESOURCE)),
            cpu=float(allocatable.get("cpu", 0)),
            cpu_free=float(free("cpu")),
            memory_mb=int(allocatable.get("memory", 0) / MI),
            memory_mb_free=int(free("memory") / MI),
            schedulable=ready and not spec.get("unschedulable") and not blocked,
            labels=labels,
        ))
    return out


def pod_requests(pod: dict[str, Any]) -> dict[str, Decimal]:
    """What the scheduler counts for a pod: the sum of its containers' requests, or its largest init container's
    when that is more, plus its overhead. A container without requests but with limits requests its limits."""
    spec = pod.get("spec") or {}
    total: dict[str, Decimal] = defaultdict(Decimal)
    for container in spec.get("containers") or []:
        for resource, amount in _container_requests(container).items():
            total[resource] += amount
    for container in spec.get("initContainers") or []:
        for resource, amount in _container_requests(container).items():
            total[resource] = max(total[resource], amount)
    for resource, amount in (spec.get("overhead") or {}).items():
        total[resource] += _quantity(amount)
    return dict(total)


def _container_requests(container: dict[str, Any]) -> dict[str, Decimal]:
    resources = container.get("resources") or {}
    merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    return {k: _quantity(v) for k, v in merged.items()}


def _quantity(value: Any) -> Decimal:
    try:
        return Decimal(parse_quantity(value))
    except ValueError:
        return Decimal(0)


def _known_tolerations(placement: Placement) -> list[dict[str, Any]]:
    entries = [placement.defaults, *placement.gpu_types.values(), *placement.flavors.values()]
    known = [dict(t) for e in entries for t in (e.tolerations or [])]
    return known + placement.for_flavor("", "any", 1).tolerations


def _tolerated(taint: dict[str, Any], tolerations: list[dict[str, Any]]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
            continue
        if toleration.get("operator", "Equal") == "Exists":
            if not toleration.get("key") or toleration["key"] == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def _app_status(pod: dict[str, Any]) -> dict[str, Any]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return next((s for s in statuses if s.get("name") == CONTAINER_NAME), statuses[0] if statuses else {})


def _ready(pod: dict[str, Any]) -> bool:
    condition = _condition(pod, "Ready")
    return bool(condition and condition.get("status") == "True")


def _condition(pod: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def _deployment_condition(deployment: dict[str, Any], kind: str) -> dict[str, Any] | None:
    conditions = (deployment.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == kind), None)


def _rollout_complete(deployment: dict[str, Any]) -> bool:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    generation = int((deployment.get("metadata") or {}).get("generation") or 0)
    return (int(status.get("observedGeneration") or 0) >= generation
            and int(status.get("updatedReplicas") or 0) >= wanted
            and int(status.get("availableReplicas") or 0) >= min(wanted, 1)
            and int(status.get("replicas") or 0) <= int(status.get("updatedReplicas") or 0))
