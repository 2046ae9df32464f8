"""The builder's Podman sidecar (infra/podman/image): built here FROM the project's cached Debian rootfs (no Debian
image can be pulled on these machines), run privileged as the builder pod runs it, it serves Podman's
Docker-compatible API on a socket that group 1000 (the builder's user) may use, and builds an image with a RUN
step through it. In a cluster it runs as a native sidecar; here it is a Podman container (no cluster)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from infra_support import ROOT

pytestmark = pytest.mark.slow

# infra/space-image/build.sh tags its rootfs with the digest of "SUITE PACKAGES" (as infra/platform/build.sh does).
ROOTFS_KEY = "bookworm python3,python3-venv,ca-certificates"
ROOTFS = "localhost/podium-debian-rootfs:" + hashlib.sha256(ROOTFS_KEY.encode()).hexdigest()[:16]
IMAGE = "localhost/podium-podman:test"


def podman(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def sidecar_image() -> str:
    if podman("image", "exists", ROOTFS).returncode != 0:
        built = subprocess.run(["bash", str(ROOT / "infra" / "space-image" / "build.sh")], capture_output=True,
                               text=True, timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
    done = podman("build", "--build-arg", f"BASE={ROOTFS}", "-t", IMAGE, str(ROOT / "infra" / "podman" / "image"))
    assert done.returncode == 0, done.stderr[-3000:]
    return IMAGE


@pytest.fixture
def sidecar(sidecar_image: str, tmp_path: Path) -> Iterator[Path]:
    """The sidecar running privileged with its socket folder on the host; yields the socket's path."""
    name = f"podium-podman-test-{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "run"
    folder.mkdir()
    started = podman("run", "-d", "--name", name, "--privileged", "-v", f"{folder}:/run/podman", sidecar_image,
                     "/run/podman/podman.sock")
    assert started.returncode == 0, started.stderr
    socket = folder / "podman.sock"
    try:
        for _ in range(300):
            if socket.exists() and socket.stat().st_gid == 1000:
                break
            assert podman("container", "exists", name).returncode == 0
            time.sleep(0.1)
        else:
            pytest.fail(f"no socket from the sidecar: {podman('logs', name).stderr[-2000:]}")
        yield socket
    finally:
        podman("rm", "-f", "-t", "0", name)


def test_the_socket_is_for_the_builders_group_only(sidecar: Path) -> None:
    info = sidecar.stat()
    assert stat.S_ISSOCK(info.st_mode)
    assert (info.st_uid, info.st_gid) == (0, 1000)
    assert stat.S_IMODE(info.st_mode) == 0o660


def test_it_builds_an_image_with_a_run_step_through_its_socket(sidecar: Path) -> None:
    import docker  # type: ignore[import-untyped]

    client = docker.DockerClient(base_url=f"unix://{sidecar}", timeout=600)
    try:
        assert client.ping()
        saved = podman("save", "-o", str(sidecar.parent.parent / "rootfs.tar"), ROOTFS)
        assert saved.returncode == 0, saved.stderr
        with open(sidecar.parent.parent / "rootfs.tar", "rb") as archive:
            client.images.load(archive)
        os.unlink(sidecar.parent.parent / "rootfs.tar")
        dockerfile = f'FROM {ROOTFS}\nRUN python3 -c "print(6 * 7)" > /answer\nCMD ["cat", "/answer"]\n'.encode()
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode="w") as tar:
            info = tarfile.TarInfo("Dockerfile")
            info.size = len(dockerfile)
            tar.addfile(info, io.BytesIO(dockerfile))
        lines = client.api.build(fileobj=io.BytesIO(context.getvalue()), custom_context=True, tag="sidecar-check:1",
                                 decode=True, rm=True)
        events = list(lines)
        assert not [e for e in events if "error" in e or "errorDetail" in e], json.dumps(events)[-2000:]
        output = client.containers.run("sidecar-check:1", remove=True)
        assert output.strip() == b"42"
    finally:
        client.close()
