"""Image builds (ImageBuilder) and Space containers (DockerRuntime) against REAL Podman through its
Docker-compatible socket: infra/podman/setup.sh configures Podman, infra/podman/socket.sh serves the API from a
temporary directory, infra/space-image/build.sh provides the Space base image (cached by its inputs digest:
a cold build takes about 75 s, a warm check well under a second). Without a working Podman these tests FAIL.

GPU device requests are checked as request objects only: this machine has no GPU.
"""

from __future__ import annotations

import io
import random
import shutil
import socketserver
import tarfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker  # type: ignore[import-untyped]
import pytest
from docker.errors import ImageNotFound  # type: ignore[import-untyped]

from podium_cp.builds.engine import (
    CA_BUNDLE_CONTEXT_PATH,
    BuildFailed,
    ImageBuilder,
    default_socket_path,
    docker_host_from_env,
)
from podium_cp.runtime import ContainerSpec, Mount, RuntimeHandle
from podium_cp.runtime.docker import DockerRuntime, bind_volumes, container_name, gpu_device_requests
from podium_cp.runtime.inventory import parse_nvidia_smi, probe_gpus

ROOT = Path(__file__).resolve().parents[2]
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# A cold base-image build (debootstrap + pip, ~75 s, bounded by its own timeout) runs in a fixture: the 120 s
# limit covers the test functions only.
pytestmark = pytest.mark.timeout(120, func_only=True)
# Space ids of this run: parallel runs on one machine share Podman, and container names derive from the id.
RUN_ID = random.randrange(10**8, 10**9)

APP = """\
import http.server, os

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from " + os.environ.get("SPACE_ID", "?")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

print("app: listening on 7860", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", 7860), Hello).serve_forever()
"""


@pytest.fixture(scope="session")
def client(podman_socket: str) -> Iterator[docker.DockerClient]:
    c = docker.DockerClient(base_url=f"unix://{podman_socket}", timeout=300)
    yield c
    c.close()


