"""`podium push`: the real CLI (a subprocess) against a real control plane: the Space is created, only the
contents the server lacks are uploaded, and the revision queues a build (no builder runs here)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import error_code, new_token, served, signup

from podium_cp.api import create_app
from podium_cp.settings import Settings

PODIUM = Path(sys.executable).with_name("podium")
README = "---\ntitle: Demo\nsdk: podium\napp_file: app.py\n---\n# Demo\n"


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with served(create_app(settings)) as url:
        yield url


def podium(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = str(home)
    return subprocess.run([str(PODIUM), *args], capture_output=True, text=True, timeout=120, env=env)


def test_push_creates_the_space_and_sends_only_what_changed(api: TestClient, server: str, tmp_path: Path) -> None:
    signup(api, "alice")
    home = tmp_path / "home"
    assert podium(home, "login", "--server", server, "--token", new_token(api, ["read", "write"])).returncode == 0
    app = tmp_path / "demo"
    app.mkdir()
    (app / "README.md").write_text(README)
    (app / "app.py").write_text("import podium as gr\n")
    (app / "same.txt").write_text("shared\n")
    (app / "copy.txt").write_text("shared\n")  # same content: sent once
    (app / ".gitignore").write_text("*.log\n")
    (app / "debug.log").write_text("not sent\n")

    first = podium(home, "push", str(app), "--space", "alice/demo", "--no-follow", "-m", "first")
    assert first.returncode == 0, first.stderr
    assert "Created the Space alice/demo" in first.stderr
    assert "Uploading 4 of 5 files" in first.stderr  # README, app.py, .gitignore, and the shared content once
    assert "revision 1" in first.stdout

    (app / "app.py").write_text("import podium as gr  # changed\n")
    second = podium(home, "push", str(app), "--space", "alice/demo", "--no-follow")
    assert second.returncode == 0, second.stderr
    assert "Uploading 1 of 5 files" in second.stderr
    assert "revision 2" in second.stdout

    revisions = api.get("/api/spaces/alice/demo/revisions").json()["items"]
    assert [(r["number"], r["files"]) for r in revisions] == [(2, 5), (1, 5)]  # debug.log is ignored
    assert revisions[1]["message"] == "first"
    assert api.get("/api/spaces/alice/demo").json()["stage"] == "BUILDING"


def test_push_refuses_a_folder_without_its_app_file(api: TestClient, server: str, tmp_path: Path) -> None:
    signup(api, "alice")
    home = tmp_path / "home"
    assert podium(home, "login", "--server", server, "--token", new_token(api, ["read", "write"])).returncode == 0
    app = tmp_path / "empty"
    app.mkdir()
    (app / "README.md").write_text(README)
    done = podium(home, "push", str(app), "--space", "alice/empty", "--no-follow")
    assert done.returncode == 1
    assert "NO_APP_FILE" in done.stderr
    assert error_code(api.get("/api/spaces/alice/empty")) == "space_not_found"  # nothing was created


def test_push_needs_write_access(api: TestClient, server: str, tmp_path: Path) -> None:
    signup(api, "alice")
    home = tmp_path / "home"
    assert podium(home, "login", "--server", server, "--token", new_token(api, ["read"])).returncode == 0
    app = tmp_path / "demo"
    app.mkdir()
    (app / "README.md").write_text(README)
    (app / "app.py").write_text("x = 1\n")
    done = podium(home, "push", str(app), "--space", "alice/demo", "--no-follow")
    assert done.returncode == 1
    assert "403" in done.stderr and "write" in done.stderr
