"""KubernetesRuntime against recorded API responses.

This is a recorded-response test because a real API server cannot run here (no Kubernetes binaries): the real
`kubernetes` client talks HTTP to a local server (recorded_api.py) that replays JSON responses written in the
API's documented shapes and records every request, so the tests assert what the backend asked (create or
replace, namespaces, label selectors, delete propagation) and what it made of the answers. The manifests
themselves run for real with `podman kube play` in another test.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest
from kubernetes import client
from recorded_api import RecordedApi, recorded, status

from podium_cp.runtime.base import ContainerEngineError, ContainerSpec, RuntimeHandle
from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.runtime import KubernetesRuntime
from podium_cp.settings import Settings

NS = "/api/v1/namespaces/spaces"
APPS = "/apis/apps/v1/namespaces/spaces"
HANDLE = RuntimeHandle(container_id="space-42", url="http://space-42.spaces.svc:7860")
SPEC = ContainerSpec(space_id=42, name="acme/demo", image="registry.local/prod-space-42:b8", cpu=1.0,
                     memory_mb=2048, hardware="cpu-basic", labels={"org.podium.config": "def456"})
SELECTOR = "app.kubernetes.io/name=podium-space,podium.dev/installation=prod,podium.dev/space-id=42"


def test_start_creates_what_is_missing(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("POST", f"{NS}/secrets", {"kind": "Secret"}, 201)
    kube_api.reply("POST", f"{APPS}/deployments", {"kind": "Deployment"}, 201)
    kube_api.reply("POST", f"{NS}/services", {"kind": "Service"}, 201)
    handle = kube_runtime.start(dataclasses.replace(SPEC, secret_env={"HF_TOKEN": "hf_x"}))
    assert handle == RuntimeHandle(container_id="space-42", url="http://space-42.spaces.svc:7860")
    assert kube_api.asked() == [
        ("GET", f"{NS}/secrets/space-42-secrets"), ("POST", f"{NS}/secrets"),
        ("GET", f"{APPS}/deployments/space-42"), ("POST", f"{APPS}/deployments"),
        ("GET", f"{NS}/services/space-42"), ("POST", f"{NS}/services"),
    ]
    secret, deployment, service = (r.body for r in kube_api.requests if r.method == "POST")
    assert secret["stringData"] == {"HF_TOKEN": "hf_x"} and secret["metadata"]["namespace"] == "spaces"
    assert deployment["metadata"]["annotations"]["org.podium.config"] == "def456"
    assert deployment["metadata"]["labels"]["podium.dev/installation"] == "prod"
    assert service["spec"]["ports"][0]["port"] == 7860


def test_start_replaces_what_exists_and_drops_an_old_secret(kube_api: RecordedApi,
                                                             kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_available"))
    kube_api.reply("PUT", f"{APPS}/deployments/space-42", recorded("deployment_available"))
    kube_api.reply("GET", f"{NS}/services/space-42", recorded("service_existing"))
    kube_api.reply("PUT", f"{NS}/services/space-42", recorded("service_existing"))
    kube_api.reply("DELETE", f"{NS}/secrets/space-42-secrets", status(200, "", "deleted"))
    kube_runtime.start(SPEC)
    assert kube_api.asked() == [
        ("GET", f"{APPS}/deployments/space-42"), ("PUT", f"{APPS}/deployments/space-42"),
        ("GET", f"{NS}/services/space-42"), ("PUT", f"{NS}/services/space-42"),
        ("DELETE", f"{NS}/secrets/space-42-secrets"),
    ]
    deployment, service = (r.body for r in kube_api.requests if r.method == "PUT")
    assert deployment["metadata"]["resourceVersion"] == "81234"  # optimistic concurrency: replace what was read
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == SPEC.image
    assert service["metadata"]["resourceVersion"] == "777"
    assert service["spec"]["clusterIP"] == "10.96.14.2"  # immutable: kept


def test_start_refuses_an_object_being_deleted(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    deleting = copy.deepcopy(recorded("deployment_available"))
    deleting["metadata"]["deletionTimestamp"] = "2025-05-01T12:00:00Z"
    kube_api.reply("GET", f"{APPS}/deployments/space-42", deleting)
    with pytest.raises(ContainerEngineError, match="still being deleted"):
        kube_runtime.start(SPEC)
    assert kube_api.asked("PUT") == []


def test_start_refuses_a_bad_spec_before_asking(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    with pytest.raises(ContainerEngineError, match="cannot run Space acme/demo on Kubernetes: .*sdk"):
        kube_runtime.start(dataclasses.replace(SPEC, sdk="streamlit"))
    assert kube_api.requests == []


def test_status_running(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_available"))
    kube_api.reply("GET", f"{NS}/pods", recorded("pods_running"))
    found = kube_runtime.status(HANDLE)
    assert (found.state, found.health, found.waiting_for_hardware) == ("running", "healthy", False)
    pods_request = [r for r in kube_api.requests if r.path == f"{NS}/pods"][0]
    assert pods_request.query["labelSelector"] == SELECTOR


def test_status_waiting_for_hardware(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_progressing"))
    kube_api.reply("GET", f"{NS}/pods", recorded("pods_pending_unschedulable"))
    found = kube_runtime.status(HANDLE)
    assert (found.state, found.waiting_for_hardware) == ("starting", True)
    assert found.message.startswith("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")


def test_status_waiting_takes_the_event_when_the_condition_is_silent(kube_api: RecordedApi,
                                                                     kube_runtime: KubernetesRuntime) -> None:
    pods = copy.deepcopy(recorded("pods_pending_unschedulable"))
    del pods["items"][0]["status"]["conditions"][0]["message"]
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_progressing"))
    kube_api.reply("GET", f"{NS}/pods", pods)
    kube_api.reply("GET", f"{NS}/events", {"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": [
        {"metadata": {"name": "e1"}, "reason": "FailedScheduling", "lastTimestamp": "2025-05-01T11:00:05Z",
         "message": "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
         "involvedObject": {"kind": "Pod", "name": "space-42-7b9f8c4d5e-q9w8e"}}]})
    found = kube_runtime.status(HANDLE)
    assert found.waiting_for_hardware and "didn't match Pod's node affinity" in found.message
    events = [r for r in kube_api.requests if r.path == f"{NS}/events"][0]
    assert events.query["fieldSelector"] == "involvedObject.name=space-42-7b9f8c4d5e-q9w8e,reason=FailedScheduling"


def test_status_crash_loop_has_the_exit_code(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_progressing"))
    kube_api.reply("GET", f"{NS}/pods", recorded("pods_crashloop"))
    found = kube_runtime.status(HANDLE)
    assert (found.state, found.exit_code, found.waiting_for_hardware) == ("exited", 3, False)


def test_status_image_pull_failure(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_progressing"))
    kube_api.reply("GET", f"{NS}/pods", recorded("pods_image_pull"))
    found = kube_runtime.status(HANDLE)
    assert found.state == "exited" and found.exit_code is None
    assert found.message.startswith("ImagePullBackOff: Back-off pulling image")


def test_status_starting_and_missing(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("deployment_progressing"))
    kube_api.reply("GET", f"{NS}/pods", {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []})
    assert kube_runtime.status(HANDLE).state == "starting"
    del kube_api.routes[("GET", f"{APPS}/deployments/space-42")]  # the API answers 404
    assert kube_runtime.status(HANDLE).state == "missing"
    # A handle of another runtime (a Docker container id) is not ours: missing, without asking.
    before = len(kube_api.requests)
    assert kube_runtime.status(RuntimeHandle(container_id="3f2a9c", url="")).state == "missing"
    assert len(kube_api.requests) == before


def test_remove_deletes_in_the_foreground_and_404_is_fine(kube_api: RecordedApi,
                                                          kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("DELETE", f"{APPS}/deployments/space-42", status(200, "", "deleted"))
    kube_runtime.remove(HANDLE)  # the Service and Secret answer 404
    assert kube_api.asked() == [("DELETE", f"{APPS}/deployments/space-42"), ("DELETE", f"{NS}/services/space-42"),
                                ("DELETE", f"{NS}/secrets/space-42-secrets")]
    assert all(r.body["propagationPolicy"] == "Foreground" for r in kube_api.requests)
    kube_runtime.stop(HANDLE)
    assert len(kube_api.requests) == 6


def test_replicas_come_back_with_their_annotations(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments", recorded("deployments_list"))
    crashing = recorded("pods_crashloop")
    crashing["items"][0]["metadata"]["labels"]["podium.dev/space-id"] = "7"
    kube_api.reply("GET", f"{NS}/pods", crashing)
    found = {r.space_id: r for r in kube_runtime.replicas()}
    assert found[42].labels == {"org.podium.config": "abc123", "org.podium.gpus": "0,1", "podium.dev/space": "acme/demo"}
    assert found[42].handle == RuntimeHandle("space-42", "http://space-42.spaces.svc:7860")
    assert found[42].state == "running"
    assert found[7].state == "exited" and found[7].handle.url == "http://space-7.spaces.svc:8080"
    selectors = {r.path: r.query["labelSelector"] for r in kube_api.requests}
    assert selectors == {f"{APPS}/deployments": "app.kubernetes.io/name=podium-space,podium.dev/installation=prod",
                         f"{NS}/pods": "app.kubernetes.io/name=podium-space,podium.dev/installation=prod"}


def test_capacity_subtracts_requests_per_node(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", "/api/v1/nodes", recorded("nodes"))
    kube_api.reply("GET", "/api/v1/pods", recorded("pods_all_namespaces"))
    nodes = {n.name: n for n in kube_runtime.capacity()}
    a100 = nodes["gpu-a100-1"]
    assert (a100.pool, a100.gpu_type, a100.gpus, a100.gpus_free) == ("a100-pool", "NVIDIA-A100-SXM4-80GB", 8, 3)
    assert a100.cpu == pytest.approx(95.69) and a100.cpu_free == pytest.approx(95.69 - 4 - 8)  # init container 8
    assert a100.memory_mb == 1018765 and a100.memory_mb_free == 1018765 - 16384 - 1024 - 512
    assert a100.schedulable  # its taint is the GPU taint Spaces tolerate
    t4 = nodes["gpu-t4-1"]
    assert (t4.pool, t4.gpu_type, t4.gpus_free, t4.schedulable) == ("t4", "Tesla-T4", 1, False)  # cordoned
    cpu = nodes["cpu-node-1"]
    assert (cpu.pool, cpu.gpu_type, cpu.gpus, cpu.schedulable) == ("default", "", 0, False)  # not Ready
    assert (cpu.cpu_free, cpu.memory_mb, cpu.memory_mb_free) == (6.5, 32768, 30720)
    assert not nodes["control-plane-1"].schedulable  # a taint no Space tolerates
    pods = [r for r in kube_api.requests if r.path == "/api/v1/pods"][0]
    assert pods.query["fieldSelector"] == "status.phase!=Succeeded,status.phase!=Failed"


def test_logs_of_the_newest_pod(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    pods = recorded("pods_running")
    older = copy.deepcopy(pods["items"][0])
    older["metadata"]["name"], older["metadata"]["creationTimestamp"] = "space-42-old", "2025-04-01T00:00:00Z"
    pods["items"].insert(1, older)
    kube_api.reply("GET", f"{NS}/pods", pods)
    kube_api.reply("GET", f"{NS}/pods/space-42-6d4cf56db6-x7k2p/log", b"one\ntwo\nthree\n")
    assert kube_runtime.logs(HANDLE, tail=2) == ["two", "three"]  # the server ignores tailLines; the runtime cuts
    log_request = [r for r in kube_api.requests if r.path.endswith("/log")][0]
    assert log_request.query == {"container": "app", "tailLines": "2"}


def test_logs_without_a_pod_are_the_events(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{NS}/pods", recorded("pods_pending_unschedulable"))
    kube_api.reply("GET", f"{NS}/events", recorded("events_space_42"))
    lines = kube_runtime.logs(HANDLE)
    assert len(lines) == 2 and "space-421" not in " ".join(lines)
    assert lines[1].startswith("2025-05-01T11:00:01Z space-42-7b9f8c4d5e: FailedCreate: Error creating")


def test_ensure_namespace_policy(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    path = "/apis/networking.k8s.io/v1/namespaces/spaces/networkpolicies"
    kube_api.reply("POST", path, {"kind": "NetworkPolicy"}, 201)
    kube_runtime.ensure_namespace_policy()
    assert kube_api.asked() == [("GET", f"{path}/podium-spaces-ingress"), ("POST", path)]
    assert kube_api.requests[1].body["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "podium-space"}}


def test_forbidden_names_the_missing_permission(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", recorded("forbidden_deployments"), 403)
    with pytest.raises(ContainerEngineError) as caught:
        kube_runtime.status(HANDLE)
    message = str(caught.value)
    assert "lacks the RBAC permission to get deployments (API group apps) in namespace spaces" in message
    assert "cannot get resource" in message  # the API server's own words
    kube_api.reply("GET", "/api/v1/nodes", status(403, "Forbidden", "nodes is forbidden"), 403)
    with pytest.raises(ContainerEngineError, match="list nodes in the cluster; add it to its ClusterRole"):
        kube_runtime.capacity()


def test_server_errors_and_an_unreachable_api(kube_api: RecordedApi, kube_runtime: KubernetesRuntime) -> None:
    kube_api.reply("GET", f"{APPS}/deployments/space-42", status(500, "InternalError", "etcdserver: timeout"), 500)
    with pytest.raises(ContainerEngineError, match="could not read Deployment space-42 in namespace spaces: 500 "
                                                   "etcdserver: timeout"):
        kube_runtime.status(HANDLE)
    configuration = client.Configuration(host="http://127.0.0.1:9")  # the discard port: nothing listens
    configuration.retries = 0
    unreachable = KubernetesRuntime(client.ApiClient(configuration), KubeConfig(), request_timeout=5)
    with pytest.raises(ContainerEngineError, match="could not reach the Kubernetes API at http://127.0.0.1:9"):
        unreachable.replicas()


def test_from_settings_without_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing-kubeconfig"))
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(database_url="postgresql+psycopg://unused/podium", data_dir=tmp_path, runtime="kubernetes")
    with pytest.raises(ContainerEngineError, match="found no cluster credentials.*set KUBECONFIG"):
        KubernetesRuntime.from_settings(settings)


def test_from_settings_with_a_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path, kube_api: RecordedApi) -> None:  # type: ignore[no-untyped-def]
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        f"clusters: [{{name: test, cluster: {{server: '{kube_api.url}'}}}}]\n"
        "users: [{name: test, user: {token: abc}}]\n"
        "contexts: [{name: test, context: {cluster: test, user: test}}]\n"
    )
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    settings = Settings(database_url="postgresql+psycopg://unused/podium", data_dir=tmp_path, runtime="kubernetes",
                        kube_namespace="spaces")
    runtime = KubernetesRuntime.from_settings(settings)
    assert runtime.status(HANDLE).state == "missing"
    assert kube_api.asked() == [("GET", f"{APPS}/deployments/space-42")]
