"""`podium spaces ls|info|logs|restart|pause|resume|delete|secrets|variables|hardware`: the real CLI (a
subprocess) against a real control plane served by uvicorn. No builder or reconciler runs here: a pushed
revision's build stays queued and no Space has a container."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import bearer, new_token, served, signup, user_headers

from podium_cp.api import create_app
from podium_cp.settings import Settings

PODIUM = Path(sys.executable).with_name("podium")
SECRET_VALUE = "cli-s3cr3t-never-printed-9f8e7d"


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with served(create_app(settings)) as url:
        yield url


def podium(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = str(home)
    return subprocess.run([str(PODIUM), *args], capture_output=True, text=True, timeout=120, env=env,
                          input=stdin if stdin is not None else "")


def failed(done: subprocess.CompletedProcess[str], *words: str) -> bool:
    """Exit status 1 with one line on stderr holding every word."""
    line = done.stderr.strip()
    return done.returncode == 1 and "\n" not in line and all(w in line for w in words)


@pytest.fixture
def home(api: TestClient, server: str, tmp_path: Path) -> Path:
    """alice signed in to the CLI (full scopes), with Spaces alice/demo (public) and alice/other (private)."""
    signup(api, "alice")
    token = new_token(api)
    for name, visibility in (("demo", "public"), ("other", "private")):
        body = {"owner": "alice", "name": name, "visibility": visibility, "title": name.title()}
        assert api.post("/api/spaces", json=body, headers=bearer(token)).status_code == 201
    home = tmp_path / "home"
    assert podium(home, "login", "--server", server, "--token", token).returncode == 0
    return home


def test_not_signed_in(server: str, tmp_path: Path) -> None:
    for args in (("ls",), ("info", "alice/demo"), ("secrets", "alice/demo", "ls"), ("hardware",)):
        done = podium(tmp_path / "empty", "spaces", *args, "--server", server)
        assert failed(done, "not signed in", "podium login"), done.stderr


def test_ls_and_info(home: Path, api: TestClient) -> None:
    listed = podium(home, "spaces", "ls")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["NAME", "STAGE", "HARDWARE", "VISIBILITY", "URL"]
    assert [r.split()[:4] for r in rows] == [["alice/other", "NO_APP_FILE", "cpu-basic", "private"],
                                            ["alice/demo", "NO_APP_FILE", "cpu-basic", "public"]]
    assert podium(home, "spaces", "ls", "--search", "dem").stdout.count("alice/") == 1
    assert podium(home, "spaces", "ls", "--owner", "bob").stderr.strip() == "No Spaces found"
    as_json = json.loads(podium(home, "spaces", "ls", "--json").stdout)
    assert [s["name"] for s in as_json] == ["other", "demo"]

    info = podium(home, "spaces", "info", "alice/demo")
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith("alice/demo\n")
    assert "title:        Demo" in info.stdout and "NO_APP_FILE" in info.stdout
    assert "revisions:    latest none, serving none" in info.stdout
    assert api.get("/api/spaces/alice/demo").json()["url"] in info.stdout
    detail = json.loads(podium(home, "spaces", "info", "alice/demo", "--json").stdout)
    assert detail["stages"][0]["stage"] == "NO_APP_FILE" and detail["latest_build"] is None


def test_unknown_and_hidden_spaces(home: Path, api: TestClient, server: str, tmp_path: Path) -> None:
    for args in (("info", "alice/nope"), ("restart", "alice/nope"), ("logs", "alice/nope"),
                 ("delete", "alice/nope", "--yes"), ("variables", "alice/nope", "ls")):
        done = podium(home, "spaces", *args)
        assert failed(done, "no Space alice/nope (or you may not see it)"), done.stderr
    eve = tmp_path / "eve"
    token = user_headers(api, "eve")["Authorization"].removeprefix("Bearer ")
    assert podium(eve, "login", "--server", server, "--token", token).returncode == 0
    assert failed(podium(eve, "spaces", "info", "alice/other"), "no Space alice/other")
    assert failed(podium(eve, "spaces", "pause", "alice/demo"), "403")  # seen, not hers
    assert failed(podium(home, "spaces", "info", "not-a-space-id"), "OWNER/NAME")


def test_restart_pause_resume_delete(home: Path, api: TestClient) -> None:
    done = podium(home, "spaces", "restart", "alice/demo")
    assert done.returncode == 0 and "alice/demo: restart requested" in done.stdout
    assert podium(home, "spaces", "pause", "alice/demo").stdout.strip() == "alice/demo: paused; stage PAUSED"
    assert failed(podium(home, "spaces", "restart", "alice/demo"), "space_paused")
    assert podium(home, "spaces", "resume", "alice/demo").stdout.strip() == "alice/demo: resumed; stage NO_APP_FILE"

    refused = podium(home, "spaces", "delete", "alice/demo")  # stdin is not a terminal
    assert failed(refused, "--yes")
    assert api.get("/api/spaces/alice/demo").status_code == 200
    deleted = podium(home, "spaces", "delete", "alice/demo", "--yes")
    assert deleted.returncode == 0 and "Deleted alice/demo" in deleted.stdout
    assert api.get("/api/spaces/alice/demo").status_code == 404
    assert failed(podium(home, "spaces", "info", "alice/demo"), "no Space alice/demo")


def test_secrets_are_set_and_never_printed(home: Path, api: TestClient) -> None:
    cases: list[tuple[str, list[str], str | None]] = [
        ("FROM_FLAG", ["--value", SECRET_VALUE], None),
        ("FROM_STDIN", [], SECRET_VALUE + "\n"),  # piped in
    ]
    for key, args, stdin in cases:
        done = podium(home, "spaces", "secrets", "alice/demo", "set", key, *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
        assert f"Set secret {key} of alice/demo" in done.stdout
        assert SECRET_VALUE not in done.stdout + done.stderr
    listed = podium(home, "spaces", "secrets", "alice/demo", "ls")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["NAME", "FROM_FLAG", "FROM_STDIN"]
    assert SECRET_VALUE not in listed.stdout
    assert podium(home, "spaces", "secrets", "alice/demo", "rm", "FROM_FLAG").returncode == 0
    assert failed(podium(home, "spaces", "secrets", "alice/demo", "rm", "FROM_FLAG"), "secret_not_found")
    assert failed(podium(home, "spaces", "secrets", "alice/demo", "set", "1BAD", "--value", "x"), "secret name")


def test_variables(home: Path) -> None:
    assert podium(home, "spaces", "variables", "alice/demo", "ls").stderr.strip() == "alice/demo has no variables"
    done = podium(home, "spaces", "variables", "alice/demo", "set", "MODEL", "small")
    assert done.returncode == 0 and "Set variable MODEL=small" in done.stdout
    assert podium(home, "spaces", "variables", "alice/demo", "set", "MODEL", "large").returncode == 0
    listed = podium(home, "spaces", "variables", "alice/demo", "ls").stdout.splitlines()
    assert [line.split() for line in listed] == [["NAME", "VALUE"], ["MODEL", "large"]]
    assert podium(home, "spaces", "variables", "alice/demo", "rm", "MODEL").returncode == 0
    assert podium(home, "spaces", "variables", "alice/demo", "ls").stdout == ""


def test_hardware(home: Path, api: TestClient) -> None:
    flavors = podium(home, "spaces", "hardware")
    assert flavors.returncode == 0, flavors.stderr
    assert flavors.stdout.splitlines()[0].split() == ["NAME", "CPU", "MEMORY", "GPU", "AVAILABLE"]
    assert "t4-small" in flavors.stdout and "1x T4" in flavors.stdout
    assert podium(home, "spaces", "hardware", "alice/demo").stdout.strip() == "alice/demo: hardware cpu-basic; stage NO_APP_FILE"
    moved = podium(home, "spaces", "hardware", "alice/demo", "--set", "cpu-upgrade")
    assert moved.stdout.strip() == "alice/demo: hardware is now cpu-upgrade; stage NO_APP_FILE", moved.stderr
    assert api.get("/api/spaces/alice/demo").json()["hardware"] == "cpu-upgrade"
    gpu = podium(home, "spaces", "hardware", "alice/demo", "--set", "t4-small")  # no GPU quota for a user's Space
    assert gpu.returncode == 0 and "stage WAITING_FOR_HARDWARE (" in gpu.stdout
    bad = podium(home, "spaces", "hardware", "alice/demo", "--set", "huge")
    assert failed(bad, "unknown or unavailable hardware 'huge'", "cpu-basic")
    assert failed(podium(home, "spaces", "hardware", "--set", "cpu-basic"), "--set needs a Space")


def test_logs(home: Path, tmp_path: Path) -> None:
    runtime = podium(home, "spaces", "logs", "alice/demo")
    assert runtime.returncode == 0 and runtime.stdout == ""
    assert "no running container" in runtime.stderr
    assert failed(podium(home, "spaces", "logs", "alice/demo", "--build"), "no builds yet", "podium push")

    app = tmp_path / "demo"
    app.mkdir()
    (app / "README.md").write_text("---\ntitle: Demo\nsdk: podium\n---\n")
    (app / "app.py").write_text("import podium as gr\n")
    assert podium(home, "push", str(app), "--space", "alice/demo", "--no-follow").returncode == 0
    build = podium(home, "spaces", "logs", "alice/demo", "--build")
    assert build.returncode == 0, build.stderr
    assert build.stderr.startswith("Build 1 (revision 1): queued") and build.stdout == ""
    assert podium(home, "spaces", "logs", "alice/demo", "--build", "1", "--tail", "5").returncode == 0
    assert failed(podium(home, "spaces", "logs", "alice/demo", "--build", "99"), "404")
    assert "latest build: 1 (revision 1): queued" in podium(home, "spaces", "info", "alice/demo").stdout
