"""`podium login / whoami / logout`: the real CLI (a subprocess) against a real control plane served by uvicorn."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_headers, free_port, new_token, served, signup

from podium_cp.api import create_app
from podium_cp.settings import Settings

PODIUM = Path(sys.executable).with_name("podium")


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The control plane on a free local port; yields its URL."""
    with served(create_app(settings)) as url:
        yield url


def run_cli(home: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    environ.update(PODIUM_HOME=str(home), **env)
    return subprocess.run(
        [str(PODIUM), *args], input=stdin or "", capture_output=True, text=True, timeout=60, env=environ
    )


def test_login_whoami_logout_round_trip(api: TestClient, server: str, tmp_path: Path) -> None:
    signup(api, "alice")
    token = new_token(api, ["read", "write"])
    home = tmp_path / "home"

    logged_in = run_cli(home, "login", "--server", server + "/", "--token", token)
    assert logged_in.returncode == 0, logged_in.stderr
    assert f"Signed in to {server} as alice (scopes: read, write)" in logged_in.stdout
    credentials = home / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    stored = json.loads(credentials.read_text())
    assert stored["default"] == server and stored["servers"][server]["token"] == token

    who = run_cli(home, "whoami")  # the default server: the last one signed in to
    assert who.returncode == 0, who.stderr
    assert who.stdout.splitlines()[:3] == ["user: alice", f"server: {server}", "scopes: read, write"]
    assert token not in who.stdout

    logged_out = run_cli(home, "logout")
    assert logged_out.returncode == 0, logged_out.stderr
    public_id = api.get("/api/user/tokens").json()["items"][0]["public_id"]
    assert f"DELETE {server}/api/user/tokens/{public_id}" in logged_out.stdout
    assert "still works" in logged_out.stdout
    assert token not in credentials.read_text()
    after = run_cli(home, "whoami", "--server", server)
    assert after.returncode == 1 and "not signed in" in after.stderr


def test_login_reads_the_token_from_stdin_and_the_server_from_the_environment(
    api: TestClient, server: str, tmp_path: Path
) -> None:
    signup(api, "alice")
    token = new_token(api, ["read"])
    result = run_cli(tmp_path, "login", "--token", "-", stdin=token + "\n", PODIUM_SERVER=server)
    assert result.returncode == 0, result.stderr
    piped = run_cli(tmp_path / "other", "login", stdin=token + "\n", PODIUM_SERVER=server)  # not a TTY: stdin
    assert piped.returncode == 0, piped.stderr
    assert run_cli(tmp_path, "whoami", PODIUM_SERVER=server).stdout.startswith("user: alice")


def test_refused_revoked_and_unreachable(api: TestClient, server: str, tmp_path: Path) -> None:
    signup(api, "alice")
    refused = run_cli(tmp_path, "login", "--server", server, "--token", "pdm_not-a-real-token")
    assert refused.returncode == 1 and "refused the token" in refused.stderr
    assert not (tmp_path / "credentials.json").exists()

    token = new_token(api, ["read"])
    assert run_cli(tmp_path, "login", "--server", server, "--token", token).returncode == 0
    public_id = api.get("/api/user/tokens").json()["items"][0]["public_id"]
    assert api.delete(f"/api/user/tokens/{public_id}", headers=csrf_headers(api)).status_code == 204
    revoked = run_cli(tmp_path, "whoami")
    assert revoked.returncode == 1 and "refused the token" in revoked.stderr and "Traceback" not in revoked.stderr

    nowhere = f"http://127.0.0.1:{free_port()}"
    unreachable = run_cli(tmp_path, "login", "--server", nowhere, "--token", token)
    assert unreachable.returncode == 1 and f"Cannot reach {nowhere}" in unreachable.stderr
    no_server = run_cli(tmp_path / "empty", "whoami")
    assert no_server.returncode == 1 and "--server" in no_server.stderr
