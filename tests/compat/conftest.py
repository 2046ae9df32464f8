"""Fixtures of the compatibility suite: launch a Podium app in-process and call it with the real `gradio_client`.

Each module in `apps/` builds `demo` with `import podium as gr`, exactly as a Gradio user writes it. An app is
launched once per test session (on first use) on a free port and closed when the session ends; a module-level
`LAUNCH_KWARGS` dict adds the `launch()` arguments the app's `__main__` block passes.

`COMPAT_BACKEND=gradio` runs the same apps and tests against the real Gradio instead (it makes
`import podium` return `gradio`), which checks that the suite asserts Gradio's behaviour and not Podium's.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

APPS_DIR = Path(__file__).parent / "apps"
if str(APPS_DIR.parent) not in sys.path:  # test modules import `golden_api` (pytest runs with --import-mode=importlib)
    sys.path.insert(0, str(APPS_DIR.parent))
BACKEND = os.environ.get("COMPAT_BACKEND", "podium")

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry from either side, ever

if BACKEND == "gradio":
    import gradio

    sys.modules["podium"] = gradio
else:
    _sdk = Path(__file__).resolve().parents[2] / "sdk"
    if str(_sdk) not in sys.path:
        sys.path.insert(0, str(_sdk))

from app_launcher import RunningApps, free_port, load_app  # noqa: E402, F401 - shared with tests/e2e
from gradio_client import Client  # noqa: E402  (after the backend switch, on purpose)


@pytest.fixture(scope="session")
def running_apps() -> Iterator[RunningApps]:
    apps = RunningApps(APPS_DIR, "compat_apps")
    yield apps
    apps.close_all()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., Client]]:
    """`make_client(app_module, **kwargs)`: a real `gradio_client.Client` for the app, closed after the test."""
    clients: list[Client] = []

    def _make(app: ModuleType, **kwargs: Any) -> Client:
        kwargs.setdefault("verbose", False)
        kwargs.setdefault("download_files", str(tmp_path / "downloads"))
        kwargs.setdefault("analytics_enabled", False)
        client = Client(app.demo.local_url, **kwargs)
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.close()


def fn_index_of(app: ModuleType, api_name: str) -> int:
    """The fn_index (dependency id) of the endpoint named `api_name` (without the leading slash)."""
    config = httpx.get(app.demo.local_url.rstrip("/") + "/config", timeout=30).json()
    for dep in config["dependencies"]:
        if dep.get("api_name") == api_name:
            return int(dep["id"])
    raise LookupError(f"no dependency with api_name {api_name!r}")


def _call_like_the_browser(
    app: ModuleType,
    api_name: str,
    data: list[Any],
    *,
    event_data: Any = None,
    trigger_id: int | None = None,
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Join the queue as the JS client does (with event_data and trigger_id, which `gradio_client` never
    sends) and return every message of that event, in order, ending with `process_completed`."""
    base = app.demo.local_url.rstrip("/") + "/gradio_api"
    session_hash = uuid.uuid4().hex
    body = {
        "data": data,
        "fn_index": fn_index_of(app, api_name),
        "session_hash": session_hash,
        "event_data": event_data,
        "trigger_id": trigger_id,
    }
    messages: list[dict[str, Any]] = []
    with httpx.Client(timeout=timeout) as http:
        joined = http.post(f"{base}/queue/join", json=body)
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        with http.stream("GET", f"{base}/queue/data", params={"session_hash": session_hash}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            buffer = b""
            for chunk in stream.iter_bytes():
                buffer += chunk
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    if not frame.strip():
                        continue
                    assert frame.startswith(b"data:"), f"not an SSE data frame: {frame[:80]!r}"
                    message = json.loads(frame[len(b"data:") :])
                    if message.get("event_id") == event_id:
                        messages.append(message)
                        if message["msg"] == "process_completed":
                            return messages
                    elif message["msg"] == "close_stream":
                        return messages
    return messages


@pytest.fixture
def call_like_the_browser() -> Callable[..., list[dict[str, Any]]]:
    """`call_like_the_browser(app, api_name, data, event_data=..., trigger_id=...)` -> the event's messages."""
    return _call_like_the_browser
