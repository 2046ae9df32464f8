"""`GET /api/spaces/{owner}/{name}/logs`: a Space's runtime log over the real API and Postgres.

The container engine is a fake on `app.state.runtime` (FakeRuntime): these tests decide what the container wrote
and when, and make the engine fail on demand. The real engine's `DockerRuntime.logs` is tested against Podman in
test_container_engine.py; `test_an_unreachable_engine_is_a_503` goes through the real `runtime_from_env` path with
an engine socket nobody serves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from helpers import db_url, error_code, served, sql, user_headers

from podium_cp.api.routes_space_logs import new_lines
from podium_cp.runtime.base import ContainerEngineError, RuntimeHandle

CONTAINER = "c0ffee1234567890abcdef"


class FakeRuntime:
    """The runtime's `logs`, answering from `log` (or raising `failure`); `on_read` runs after each read."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.failure: Exception | None = None
        self.calls: list[tuple[str, int]] = []
        self.on_read: Callable[[int], None] = lambda count: None
        self.lock = threading.Lock()

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        with self.lock:
            self.calls.append((handle.container_id, tail))
            if self.failure is not None:
                raise self.failure
            lines = self.log[-tail:] if tail else []
            self.on_read(len(self.calls))
            return lines


@pytest.fixture
def alice(api: TestClient) -> dict[str, str]:
    headers = user_headers(api, "alice")
    for name, visibility in (("demo", "public"), ("hidden", "private")):
        created = api.post("/api/spaces", json={"owner": "alice", "name": name, "visibility": visibility},
                           headers=headers)
        assert created.status_code == 201, created.text
    return headers


def run_container(api: TestClient, name: str, container_id: str = CONTAINER) -> None:
    sql(db_url(api), "INSERT INTO space_runtimes (space_id, backend, container_id, url, status, restart_generation, "
                     "restarts, last_error, updated_at) SELECT id, 'docker', :cid, 'http://127.0.0.1:1', 'running', "
                     "0, 0, '', now() FROM spaces WHERE name = :name "
                     "ON CONFLICT (space_id) DO UPDATE SET container_id = :cid", cid=container_id, name=name)


def fake(api: TestClient, log: list[str]) -> FakeRuntime:
    runtime = FakeRuntime(log)
    api.app.state.runtime = runtime  # type: ignore[attr-defined]
    return runtime


def test_a_space_without_a_container_has_no_lines_and_says_why(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, ["never read"])
    response = api.get("/api/spaces/alice/demo/logs", headers=alice)
    assert response.status_code == 200
    body = response.json()
    assert body["lines"] == [] and body["container"] is None
    assert "no running container" in body["note"]
    assert runtime.calls == []


def test_the_last_lines_of_the_running_container(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, [f"line {i}" for i in range(500)])
    run_container(api, "demo")
    body = api.get("/api/spaces/alice/demo/logs", headers=alice).json()
    assert body == {"lines": [f"line {i}" for i in range(300, 500)], "container": CONTAINER[:12], "note": None}
    assert runtime.calls == [(CONTAINER, 200)]  # tail defaults to 200
    assert api.get("/api/spaces/alice/demo/logs?tail=2").json()["lines"] == ["line 498", "line 499"]  # anonymous
    assert error_code(api.get("/api/spaces/alice/demo/logs?tail=-1")) == "invalid_input"


def test_outsiders_get_404_for_a_private_space(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, ["secret line"])
    run_container(api, "hidden")
    eve = user_headers(api, "eve")
    for headers in (eve, {}):
        response = api.get("/api/spaces/alice/hidden/logs", headers=headers)
        assert response.status_code == 404 and error_code(response) == "space_not_found"
    assert runtime.calls == []
    assert api.get("/api/spaces/alice/hidden/logs", headers=alice).json()["lines"] == ["secret line"]


def test_an_engine_error_is_a_503(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, [])
    runtime.failure = ContainerEngineError("could not read the logs of c0ffee: connection refused")
    run_container(api, "demo")
    for query in ("", "?follow=true"):
        response = api.get(f"/api/spaces/alice/demo/logs{query}", headers=alice)
        assert response.status_code == 503, response.text
        assert error_code(response) == "engine_unavailable"
        assert "connection refused" in response.json()["error"]["message"]


def test_an_unreachable_engine_is_a_503(api: TestClient, alice: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("PODIUM_DOCKER_HOST", f"unix://{tmp_path}/nobody-serves-this.sock")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nobody-serves-this.sock")
    run_container(api, "demo")
    response = api.get("/api/spaces/alice/demo/logs", headers=alice)
    assert response.status_code == 503 and error_code(response) == "engine_unavailable"


def _events(lines: Iterator[str]) -> list[tuple[str, str]]:
    """(event, data) of each server-sent event, until the stream ends."""
    events, kind = [], "message"
    for line in lines:
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            events.append((kind, line[5:].removeprefix(" ")))
        elif not line:
            kind = "message"
    return events


def test_follow_sends_new_lines_until_the_space_is_deleted(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, ["one", "two", "three"])

    def grow(count: int) -> None:  # the app writes a line between reads; the Space is deleted after the third
        runtime.log.append(f"more {count}")
        if count == 3:
            sql(db_url(api), "UPDATE spaces SET desired_state = 'deleted' WHERE name = 'demo'")

    runtime.on_read = grow
    run_container(api, "demo")
    with served(api.app) as url, httpx.stream("GET", f"{url}/api/spaces/alice/demo/logs",
                                              params={"follow": "true", "tail": 2}, headers=alice, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _events(r.iter_lines())
    assert events == [
        ("container", CONTAINER[:12]),
        ("message", "two"), ("message", "three"),  # the tail at the start
        ("message", "more 1"), ("message", "more 2"),  # written after each read
        ("end", "The Space was deleted"),
    ]


def test_follow_waits_for_a_container(api: TestClient, alice: dict[str, str]) -> None:
    runtime = fake(api, ["started"])

    def delete(count: int) -> None:
        sql(db_url(api), "UPDATE spaces SET desired_state = 'deleted' WHERE name = 'demo'")

    runtime.on_read = delete
    with served(api.app) as url, httpx.stream("GET", f"{url}/api/spaces/alice/demo/logs", params={"follow": "true"},
                                              headers=alice, timeout=30) as r:
        lines = r.iter_lines()
        assert next(lines) == "event: note"
        assert "no running container" in next(lines)
        run_container(api, "demo")
        events = _events(lines)
    assert events == [("container", CONTAINER[:12]), ("message", "started"), ("end", "The Space was deleted")]


def test_new_lines_of_a_growing_log() -> None:
    log = [f"l{i}" for i in range(20)]
    assert new_lines(log[:5], log[:8], window=10) == ["l5", "l6", "l7"]  # the whole log fits the window
    assert new_lines(log[:9], log[5:15], window=10) == log[9:15]  # the window slid
    assert new_lines(log[:10], log[10:20], window=10) == log[10:20]  # more new lines than the window: all shown
    assert new_lines(log[:5], log[:5], window=10) == []
