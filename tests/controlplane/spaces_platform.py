"""The Spaces platform as real processes for end-to-end tests: the API, builder, reconciler, router and share server,
each a `python -m podium_services.X` subprocess on one database and one Podman socket, which a test can kill and start
again. Output of each process goes to a file in the test's temporary folder and is shown when a wait fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from helpers import free_port

T = TypeVar("T")
SERVICES = ("api", "builder", "reconciler", "router")  # what start_all() starts; "share" is started on demand


class Platform:
    """The four services on `database_url`, serving Spaces at NAME--OWNER.spaces.localhost:<router port>."""

    def __init__(self, folder: Path, database_url: str, docker_host: str, base_image: str, secret_keys: str) -> None:
        self.folder = folder
        self.api_port = free_port()
        self.router_port = free_port()
        self.share_port = free_port()  # the share server's tunnel port (clients dial it)
        self.share_vhost_port = free_port()  # its HTTP side, behind the router
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.api_socket = folder / "data" / "run" / "api.sock"  # Space containers reach the API there
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PODIUM_", "DOCKER_"))},
            "PODIUM_DATABASE_URL": database_url,
            "PODIUM_DATA_DIR": str(folder / "data"),
            "PODIUM_SPACES_API_SOCKET": str(self.api_socket),
            "PODIUM_SECRET_KEYS": secret_keys,
            "PODIUM_API_PORT": str(self.api_port),
            "PODIUM_PUBLIC_URL": self.api_url,
            "PODIUM_ROUTER_PORT": str(self.router_port),
            "PODIUM_SPACES_DOMAIN": "localhost",
            "PODIUM_WAKE_TIMEOUT": "90",
            "PODIUM_BUILD_STALE_AFTER": "4",
            "DOCKER_HOST": f"unix://{docker_host}",
            "PODIUM_SPACE_BASE_IMAGE": base_image,
            "PODIUM_HOME": str(folder / "cli-home"),
            "PODIUM_SHARE_BIND": f"127.0.0.1:{self.share_port}",
            "PODIUM_SHARE_TUNNEL_ADDRESS": f"127.0.0.1:{self.share_port}",
            "PODIUM_SHARE_VHOST": f"127.0.0.1:{self.share_vhost_port}",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._starts: dict[str, int] = {}

    # --- processes ----------------------------------------------------------------------------------------

    def start(self, name: str, *args: str) -> None:
        """Start service `name` (one of SERVICES, or "share") and wait until it is ready (it answers or listens)."""
        assert name not in self.procs or self.procs[name].poll() is not None, f"{name} already runs"
        self._starts[name] = self._starts.get(name, 0) + 1
        out = (self.folder / f"{name}.{self._starts[name]}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"podium_services.{name}", *args], env=self.env, stdout=out,
            stderr=subprocess.STDOUT,
        )
        if name == "api":
            self.wait(lambda: self._answers(f"{self.api_url}/api/health") and self.api_socket.is_socket(), 30,
                      "the API to answer (and listen on its Unix socket)")
        elif name == "router":
            self.wait(lambda: self._listens(self.router_port), 30, "the router to listen")
        elif name == "share":
            self.wait(lambda: self._listens(self.share_port) and self._listens(self.share_vhost_port), 30,
                      "the share server to listen")

    def start_all(self) -> None:
        for name in SERVICES:
            self.start(name)

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        """Kill service `name` (SIGKILL by default: no clean-up at all) and wait for it to end."""
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signum)
            proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in ("share", *reversed(SERVICES)):
            if name in self.procs:
                self.kill(name, signal.SIGTERM)

    def output(self) -> str:
        """The last lines every process wrote (for failure messages)."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-25:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    def wait(self, condition: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
        """Poll `condition` until it returns something true; fail with every process's output after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.output()}")
            time.sleep(every)

    # --- requests -----------------------------------------------------------------------------------------

    def space_host(self, owner: str, name: str) -> str:
        return f"{name}--{owner}.spaces.localhost:{self.router_port}"

    def space_get(self, owner: str, name: str, path: str = "/", headers: dict[str, str] | None = None,
                  timeout: float = 120) -> tuple[int, str]:
        """GET through the router with the Space's Host header: (status, body)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.router_port}{path}",
            headers={"Host": self.space_host(owner, name), **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
                return int(response.status), response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode(errors="replace")

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                return int(response.status) < 500
        except (urllib.error.URLError, OSError):
            return False

    @staticmethod
    def _listens(port: int) -> bool:
        with socket.socket() as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", port)) == 0


def podium_cli(platform: Platform, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real `podium` CLI with the platform's PODIUM_HOME (where `podium login` keeps the token)."""
    podium = Path(sys.executable).with_name("podium")
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = platform.env["PODIUM_HOME"]
    return subprocess.run([str(podium), *args], capture_output=True, text=True, timeout=timeout, env=env)


def remove_namespace(podman_socket: str, namespace: str) -> None:
    """Remove the containers and images a test platform with PODIUM_RUNTIME_NAMESPACE=`namespace` left behind."""
    import docker  # type: ignore[import-untyped]

    client = docker.DockerClient(base_url=f"unix://{podman_socket}", timeout=120)
    try:
        for container in client.containers.list(all=True, filters={"label": f"org.podium.namespace={namespace}"}):
            container.remove(force=True)
        for image in client.images.list():
            if any(f"/{namespace}/" in tag for tag in image.tags):
                client.images.remove(image.id, force=True)
    finally:
        client.close()


def interrupt(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process as Ctrl-C would (SIGINT), killing it when it has not exited 15 s later."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
