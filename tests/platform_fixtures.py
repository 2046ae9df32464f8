"""Session fixtures for tests that run the real Spaces platform, shared by tests/controlplane and tests/e2e (whose
browser tests run in a pytest process of their own): a private Postgres cluster, Podman serving the Docker API,
and the Space base image. A conftest makes them its own by importing them:

    from platform_fixtures import base_image, pg_cluster, podman_socket  # noqa: F401 (fixtures)

- `pg_cluster`: ONE private Postgres cluster per test run (infra/postgres/cluster.sh, the same script `make up`
  uses); yields the URL of its (empty) `podium` database.
- `podman_socket`, `base_image`: REAL Podman serving the Docker API on a socket in a temporary directory, and the
  Space base image (infra/space-image/build.sh: cached by its inputs' digest; a cold build takes about 80 s).

Importing this module also puts tests/controlplane on sys.path, so that its support modules (`helpers`,
`spaces_platform`: the platform's processes) import the same way from either folder.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTROLPLANE_TESTS = ROOT / "tests" / "controlplane"
if str(CONTROLPLANE_TESTS) not in sys.path:
    sys.path.insert(0, str(CONTROLPLANE_TESTS))
CLUSTER = ROOT / "infra" / "postgres" / "cluster.sh"
# A fixed test key for secrets at rest (32 bytes, base64): tests only.
TEST_SECRET_KEYS = "k1:" + base64.b64encode(b"podium-test-key-0123456789abcdef").decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A running private cluster; yields the URL of its (empty) `podium` database."""
    if shutil.which("bash") is None or not CLUSTER.exists():
        pytest.fail("infra/postgres/cluster.sh is missing")
    parent = Path(tempfile.mkdtemp(prefix="podium-pg-"))
    parent.chmod(0o755)  # as root, the cluster runs as the `postgres` user, who must reach the data dir
    data = parent / "data"
    port = _free_port()
    started = subprocess.run(["bash", str(CLUSTER), "start", str(data), str(port)], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"could not start Postgres: {started.stderr.strip()}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(data)], capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)


def run_script(*args: str, timeout: float = 600) -> str:
    """Run a bash script of the repository; its last line of output (fails the test when the script fails)."""
    done = subprocess.run(["bash", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="session")
def podman_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Podman configured and serving the Docker API on a socket in a temporary directory."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed; `make setup` installs Debian's podman, buildah, runc and debootstrap")
    run_script("infra/podman/setup.sh")
    sock = str(tmp_path_factory.mktemp("podman") / "podman.sock")
    yield run_script("infra/podman/socket.sh", "start", sock, timeout=60)
    subprocess.run(["bash", "infra/podman/socket.sh", "stop", sock], cwd=ROOT, capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def base_image(podman_socket: str) -> str:
    """The Space base image (built once, then reused while sdk/ and the script are unchanged)."""
    return run_script("infra/space-image/build.sh", timeout=900)
