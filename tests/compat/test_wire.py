"""Wire details `gradio_client` depends on without showing them (spec sections 3.2 and 6)."""

import uuid

import httpx
import pytest


@pytest.fixture(scope="module")
def state_app(running_apps):
    return running_apps.get("state_app")


def _api(app):
    return app.demo.local_url.rstrip("/") + "/gradio_api"


def test_heartbeat_is_an_event_stream(state_app):
    with httpx.stream("GET", f"{_api(state_app)}/heartbeat/{uuid.uuid4()}", timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_bytes())
    assert first.startswith(b"data:")


def test_unknown_session_stream_reports_session_not_found(state_app):
    body = b""
    params = {"session_hash": uuid.uuid4().hex}
    with httpx.stream("GET", f"{_api(state_app)}/queue/data", params=params, timeout=30) as response:
        assert response.status_code == 200
        try:
            for chunk in response.iter_bytes():
                body += chunk
        except httpx.RemoteProtocolError:  # Gradio drops the connection right after the message
            pass
    frames = [f for f in body.split(b"\n\n") if f.strip()]
    assert len(frames) == 1 and frames[0].startswith(b"data:")
    assert b'"session_not_found":true' in frames[0].replace(b" ", b"")
    assert b'"event_id":null' in frames[0].replace(b" ", b"")


def test_config_lives_at_the_root_only(state_app):
    root = state_app.demo.local_url.rstrip("/")
    assert httpx.get(f"{root}/config", timeout=30).json()["protocol"] == "sse_v3"
    assert httpx.get(f"{root}/gradio_api/config", timeout=30).status_code == 404


def test_reset_and_cancel_of_unknown_events_succeed(state_app):
    body = {"fn_index": 0, "session_hash": uuid.uuid4().hex, "event_id": uuid.uuid4().hex}
    assert httpx.post(f"{_api(state_app)}/cancel", json=body, timeout=30).status_code == 200
    assert httpx.post(f"{_api(state_app)}/reset", json={"event_id": body["event_id"]}, timeout=30).json() == {
        "success": True
    }
