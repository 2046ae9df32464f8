"""The Kubernetes objects of one Space (Secret, Deployment, Service) and the namespace's NetworkPolicy.

Pure functions from a ContainerSpec and a KubeConfig to plain dicts in the API's shape (what `kubectl apply`
takes), so they can be checked against the API's schema and run by `podman kube play` without a cluster.
"""

from __future__ import annotations

import re
from typing import Any

from podium_cp.runtime.base import ContainerSpec
from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.placement import GPU_RESOURCE, LABEL_KEY

APP_NAME = "podium-space"
LABEL_APP = "app.kubernetes.io/name"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_INSTALLATION = "podium.dev/installation"
LABEL_SPACE_ID = "podium.dev/space-id"
ANNOTATION_SPACE = "podium.dev/space"
NETWORK_POLICY_NAME = "podium-spaces-ingress"
CONTAINER_NAME = "app"
PORT_NAME = "http"
HOME = "/home/user"
RUN_AS = 1000
SDKS = ("podium", "gradio", "docker")
# What a read-only Space still writes: scratch files and its libraries' caches (models, compiled kernels).
SCRATCH_VOLUMES = (("tmp", "/tmp"), ("cache", f"{HOME}/.cache"))
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def object_name(space_id: int) -> str:
    """The Deployment's and Service's name: `space-<id>`."""
    return f"space-{space_id}"


def secret_name(space_id: int) -> str:
    """The Secret holding the Space's secrets: `space-<id>-secrets`."""
    return f"space-{space_id}-secrets"


def service_url(space_id: int, namespace: str, port: int) -> str:
    """The URL the router reaches the Space at (the Service's cluster DNS name)."""
    return f"http://{object_name(space_id)}.{namespace}.svc:{port}"


def selector_labels(space_id: int, config: KubeConfig) -> dict[str, str]:
    """The labels that pick the Space's pods (the Deployment's selector and the Service's)."""
    return {LABEL_APP: APP_NAME, LABEL_INSTALLATION: config.installation, LABEL_SPACE_ID: str(space_id)}


def object_labels(space_id: int, config: KubeConfig) -> dict[str, str]:
    """The labels on every object of the Space and on its pods."""
    return {**selector_labels(space_id, config), LABEL_MANAGED_BY: "podium"}


def space_manifests(spec: ContainerSpec, config: KubeConfig) -> list[dict[str, Any]]:
    """The Space's objects in the order they are applied: its Secret (only with secrets), Deployment, Service."""
    check_spec(spec)
    objects = [secret(spec, config)] if spec.secret_env else []
    return [*objects, deployment(spec, config), service(spec, config)]


def check_spec(spec: ContainerSpec) -> None:
    """Refuses a spec the API server would refuse, with a message that says which field."""
    if isinstance(spec.space_id, bool) or not isinstance(spec.space_id, int) or spec.space_id <= 0:
        raise ValueError(f"Space id {spec.space_id!r} gives no DNS-safe object name (a positive integer is needed)")
    if not spec.image or spec.image != spec.image.strip():
        raise ValueError(f"Space {spec.name}: image {spec.image!r} is empty or has spaces")
    if not 1 <= spec.port <= 65535:
        raise ValueError(f"Space {spec.name}: port {spec.port} is not 1-65535")
    if spec.cpu <= 0 or spec.memory_mb <= 0 or spec.gpu_count < 0:
        raise ValueError(f"Space {spec.name}: cpu, memory must be positive and gpu_count not negative")
    if not 0 <= spec.replicas <= 100:
        raise ValueError(f"Space {spec.name}: replicas {spec.replicas} is not 0-100")
    if spec.sdk not in SDKS:
        raise ValueError(f"Space {spec.name}: sdk {spec.sdk!r} is not one of {', '.join(SDKS)}")
    for key in [*spec.env, *spec.secret_env]:
        if not key or "=" in key or not key.isprintable():
            raise ValueError(f"Space {spec.name}: {key!r} is not a valid environment variable name")
    for key in spec.secret_env:
        if not _SECRET_KEY.fullmatch(key) or len(key) > 253:
            raise ValueError(f"Space {spec.name}: secret {key!r} cannot be a Secret key (letters, digits, -._)")
        if key in spec.env:
            raise ValueError(f"Space {spec.name}: {key!r} is both a variable and a secret")
    for key in spec.labels:
        if not LABEL_KEY.fullmatch(key):
            raise ValueError(f"Space {spec.name}: label {key!r} cannot be an annotation key")


