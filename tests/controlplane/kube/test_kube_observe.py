"""The cases of runtime/kube/observe.py the recorded-response tests do not reach: a roll in progress, a stalled
rollout, a quota refusing pods, and how a pod's requests are counted (init containers, overhead, limits only)."""

from __future__ import annotations

import copy
from decimal import Decimal

from recorded_api import recorded

from podium_cp.runtime.kube.observe import pod_requests, space_status


def test_a_roll_in_progress_is_starting_even_with_an_old_pod_ready() -> None:
    deployment = copy.deepcopy(recorded("deployment_available"))
    deployment["metadata"]["generation"] = 3  # the controller has not seen the new template yet
    assert space_status(deployment, recorded("pods_running")["items"]).state == "starting"
    deployment["status"].update(observedGeneration=3, replicas=2, updatedReplicas=1)  # old and new pods
    assert space_status(deployment, recorded("pods_running")["items"]).state == "starting"


def test_a_stalled_rollout_and_a_quota_say_why() -> None:
    deployment = copy.deepcopy(recorded("deployment_progressing"))
    deployment["status"]["conditions"][1] = {"type": "Progressing", "status": "False",
                                             "reason": "ProgressDeadlineExceeded",
                                             "message": "ReplicaSet \"space-42-7b9f8c4d5e\" has timed out progressing."}
    found = space_status(deployment, [])
    assert found.state == "exited" and found.message.startswith("ProgressDeadlineExceeded")
    deployment = copy.deepcopy(recorded("deployment_progressing"))
    deployment["status"]["conditions"].append({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                               "message": "pods is forbidden: exceeded quota: gpu-quota"})
    found = space_status(deployment, [])
    assert found.state == "starting" and "exceeded quota" in found.message and not found.waiting_for_hardware


def test_terminating_pods_do_not_count() -> None:
    pods = copy.deepcopy(recorded("pods_crashloop"))["items"]
    pods[0]["metadata"]["deletionTimestamp"] = "2025-05-01T12:00:00Z"
    assert space_status(recorded("deployment_progressing"), pods).state == "starting"


def test_pod_requests_count_like_the_scheduler() -> None:
    pod = {"spec": {
        "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "3", "memory": "1Gi"}}}],
        "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2", "memory": "2Gi"}}},
                       {"name": "b", "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
        "overhead": {"cpu": "250m"},
    }}
    assert pod_requests(pod) == {"cpu": Decimal("3.25"), "memory": Decimal(2 * 1024**3), "nvidia.com/gpu": Decimal(1)}
