"""`python -m podium_services.api` listens on its TCP address and on the Unix socket PODIUM_SPACES_API_SOCKET
(default DATA_DIR/run/api.sock), where Space containers reach it (docs/design/deep-links.md): the socket is open
to everyone (0666), a stale one left by a killed server is replaced, a live one is left to its server, and the
socket goes away when the API stops. Real processes on the test Postgres.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import free_port
from platform_fixtures import TEST_SECRET_KEYS

pytestmark = pytest.mark.timeout(120)


class ApiProcess:
    """One `python -m podium_services.api` process; its output goes to a file shown when a wait fails."""

    def __init__(self, pg_url: str, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log = data_dir.parent / f"api-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "podium_services.api", "--port", str(self.port), *args],
            env={**{k: v for k, v in os.environ.items() if not k.startswith("PODIUM_")},
                 "PODIUM_DATABASE_URL": pg_url, "PODIUM_DATA_DIR": str(data_dir),
                 "PODIUM_SECRET_KEYS": TEST_SECRET_KEYS, **(env or {})},
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the API exited ({self.proc.returncode}):\n{self.output()}"
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the API did not answer within 60 s:\n{self.output()}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.proc.wait(timeout=30)


@pytest.fixture
def started(pg_url: str, tmp_path: Path) -> Iterator[list[ApiProcess]]:
    procs: list[ApiProcess] = []
    yield procs
    for proc in procs:
        proc.stop(signal.SIGKILL)


def _health_over(path: Path) -> int:
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(path)), timeout=10) as client:
        return client.get("http://api/api/health").status_code


def test_the_api_listens_on_its_unix_socket_too(pg_url: str, tmp_path: Path, started: list[ApiProcess]) -> None:
    data = tmp_path / "data"
    api = ApiProcess(pg_url, data)
    started.append(api)
    api.wait_healthy()
    path = data / "run" / "api.sock"
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666  # Space containers run as any user
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755
    assert _health_over(path) == 200
    assert api.stop() == 0
    assert not path.exists()  # removed on SIGTERM


def test_a_stale_socket_is_replaced_and_several_workers_share_it(
    pg_url: str, tmp_path: Path, started: list[ApiProcess]
) -> None:
    path = tmp_path / "elsewhere" / "api.sock"
    path.parent.mkdir()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # bound, never listening: what a SIGKILLed server leaves
    stale.close()
    api = ApiProcess(pg_url, tmp_path / "data", "--workers", "2", env={"PODIUM_SPACES_API_SOCKET": str(path)})
    started.append(api)
    api.wait_healthy()
    assert not (tmp_path / "data" / "run").exists()
    for _ in range(6):
        assert _health_over(path) == 200
    api.stop()
    assert not path.exists()


def test_a_live_socket_is_left_to_its_server(pg_url: str, tmp_path: Path, started: list[ApiProcess]) -> None:
    first = ApiProcess(pg_url, tmp_path / "data")
    started.append(first)
    first.wait_healthy()
    path = tmp_path / "data" / "run" / "api.sock"
    inode = path.stat().st_ino
    second = ApiProcess(pg_url, tmp_path / "data")
    started.append(second)
    second.wait_healthy()
    assert "another server already listens on" in second.output()
    assert path.stat().st_ino == inode
    second.stop()
    assert _health_over(path) == 200  # the second one did not remove the first one's socket
    first.stop()
    assert not path.exists()


@pytest.mark.parametrize("problem", ["not a socket", "too long"])
def test_an_unusable_socket_path_is_refused_with_a_message(pg_url: str, tmp_path: Path, problem: str) -> None:
    if problem == "not a socket":
        path = tmp_path / "api.sock"
        path.write_text("a file")
        expected = "is not a Unix socket"
    else:
        path = tmp_path / ("x" * 120) / "api.sock"
        expected = "longer than 107 bytes"
    api = ApiProcess(pg_url, tmp_path / "data", env={"PODIUM_SPACES_API_SOCKET": str(path)})
    assert api.proc.wait(timeout=60) == 2
    assert expected in api.output() and "PODIUM_SPACES_API_SOCKET" in api.output()
    if problem == "not a socket":
        assert path.read_text() == "a file"
