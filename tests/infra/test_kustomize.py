"""infra/k8s: every kustomization renders with `kubectl kustomize`, every rendered document validates against the
Kubernetes 1.30 schemas (kubernetes-validate, strict: unknown fields fail), RBAC is as narrow as the runtime needs,
the settings ConfigMap parses with Settings.from_env, the placement files parse with the placement module, and the
Spaces' NetworkPolicy is the one the runtime writes. There is no cluster here: nothing is applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from infra_support import K8S, KUSTOMIZATIONS, real_settings

from podium_cp.settings import Settings

SPACES_NAMESPACE = "podium-spaces"
PLATFORM_IMAGE = "registry.example.com/podium/platform:0.1.0"
# The verbs each resource of the Spaces namespace needs (docs/design/kubernetes.md, the backend).
ALLOWED_ROLE = {
    ("apps", "deployments"): {"get", "list", "watch", "create", "update", "patch", "delete"},
    ("", "services"): {"get", "list", "create", "update", "patch", "delete"},
    ("", "secrets"): {"get", "list", "create", "update", "patch", "delete"},
    ("", "pods"): {"get", "list", "watch"},
    ("", "pods/log"): {"get"},
    ("", "events"): {"get", "list", "watch"},
    ("networking.k8s.io", "networkpolicies"): {"get", "list", "create", "update", "patch"},
}
READ = {"get", "list", "watch"}


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_document_validates_against_kubernetes_1_30(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    kinds = {doc["kind"] for doc in docs}
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
            "Deployment", "Service", "Job", "Ingress", "NetworkPolicy"} <= kinds
    for doc in docs:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_a_bad_document_is_refused_by_the_validator() -> None:
    """The validation above has teeth: an unknown field and a wrong type both fail."""
    bad_field = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}, "dta": {}}
    bad_type = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                "spec": {"replicas": "two", "selector": {}, "template": {}}}
    for doc in (bad_field, bad_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(doc, "1.30.0", strict=True)


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_rbac_is_limited_to_what_the_runtime_needs(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    roles = of_kind(docs, "Role")
    assert [r["metadata"]["namespace"] for r in roles] == [SPACES_NAMESPACE]
    for rule in roles[0]["rules"]:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                allowed = ALLOWED_ROLE.get((group, resource))
                assert allowed is not None, f"the Role grants {group}/{resource}, which the runtime does not use"
                assert set(rule["verbs"]) <= allowed, f"{group}/{resource}: {rule['verbs']}"
    binding = one(docs, "RoleBinding", "podium-spaces")
    assert binding["metadata"]["namespace"] == SPACES_NAMESPACE
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "podium-control-plane", "namespace": "podium"}]
    # Cluster-wide: only reads, only of nodes (capacity) and pods (their requests on each node).
    (cluster_role,) = of_kind(docs, "ClusterRole")
    for rule in cluster_role["rules"]:
        assert rule["apiGroups"] == [""] and set(rule["resources"]) <= {"nodes", "pods"}
        assert set(rule["verbs"]) <= READ
    assert any(rule["resources"] == ["nodes"] for rule in cluster_role["rules"])
    for binding in of_kind(docs, "ClusterRoleBinding"):
        assert binding["roleRef"]["name"] == cluster_role["metadata"]["name"]
    # Only the API, the reconciler (and the builder, without its token) use the control plane's ServiceAccount.
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        if pod.get("serviceAccountName") == "podium-control-plane" and pod.get("automountServiceAccountToken", True):
            assert deployment["metadata"]["name"] in ("podium-api", "podium-reconciler")


def _settings_env(docs: list[dict[str, Any]], placement_file: Path) -> dict[str, str]:
    data = dict(one(docs, "ConfigMap", "podium-settings")["data"])
    assert data["PODIUM_KUBE_PLACEMENT"] == "/etc/podium/placement/placement.yaml"
    return {**data, "PODIUM_KUBE_PLACEMENT": str(placement_file),
            "PODIUM_DATABASE_URL": "postgresql+psycopg://podium@db.example.com/podium"}


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_settings_config_map_is_real_settings(rendered: dict[str, list[dict[str, Any]]], name: str,
                                                  tmp_path: Path) -> None:
    docs = rendered[name]
    data = one(docs, "ConfigMap", "podium-settings")["data"]
    unknown = set(data) - real_settings()
    assert not unknown, f"not settings of podium_cp: {sorted(unknown)}"
    placement = tmp_path / "placement.yaml"
    placement.write_text(_placement_text(docs))
    settings = Settings.from_env(_settings_env(docs, placement))
    assert settings.runtime == "kubernetes"
    assert settings.kube_namespace == SPACES_NAMESPACE
    assert settings.spaces_api_url == "http://podium-api.podium.svc:8700"
    assert settings.kube_image_pull_secrets == ("podium-registry-pull",)
    assert settings.space_url("alice", "demo") == "https://demo--alice.spaces.example.com"
    # Every env name a container sets itself is a real setting too, and every Secret it names is one the guide
    # tells operators to create.
    for deployment in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for env in container.get("env", []):
                assert env["name"] in real_settings(), env["name"]
            assert {"configMapRef": {"name": "podium-settings"}} in container.get("envFrom", [])


def _placement_text(docs: list[dict[str, Any]]) -> str:
    (config_map,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].startswith("podium-placement-")]
    return str(config_map["data"]["placement.yaml"])


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_container_that_reads_the_settings_mounts_the_placement_file(
        rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    """Settings.from_env refuses a PODIUM_KUBE_PLACEMENT that is not a file: every reader mounts it."""
    docs = rendered[name]
    placement = next(d["metadata"]["name"] for d in of_kind(docs, "ConfigMap")
                     if d["metadata"]["name"].startswith("podium-placement-"))
    for workload in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
        pod = workload["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["placement"]["configMap"]["name"] == placement  # the generator's hashed name
        for container in pod["containers"]:
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts["/etc/podium/placement"] == "placement"


def test_the_gpu_overlay_places_t4_and_a100_pools(rendered: dict[str, list[dict[str, Any]]]) -> None:
    from podium_cp.runtime.kube.placement import parse_placement

    placement = parse_placement(yaml.safe_load(_placement_text(rendered["overlays/gpu"])))
    t4 = placement.for_flavor("t4-small", "T4", 1)
    assert t4.node_selector == {"podium.dev/pool": "gpu-t4", "nvidia.com/gpu.product": "Tesla-T4"}
    assert t4.tolerations == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    a100 = placement.for_flavor("a100-large", "A100", 1)
    assert a100.node_selector == {"podium.dev/pool": "gpu-a100"}
    terms = a100.affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["key"] == "nvidia.com/gpu.product"
    assert {"key": "podium.dev/spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"} in a100.tolerations
    assert placement.for_flavor("cpu-basic").node_selector == {"podium.dev/pool": "cpu"}
    # The base's file names no pool: GPU flavors get the GPU operator's defaults.
    base = parse_placement(yaml.safe_load(_placement_text(rendered["base"])))
    assert base.for_flavor("t4-small", "T4", 1).node_selector == {"nvidia.com/gpu.present": "true"}
    # The platform's own pods stay off GPU nodes in the GPU overlay.
    for deployment in of_kind(rendered["overlays/gpu"], "Deployment"):
        affinity = deployment["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
        term = affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        assert term["matchExpressions"] == [{"key": "nvidia.com/gpu.present", "operator": "DoesNotExist"}]


def test_a_bad_placement_file_would_be_refused() -> None:
    """The placement module refuses what a typo in an overlay's file would produce."""
    from podium_cp.runtime.kube.placement import parse_placement

    text = (K8S / "overlays" / "gpu" / "placement.yaml").read_text().replace("tolerations:", "toleration:", 1)
    with pytest.raises(ValueError, match="toleration"):
        parse_placement(yaml.safe_load(text))


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_spaces_network_policy_is_the_runtimes(rendered: dict[str, list[dict[str, Any]]], name: str,
                                                   tmp_path: Path) -> None:
    from podium_cp.runtime.kube.config import KubeConfig
    from podium_cp.runtime.kube.manifests import network_policy

    docs = rendered[name]
    placement = tmp_path / "placement.yaml"
    placement.write_text(_placement_text(docs))
    expected = network_policy(KubeConfig.from_settings(Settings.from_env(_settings_env(docs, placement))))
    policy = one(docs, "NetworkPolicy", "podium-spaces-ingress")
    policy["metadata"]["labels"].pop("app.kubernetes.io/part-of")
    assert policy == expected
    router = one(docs, "Deployment", "podium-router")
    labels = router["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "podium-router"


@pytest.mark.parametrize("name", ["overlays/default", "overlays/gpu"])
def test_overlays_pull_the_platform_from_the_registry_and_route_the_hosts(
        rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    images = {c["image"] for w in of_kind(docs, "Deployment") + of_kind(docs, "Job")
              for c in w["spec"]["template"]["spec"]["containers"]}
    assert images == {PLATFORM_IMAGE}
    ingress = one(docs, "Ingress", "podium")
    hosts = {rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]}
    assert hosts == {"podium.example.com": "podium-api", "*.spaces.example.com": "podium-router",
                     "*.share.example.com": "podium-router"}
    assert {t["secretName"] for t in ingress["spec"]["tls"]} == {"podium-console-tls", "podium-spaces-tls",
                                                                 "podium-share-tls"}
    tunnel = one(docs, "Service", "podium-share-tunnel")
    assert tunnel["spec"]["type"] == "LoadBalancer" and tunnel["spec"]["ports"][0]["port"] == 7000
    reconciler = one(docs, "Deployment", "podium-reconciler")
    assert reconciler["spec"]["replicas"] == 1 and reconciler["spec"]["strategy"]["type"] == "Recreate"
    builder = one(docs, "Deployment", "podium-builder")["spec"]["template"]["spec"]
    (podman,) = builder["initContainers"]
    # infra/podman/image's entrypoint serves Podman's API on the socket the builder's DOCKER_HOST names
    assert podman["restartPolicy"] == "Always" and podman["args"] == ["/run/podman/podman.sock"]
    assert podman["image"].endswith("podium/podman:0.1.0") and "command" not in podman
    (build,) = builder["containers"]
    assert {"name": "DOCKER_HOST", "value": "unix:///run/podman/podman.sock"} in build["env"]
