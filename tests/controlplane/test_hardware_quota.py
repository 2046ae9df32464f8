"""Hardware flavors and org quotas over the real API: max_spaces refuses new Spaces (403 `quota_exceeded`), a GPU
flavor beyond max_gpus is created but waits in WAITING_FOR_HARDWARE with the reason, site admins set quotas."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import audit_actions, db_url, error_code, sql, user_headers

Headers = dict[str, str]


@pytest.fixture
def people(api: TestClient) -> dict[str, Headers]:
    """`site` (site admin), alice (owner of org `acme`), dave (read member), eve (outsider)."""
    result = {name: user_headers(api, name) for name in ("site", "alice", "dave", "eve")}
    assert api.post("/api/orgs", json={"name": "acme"}, headers=result["alice"]).status_code == 201
    sql(db_url(api), "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT o.id, u.id, 'read', now() "
        "FROM orgs o, users u WHERE o.name = 'acme' AND u.username = 'dave'")
    return result


def test_hardware_list(api: TestClient) -> None:
    flavors = api.get("/api/hardware").json()
    names = [f["name"] for f in flavors["items"]]
    assert names[:2] == ["cpu-basic", "cpu-upgrade"] and "h100" in names and flavors["next_cursor"] is None
    t4 = next(f for f in flavors["items"] if f["name"] == "t4-small")
    assert t4["gpu_type"] == "T4" and t4["gpu_count"] == 1 and t4["available"] is True


def test_quota_read_and_set(api: TestClient, people: dict[str, Headers]) -> None:
    quota = api.get("/api/orgs/acme/quota", headers=people["dave"])
    assert quota.status_code == 200
    assert quota.json() == {"org": "acme", "max_spaces": 50, "max_gpus": 0, "custom": False, "spaces": 0, "gpus_in_use": 0}
    assert api.get("/api/orgs/acme/quota", headers=people["eve"]).status_code == 403
    assert api.get("/api/orgs/nope/quota", headers=people["dave"]).status_code == 404
    denied = api.put("/api/orgs/acme/quota", json={"max_spaces": 9, "max_gpus": 9}, headers=people["alice"])
    assert denied.status_code == 403 and error_code(denied) == "forbidden"
    assert api.put("/api/orgs/acme/quota", json={"max_spaces": -1, "max_gpus": 0}, headers=people["site"]).status_code == 422
    put = api.put("/api/orgs/acme/quota", json={"max_spaces": 3, "max_gpus": 2}, headers=people["site"])
    assert put.status_code == 200 and put.json()["max_gpus"] == 2 and put.json()["custom"] is True
    assert api.get("/api/orgs/acme/quota", headers=people["alice"]).json()["max_spaces"] == 3
    assert "quota.update" in audit_actions(db_url(api))


def test_max_spaces(api: TestClient, people: dict[str, Headers]) -> None:
    api.put("/api/orgs/acme/quota", json={"max_spaces": 2, "max_gpus": 0}, headers=people["site"])
    for name in ("one", "two"):
        assert api.post("/api/spaces", json={"owner": "acme", "name": name}, headers=people["alice"]).status_code == 201
    refused = api.post("/api/spaces", json={"owner": "acme", "name": "three"}, headers=people["alice"])
    assert refused.status_code == 403 and error_code(refused) == "quota_exceeded"
    message = refused.json()["error"]["message"]
    assert "max_spaces" in message and "site administrator" in message and "2" in message
    assert api.get("/api/orgs/acme/quota", headers=people["dave"]).json()["spaces"] == 2
    # A Space being deleted no longer counts.
    assert api.delete("/api/spaces/acme/one", headers=people["alice"]).status_code == 204
    assert api.post("/api/spaces", json={"owner": "acme", "name": "three"}, headers=people["alice"]).status_code == 201


def test_gpu_over_quota_waits_for_hardware(api: TestClient, people: dict[str, Headers]) -> None:
    created = api.post("/api/spaces", json={"owner": "acme", "name": "gpu", "hardware": "t4-small"}, headers=people["alice"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["stage"] == "WAITING_FOR_HARDWARE"
    assert "t4-small" in body["stage_message"] and "max_gpus" in body["stage_message"]
    # With a GPU allowed, resuming gets the hardware; a second GPU Space then waits while the first runs.
    api.put("/api/orgs/acme/quota", json={"max_spaces": 50, "max_gpus": 1}, headers=people["site"])
    assert api.post("/api/spaces/acme/gpu/resume", headers=people["alice"]).json()["stage"] == "NO_APP_FILE"
    sql(db_url(api), "UPDATE spaces SET stage = 'RUNNING' WHERE name = 'gpu'")
    assert api.get("/api/orgs/acme/quota", headers=people["dave"]).json()["gpus_in_use"] == 1
    second = api.post("/api/spaces", json={"owner": "acme", "name": "gpu2", "hardware": "a10g-small"}, headers=people["alice"])
    assert second.json()["stage"] == "WAITING_FOR_HARDWARE" and "1 are in use" in second.json()["stage_message"]
    # Moving it to CPU hardware clears the wait.
    moved = api.patch("/api/spaces/acme/gpu2", json={"hardware": "cpu-basic"}, headers=people["alice"])
    assert moved.json()["stage"] == "NO_APP_FILE"
    back = api.patch("/api/spaces/acme/gpu2", json={"hardware": "t4-medium"}, headers=people["alice"])
    assert back.json()["stage"] == "WAITING_FOR_HARDWARE" and "t4-medium" in back.json()["stage_message"]
    # Personal Spaces cannot use GPUs.
    personal = api.post("/api/spaces", json={"owner": "eve", "name": "g", "hardware": "t4-small"}, headers=people["eve"])
    assert personal.json()["stage"] == "WAITING_FOR_HARDWARE" and "personal" in personal.json()["stage_message"]


def test_unavailable_flavor_is_unknown(api: TestClient, people: dict[str, Headers]) -> None:
    sql(db_url(api), "UPDATE flavors SET available = false WHERE name = 'h100'")
    try:
        refused = api.post("/api/spaces", json={"owner": "acme", "name": "big", "hardware": "h100"}, headers=people["alice"])
        assert refused.status_code == 422 and error_code(refused) == "unknown_hardware"
    finally:
        sql(db_url(api), "UPDATE flavors SET available = true WHERE name = 'h100'")