def _context(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(scope="session")
def app_image(client: docker.DockerClient, base_image: str) -> Iterator[str]:
    """A tiny http.server app on the base image, built through ImageBuilder with the CA bundle."""
    tag = f"localhost/podium-test-app:{uuid.uuid4().hex[:8]}"
    lines: list[str] = []
    dockerfile = (
        f"FROM {base_image}\n"
        # RUN_ID keeps the layer cache from skipping the step whose output shows the mounted bundle.
        f"RUN --mount=type=bind,source={CA_BUNDLE_CONTEXT_PATH},target=/run/podium-ca.crt "
        f"echo run {RUN_ID} && grep -c 'BEGIN CERTIFICATE' /run/podium-ca.crt\n"
        "COPY app.py /app/app.py\n"
    )
    try:
        ImageBuilder(client).build(
            _context({"Dockerfile": dockerfile, "app.py": APP}), tag, on_log=lines.append, ca_bundle_path=CA_BUNDLE
        )
        assert any(line.startswith("STEP 1/3") or "Step 1/3" in line for line in lines), lines
        assert any(line.strip().isdigit() and int(line) > 10 for line in lines), lines  # certificates were mounted
        yield tag
    finally:
        try:
            client.images.remove(tag, force=True)
        except ImageNotFound:
            pass


def test_build_streams_logs_and_returns_the_image(client: docker.DockerClient, app_image: str) -> None:
    image = client.images.get(app_image)
    assert image.id
    # The CA bundle was mounted for one step, never copied into a layer.
    out = client.containers.run(app_image, ["ls", "/app"], remove=True)
    assert out.decode().split() == ["app.py"]


def test_failing_build_raises_with_the_log_tail(client: docker.DockerClient, base_image: str) -> None:
    lines: list[str] = []
    dockerfile = f"FROM {base_image}\nRUN echo about-to-fail && exit 3\n"
    with pytest.raises(BuildFailed) as failed:
        ImageBuilder(client).build(
            _context({"Dockerfile": dockerfile}), f"localhost/podium-test-broken:{RUN_ID}", on_log=lines.append, ca_bundle_path=None
        )
    assert "exit" in failed.value.message
    assert "about-to-fail" in failed.value.log_tail
    assert lines == failed.value.log_tail


def _wait_running(runtime: DockerRuntime, handle: RuntimeHandle, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = runtime.status(handle)
        if status.state == "running":
            return
        assert status.state == "starting", (status, runtime.logs(handle))
        time.sleep(0.2)
    pytest.fail(f"the app did not answer within {timeout} s: {runtime.logs(handle)}")


def test_runtime_runs_a_space_with_limits(client: docker.DockerClient, app_image: str) -> None:
    runtime = DockerRuntime(client, stop_timeout=1)  # http.server as PID 1 ignores SIGTERM
    spec = ContainerSpec(
        space_id=RUN_ID, name="acme/demo", image=app_image, env={"SPACE_ID": "acme/demo"}, cpu=1.5, memory_mb=256,
        labels={"org.podium.revision": "3"},
    )
    handle = runtime.start(spec)
    try:
        attrs = client.api.inspect_container(handle.container_id)
        assert attrs["Name"].lstrip("/") == container_name(RUN_ID) == f"podium-space-{RUN_ID}"
        assert attrs["HostConfig"]["NanoCpus"] == 1_500_000_000
        assert attrs["HostConfig"]["Memory"] == 256 * 1024 * 1024
        assert attrs["Config"]["Labels"]["org.podium.space-id"] == str(RUN_ID)
        assert attrs["Config"]["Labels"]["org.podium.revision"] == "3"
        assert handle.url.startswith("http://127.0.0.1:")
        _wait_running(runtime, handle)
        with urllib.request.urlopen(handle.url, timeout=5) as response:
            assert response.read() == b"hello from acme/demo"
        assert "app: listening on 7860" in runtime.logs(handle)
        # Starting again replaces the replica under the same name.
        second = runtime.start(spec)
        assert second.container_id != handle.container_id
        assert runtime.status(handle).state == "missing"
        handle = second
        _wait_running(runtime, handle)
        runtime.stop(handle)
        stopped = runtime.status(handle)
        assert stopped.state == "exited" and stopped.exit_code is not None
    finally:
        runtime.remove(handle)
    assert runtime.status(handle).state == "missing"
    assert runtime.logs(handle) == []
    runtime.stop(handle)  # a missing replica is not an error
    runtime.remove(handle)


def test_an_app_that_exits_reports_its_exit_code(client: docker.DockerClient, base_image: str) -> None:
    runtime = DockerRuntime(client)
    spec = ContainerSpec(space_id=RUN_ID + 1, name="acme/crash", image=base_image, cpu=0.5, memory_mb=128)
    # The base image runs `python app.py` in /app, which does not exist: the app exits with code 2.
    handle = runtime.start(spec)
    try:
        deadline = time.monotonic() + 30
        while (status := runtime.status(handle)).state != "exited" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status.state == "exited" and status.exit_code == 2, status
        assert any("app.py" in line for line in runtime.logs(handle))
    finally:
        runtime.remove(handle)


# Served from a read-only mount at /app: answers GET with what a Unix socket in another read-only mount says, and
# whether that folder is writable.
SOCKET_CLIENT_APP = """\
import http.server, os, socket

class Relay(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect("/run/podium/api.sock")
            s.sendall(b"ping")
            said = s.recv(100).decode()
        try:
            open("/run/podium/x", "w").close()
            writable = "writable"
        except OSError:
            writable = "read-only"
        body = (said + " " + writable).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("0.0.0.0", 7860), Relay).serve_forever()
"""


def test_read_only_mounts_reach_a_unix_socket_on_the_host(
    client: docker.DockerClient, base_image: str, tmp_path: Path
) -> None:
    """The way Space containers reach the control plane's API socket (docs/design/deep-links.md)."""
    app_dir, run_dir = tmp_path / "app", tmp_path / "run"
    app_dir.mkdir()
    run_dir.mkdir()
    (app_dir / "app.py").write_text(SOCKET_CLIENT_APP)
    for folder in (tmp_path, app_dir, run_dir):
        folder.chmod(0o755)

    class Pong(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(b"pong to " + self.request.recv(100))

    server = socketserver.ThreadingUnixStreamServer(str(run_dir / "api.sock"), Pong)
    (run_dir / "api.sock").chmod(0o666)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime = DockerRuntime(client, stop_timeout=1)
    spec = ContainerSpec(
        space_id=RUN_ID + 2, name="acme/mounts", image=base_image, cpu=0.5, memory_mb=128,
        mounts=(Mount(str(app_dir), "/app"), Mount(str(run_dir), "/run/podium")),
    )
    handle = runtime.start(spec)
    try:
        mounts = {m["Destination"]: m for m in client.api.inspect_container(handle.container_id)["Mounts"]}
        assert mounts["/run/podium"]["Source"] == str(run_dir) and mounts["/run/podium"]["RW"] is False
        _wait_running(runtime, handle)
        with urllib.request.urlopen(handle.url, timeout=5) as response:
            assert response.read() == b"pong to ping read-only"
        assert not (run_dir / "x").exists()
    finally:
        runtime.remove(handle)
        server.shutdown()
        server.server_close()


def test_bind_volumes_are_read_only() -> None:
    assert bind_volumes(()) == {}
    assert bind_volumes((Mount("/srv/run", "/run/podium"),)) == {"/srv/run": {"bind": "/run/podium", "mode": "ro"}}


def test_engine_address_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("PODIUM_DOCKER_HOST", raising=False)
    assert docker_host_from_env() == f"unix://{default_socket_path()}"
    monkeypatch.setenv("PODIUM_DOCKER_HOST", "unix:///tmp/x.sock")
    assert docker_host_from_env() == "unix:///tmp/x.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/y.sock")
    assert docker_host_from_env() == "unix:///tmp/y.sock"


def test_gpu_device_requests() -> None:
    assert gpu_device_requests(0) == []
    (by_count,) = gpu_device_requests(2)
    assert by_count["Driver"] == "nvidia" and by_count["Count"] == 2 and by_count["Capabilities"] == [["gpu"]]
    (by_ids,) = gpu_device_requests(2, ("0", "3"))
    assert by_ids["Driver"] == "nvidia" and by_ids["DeviceIDs"] == ["0", "3"] and by_ids["Count"] == 0


def test_inventory_parses_nvidia_smi_and_probes_this_node() -> None:
    assert parse_nvidia_smi("0, NVIDIA A10G, 23028 MiB\n1, NVIDIA A10G, 23028 MiB\n") == [
        *parse_nvidia_smi("0, NVIDIA A10G, 23028 MiB"),
        *parse_nvidia_smi("1, NVIDIA A10G, 23028 MiB"),
    ]
    (gpu,) = parse_nvidia_smi("0, Tesla T4, 15360 MiB")
    assert (gpu.index, gpu.name, gpu.memory_mb) == ("0", "Tesla T4", 15360)
    assert probe_gpus() == ([] if shutil.which("nvidia-smi") is None else probe_gpus())