def secret(spec: ContainerSpec, config: KubeConfig) -> dict[str, Any]:
    """The Opaque Secret with the Space's secrets, one key per variable."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(secret_name(spec.space_id), spec, config),
        "type": "Opaque",
        "stringData": dict(spec.secret_env),
    }


def deployment(spec: ContainerSpec, config: KubeConfig) -> dict[str, Any]:
    """The Deployment running `spec.replicas` pods of the Space, placed per its flavor."""
    if spec.gpu_count > 0:
        strategy: dict[str, Any] = {"type": "Recreate"}  # a GPU cannot be held twice during a roll
    else:
        strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    metadata = _metadata(object_name(spec.space_id), spec, config)
    metadata["annotations"] = {**spec.labels, ANNOTATION_SPACE: spec.name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": spec.replicas,
            "revisionHistoryLimit": 2,
            "selector": {"matchLabels": selector_labels(spec.space_id, config)},
            "strategy": strategy,
            "template": {
                "metadata": {"labels": object_labels(spec.space_id, config)},
                "spec": pod_spec(spec, config),
            },
        },
    }


def pod_spec(spec: ContainerSpec, config: KubeConfig) -> dict[str, Any]:
    """The pod: one `app` container, non-root, no service account token, placed per the flavor."""
    read_only = spec.sdk != "docker"  # a docker Space's own image may write anywhere
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [_container(spec, read_only)],
    }
    if read_only:
        pod["volumes"] = [{"name": name, "emptyDir": {}} for name, _ in SCRATCH_VOLUMES]
    if config.image_pull_secrets:
        pod["imagePullSecrets"] = [{"name": name} for name in config.image_pull_secrets]
    placement = config.placement.for_flavor(spec.hardware, spec.gpu_type, spec.gpu_count)
    if placement.node_selector:
        pod["nodeSelector"] = placement.node_selector
    if placement.affinity:
        pod["affinity"] = placement.affinity
    if placement.tolerations:
        pod["tolerations"] = placement.tolerations
    return pod


def service(spec: ContainerSpec, config: KubeConfig) -> dict[str, Any]:
    """The ClusterIP Service in front of the Space's pods: `spec.port` to the `http` port."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(object_name(spec.space_id), spec, config),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(spec.space_id, config),
            "ports": [{"name": PORT_NAME, "protocol": "TCP", "port": spec.port, "targetPort": PORT_NAME}],
        },
    }


def network_policy(config: KubeConfig) -> dict[str, Any]:
    """The namespace's NetworkPolicy: Space pods accept ingress only from the router's pods."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": NETWORK_POLICY_NAME,
            "namespace": config.namespace,
            "labels": {LABEL_MANAGED_BY: "podium", LABEL_INSTALLATION: config.installation},
        },
        "spec": {
            "podSelector": {"matchLabels": {LABEL_APP: APP_NAME}},
            "policyTypes": ["Ingress"],
            "ingress": [{
                "from": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": config.router_namespace}},
                    "podSelector": {"matchLabels": dict(config.router_labels)},
                }],
            }],
        },
    }


def _container(spec: ContainerSpec, read_only: bool) -> dict[str, Any]:
    env = dict(spec.env)
    if read_only:
        env = {"HOME": HOME, "PYTHONDONTWRITEBYTECODE": "1", **env}
    env_list: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in env.items()]
    env_list += [{"name": key, "valueFrom": {"secretKeyRef": {"name": secret_name(spec.space_id), "key": key}}}
                 for key in sorted(spec.secret_env)]
    amounts = {"cpu": _cpu(spec.cpu), "memory": f"{spec.memory_mb}Mi"}
    if spec.gpu_count > 0:
        amounts[GPU_RESOURCE] = str(spec.gpu_count)
    container: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",  # tags are per build
        "env": env_list,
        "ports": [{"name": PORT_NAME, "containerPort": spec.port, "protocol": "TCP"}],
        "readinessProbe": {
            **_probe(spec.sdk),
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "resources": {"requests": dict(amounts), "limits": dict(amounts)},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": read_only,
        },
    }
    if read_only:
        container["volumeMounts"] = [{"name": name, "mountPath": path} for name, path in SCRATCH_VOLUMES]
    return container


def _probe(sdk: str) -> dict[str, Any]:
    """Ready when the app answers: an HTTP GET of / for podium and gradio apps (they serve their page there), an
    open port for docker Spaces (their own server may answer / with a 404, which a probe counts as a failure)."""
    if sdk == "docker":
        return {"tcpSocket": {"port": PORT_NAME}}
    return {"httpGet": {"path": "/", "port": PORT_NAME}}


def _cpu(cores: float) -> str:
    millis = max(1, round(cores * 1000))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _metadata(name: str, spec: ContainerSpec, config: KubeConfig) -> dict[str, Any]:
    return {"name": name, "namespace": config.namespace, "labels": object_labels(spec.space_id, config)}
