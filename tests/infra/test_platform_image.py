"""infra/platform: the platform image builds (infra/platform/build.sh, FROM the project's cached Debian rootfs) and
its entrypoint runs the API against the test Postgres until GET /api/health answers. The container uses the host's
network: the test cluster listens on 127.0.0.1 only, and the API listens on a free port there."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
from infra_support import ROOT
from platform_fixtures import TEST_SECRET_KEYS

pytestmark = pytest.mark.slow
BUILD = ROOT / "infra" / "platform" / "build.sh"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def platform_image() -> str:
    """The platform image's reference (built once; cached by its inputs' digest)."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    done = subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, timeout=1200, cwd=ROOT)
    if done.returncode != 0 and "space-image/build.sh failed" in done.stderr:
        pytest.skip(f"the Debian rootfs cannot be built here: {done.stderr.strip()[-500:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _run(image: str, *args: str, env: dict[str, str], detach: bool = False) -> subprocess.CompletedProcess[str]:
    flags = [f"--env={key}={value}" for key, value in env.items()]
    return subprocess.run(["podman", "run", *(["-d"] if detach else ["--rm"]), "--network=host", *flags, image, *args],
                          capture_output=True, text=True, timeout=300)


def test_the_image_runs_as_a_non_root_user_and_refuses_unknown_services(platform_image: str) -> None:
    inspect = json.loads(subprocess.run(["podman", "image", "inspect", platform_image], capture_output=True,
                                        text=True, check=True).stdout)[0]
    assert inspect["Config"]["User"] == "1000:1000"
    assert inspect["Config"]["Entrypoint"] == ["/usr/local/bin/podium-service"]
    bad = _run(platform_image, "bogus", env={})
    assert bad.returncode == 2 and "unknown service 'bogus'" in bad.stderr
    none = subprocess.run(["podman", "run", "--rm", "--entrypoint", "/usr/local/bin/podium-service", platform_image],
                          capture_output=True, text=True, timeout=120)
    assert none.returncode == 2 and "usage:" in none.stderr


@pytest.fixture
def api_container(platform_image: str, pg_url: str) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {"PODIUM_DATABASE_URL": pg_url, "PODIUM_SECRET_KEYS": TEST_SECRET_KEYS, "PODIUM_API_HOST": "127.0.0.1",
           "PODIUM_API_PORT": str(port)}
    migrated = _run(platform_image, "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "database migrated to head" in migrated.stdout
    started = _run(platform_image, "api", env=env, detach=True)
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        yield container, port
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "2", container], capture_output=True, timeout=120)


def test_the_api_entrypoint_answers_health_and_serves_the_console(api_container: tuple[str, int]) -> None:
    container, port = api_container
    body = None
    deadline = time.monotonic() + 120
    while body is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as reply:
                body = json.loads(reply.read())
        except OSError:
            state = subprocess.run(["podman", "inspect", "-f", "{{.State.Running}}", container],
                                   capture_output=True, text=True).stdout.strip()
            if state != "true" or time.monotonic() > deadline:
                logs = subprocess.run(["podman", "logs", container], capture_output=True, text=True)
                pytest.fail(f"the API did not answer (running: {state}): {logs.stdout[-1500:]}{logs.stderr[-1500:]}")
            time.sleep(0.5)
    assert body.get("status") == "ok", body
    if (ROOT / "frontend_dist" / "build" / "console" / "index.html").exists():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
            assert b"<html" in reply.read().lower()
