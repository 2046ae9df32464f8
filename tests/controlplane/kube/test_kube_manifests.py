"""The Kubernetes objects of a Space (runtime/kube/manifests.py), checked against the API's own schema.

Every object of a matrix of specs validates with kubernetes-validate (strict: no unknown fields) for Kubernetes
1.30 and the newest version the package knows; the fields that matter (names, labels, secrets, resources,
security, placement, strategy) are asserted one by one. `podman kube play` runs these manifests for real in
another test.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import kubernetes_validate
import pytest

from podium_cp.runtime.base import ContainerSpec
from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.manifests import network_policy, service_url, space_manifests
from podium_cp.runtime.kube.placement import parse_placement

VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
LABEL_VALUE_MAX = 63

PLACEMENT = parse_placement({
    "gpu_types": {"a100": {"node_selector": {"podium.dev/pool": "a100"}}},
    "flavors": {
        "t4-pinned": {"node_selector": {"podium.dev/pool": "t4-spot"},
                      "tolerations": [{"key": "spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}],
                      "affinity": {}},
        "cpu-basic": {"node_selector": {"podium.dev/pool": "cpu"}},
    },
})

BASE = ContainerSpec(space_id=42, name="acme/demo", image="registry.local/podium-space-42:b7", cpu=2.0,
                     memory_mb=4096, env={"PODIUM_SPACE": "acme/demo"}, hardware="cpu-upgrade",
                     labels={"org.podium.config": "abc123", "org.podium.gpus": "0,1"})
SPECS = {
    "cpu": BASE,
    "cpu-fraction": dataclasses.replace(BASE, cpu=0.5, sdk="gradio"),
    "t4-default": dataclasses.replace(BASE, hardware="t4-small", gpu_type="T4", gpu_count=1),
    "a100-default": dataclasses.replace(BASE, hardware="a100-large", gpu_type="A100", gpu_count=2),
    "unknown-gpu": dataclasses.replace(BASE, hardware="x-gpu", gpu_type="Z9", gpu_count=1),
    "docker-sdk": dataclasses.replace(BASE, sdk="docker", port=8080),
    "secrets": dataclasses.replace(BASE, secret_env={"HF_TOKEN": "hf_x", "db.password": "p=w"}),
    "replicas-3": dataclasses.replace(BASE, replicas=3),
}
CONFIGS = {
    "default": KubeConfig(),
    "placed": KubeConfig(namespace="spaces", installation="prod", placement=PLACEMENT,
                         image_pull_secrets=("regcred", "mirror.pull"), router_namespace="edge",
                         router_labels=(("app", "router"), ("tier", "front"))),
}
PLACED_SPECS = {
    "flavor-entry": dataclasses.replace(BASE, hardware="t4-pinned", gpu_type="T4", gpu_count=1),
    "type-entry": dataclasses.replace(BASE, hardware="a100-large", gpu_type="A100", gpu_count=1),
    "cpu-entry": dataclasses.replace(BASE, hardware="cpu-basic"),
}


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


def pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return by_kind(objects)["Deployment"]["spec"]["template"]["spec"]


def all_label_maps(obj: dict[str, Any]) -> list[dict[str, str]]:
    maps = [obj["metadata"]["labels"]]
    if obj["kind"] == "Deployment":
        maps += [obj["spec"]["template"]["metadata"]["labels"], obj["spec"]["selector"]["matchLabels"]]
    return maps


@pytest.mark.parametrize("config_name", list(CONFIGS))
@pytest.mark.parametrize("spec_name", [*SPECS, *PLACED_SPECS])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_validates_strictly(spec_name: str, config_name: str, version: str) -> None:
    spec = {**SPECS, **PLACED_SPECS}[spec_name]
    objects = space_manifests(spec, CONFIGS[config_name])
    for obj in [*objects, network_policy(CONFIGS[config_name])]:
        kubernetes_validate.validate(obj, version, strict=True)
        for labels in all_label_maps(obj):
            assert all(len(v) <= LABEL_VALUE_MAX and "," not in v for v in labels.values())


def test_order_names_and_labels() -> None:
    config = CONFIGS["placed"]
    objects = space_manifests(SPECS["secrets"], config)
    assert [o["kind"] for o in objects] == ["Secret", "Deployment", "Service"]
    assert [o["metadata"]["name"] for o in objects] == ["space-42-secrets", "space-42", "space-42"]
    expected = {"app.kubernetes.io/name": "podium-space", "app.kubernetes.io/managed-by": "podium",
                "podium.dev/installation": "prod", "podium.dev/space-id": "42"}
    for obj in objects:
        assert obj["metadata"]["namespace"] == "spaces"
        assert obj["metadata"]["labels"] == expected
    deployment = by_kind(objects)["Deployment"]
    assert deployment["spec"]["template"]["metadata"]["labels"] == expected
    # The spec's labels (a value like "0,1" is no label value) ride as annotations, with the Space's name.
    assert deployment["metadata"]["annotations"] == {"org.podium.config": "abc123", "org.podium.gpus": "0,1",
                                                     "podium.dev/space": "acme/demo"}
    assert [o["kind"] for o in space_manifests(BASE, config)] == ["Deployment", "Service"]
    assert service_url(42, "spaces", 7860) == "http://space-42.spaces.svc:7860"


def test_secrets_are_referenced_never_inlined() -> None:
    objects = space_manifests(SPECS["secrets"], KubeConfig())
    assert by_kind(objects)["Secret"]["stringData"] == {"HF_TOKEN": "hf_x", "db.password": "p=w"}
    assert by_kind(objects)["Secret"]["type"] == "Opaque"
    env = pod(objects)["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e}
    assert refs == {"HF_TOKEN": {"name": "space-42-secrets", "key": "HF_TOKEN"},
                    "db.password": {"name": "space-42-secrets", "key": "db.password"}}
    assert "hf_x" not in str(by_kind(objects)["Deployment"])


def test_cpu_pod_resources_security_and_strategy() -> None:
    objects = space_manifests(SPECS["cpu-fraction"], KubeConfig())
    deployment = by_kind(objects)["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate",
                                              "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    spec = pod(objects)
    assert spec["automountServiceAccountToken"] is False and spec["enableServiceLinks"] is False
    assert spec["securityContext"] == {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000,
                                       "fsGroup": 1000, "seccompProfile": {"type": "RuntimeDefault"}}
    assert "nodeSelector" not in spec and "tolerations" not in spec and "affinity" not in spec
    assert "imagePullSecrets" not in spec
    (container,) = spec["containers"]
    assert container["name"] == "app" and container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "4096Mi"},
                                      "limits": {"cpu": "500m", "memory": "4096Mi"}}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                            "readOnlyRootFilesystem": True}
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"},
                                         {"name": "cache", "mountPath": "/home/user/.cache"}]
    assert spec["volumes"] == [{"name": "tmp", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env == {"HOME": "/home/user", "PYTHONDONTWRITEBYTECODE": "1", "PODIUM_SPACE": "acme/demo"}
    assert container["ports"] == [{"name": "http", "containerPort": 7860, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}


def test_docker_sdk_keeps_a_writable_root_and_its_port() -> None:
    objects = space_manifests(SPECS["docker-sdk"], KubeConfig())
    spec = pod(objects)
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is False
    assert "volumes" not in spec and "volumeMounts" not in container
    # Its own server may answer / with a 404, which a readiness probe counts as a failure: an open port is ready.
    assert "httpGet" not in container["readinessProbe"]
    assert container["readinessProbe"]["tcpSocket"] == {"port": "http"}
    assert {e["name"] for e in container["env"]} == {"PODIUM_SPACE"}
    assert container["ports"][0]["containerPort"] == 8080
    assert by_kind(objects)["Service"]["spec"] == {
        "type": "ClusterIP",
        "selector": {"app.kubernetes.io/name": "podium-space", "podium.dev/installation": "podium",
                     "podium.dev/space-id": "42"},
        "ports": [{"name": "http", "protocol": "TCP", "port": 8080, "targetPort": "http"}],
    }


@pytest.mark.parametrize(("spec_name", "products"), [
    ("t4-default", ["Tesla-T4"]),
    ("a100-default", ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB",
                      "NVIDIA-A100-80GB-PCIe"]),
])
def test_gpu_defaults_follow_the_gpu_operator(spec_name: str, products: list[str]) -> None:
    spec = SPECS[spec_name]
    objects = space_manifests(spec, KubeConfig())
    assert by_kind(objects)["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}
    placed = pod(objects)
    assert placed["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert placed["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    terms = placed["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": products}]}]
    resources = placed["containers"][0]["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == resources["requests"]["nvidia.com/gpu"] == str(spec.gpu_count)


def test_unknown_gpu_type_gets_no_affinity() -> None:
    placed = pod(space_manifests(SPECS["unknown-gpu"], KubeConfig()))
    assert "affinity" not in placed
    assert placed["nodeSelector"] == {"nvidia.com/gpu.present": "true"}


def test_placement_file_flavor_beats_type_beats_defaults() -> None:
    config = CONFIGS["placed"]
    flavor = pod(space_manifests(PLACED_SPECS["flavor-entry"], config))
    assert flavor["nodeSelector"] == {"podium.dev/pool": "t4-spot"}
    assert flavor["tolerations"] == [{"key": "spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
    assert "affinity" not in flavor  # the entry cleared it with {}
    typed = pod(space_manifests(PLACED_SPECS["type-entry"], config))  # "a100" in the file: types ignore case
    assert typed["nodeSelector"] == {"podium.dev/pool": "a100"}
    assert typed["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert typed["affinity"]["nodeAffinity"]  # the built-in product affinity stays
    cpu = pod(space_manifests(PLACED_SPECS["cpu-entry"], config))
    assert cpu["nodeSelector"] == {"podium.dev/pool": "cpu"} and "tolerations" not in cpu
    assert "nodeSelector" not in pod(space_manifests(BASE, config))  # a CPU flavor without an entry
    assert pod(space_manifests(BASE, config))["imagePullSecrets"] == [{"name": "regcred"}, {"name": "mirror.pull"}]


def test_replicas_and_network_policy() -> None:
    assert by_kind(space_manifests(SPECS["replicas-3"], KubeConfig()))["Deployment"]["spec"]["replicas"] == 3
    policy = network_policy(CONFIGS["placed"])
    assert policy["metadata"]["name"] == "podium-spaces-ingress" and policy["metadata"]["namespace"] == "spaces"
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "podium-space"}}
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["ingress"] == [{"from": [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}},
        "podSelector": {"matchLabels": {"app": "router", "tier": "front"}},
    }]}]


@pytest.mark.parametrize(("change", "message"), [
    ({"space_id": 0}, "DNS-safe"),
    ({"space_id": -3}, "DNS-safe"),
    ({"image": ""}, "image"),
    ({"port": 70000}, "port"),
    ({"cpu": 0.0}, "positive"),
    ({"replicas": -1}, "replicas"),
    ({"sdk": "streamlit"}, "sdk"),
    ({"env": {"A=B": "x"}}, "environment variable"),
    ({"secret_env": {"bad key": "x"}}, "Secret key"),
    ({"secret_env": {"PODIUM_SPACE": "x"}}, "both a variable and a secret"),
    ({"labels": {"not a key!": "x"}}, "annotation key"),
])
def test_bad_specs_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        space_manifests(dataclasses.replace(BASE, **change), KubeConfig())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"namespace": "Spaces_NS"}, "DNS label"),
    ({"installation": "-x"}, "DNS label"),
    ({"image_pull_secrets": ("Bad Secret",)}, "image pull Secret"),
    ({"router_labels": ()}, "empty"),
    ({"router_labels": (("app", "a b"),)}, "router label"),
])
def test_bad_configs_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KubeConfig(**kwargs)
