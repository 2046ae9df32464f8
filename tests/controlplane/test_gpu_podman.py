"""A GPU flavor's replica started by DockerRuntime through Podman's Docker-compatible socket sees its GPU
(`nvidia-smi -L` inside the container lists it), and the machine's capacity counts it as taken.

Runs only where `nvidia-smi` works (a GPU node with the NVIDIA driver and container toolkit); elsewhere it is skipped.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from podium_cp.builds.engine import docker_client_from_env
from podium_cp.runtime.base import ContainerSpec
from podium_cp.runtime.docker import DockerRuntime
from podium_cp.runtime.inventory import probe_gpus

# Decided before the Podman and base-image fixtures start, so that a machine without GPUs spends nothing on it.
pytestmark = pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="no GPU here: `nvidia-smi` is not installed")


def _gpus_or_skip() -> None:
    if subprocess.run(["nvidia-smi", "-L"], capture_output=True, check=False, timeout=30).returncode != 0:
        pytest.skip("no GPU here: `nvidia-smi -L` fails (no driver or no device)")


def test_a_gpu_replica_sees_its_gpu(podman_socket: str, base_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _gpus_or_skip()
    gpus = probe_gpus()
    assert gpus, "nvidia-smi works but lists no GPU"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{podman_socket}")
    client = docker_client_from_env(timeout=120)
    # The base image runs `python app.py`; this one just stays up so that we can look inside.
    image, _ = client.images.build(fileobj=io.BytesIO(f'FROM {base_image}\nCMD ["sleep", "600"]\n'.encode()),
                                   tag="localhost/podium-gpu-check:latest", rm=True)
    runtime = DockerRuntime(client, namespace="gpucheck", gpus=gpus)
    spec = ContainerSpec(space_id=1, name="acme/gpu", image="localhost/podium-gpu-check:latest", cpu=1.0,
                         memory_mb=1024, gpu_count=1, gpu_device_ids=(gpus[0].index,), hardware="t4-small",
                         gpu_type="T4")
    handle = runtime.start(spec)
    try:
        code, output = client.containers.get(handle.container_id).exec_run(["nvidia-smi", "-L"])
        assert code == 0, output.decode(errors="replace")
        assert "GPU 0:" in output.decode(errors="replace")
        (node,) = runtime.capacity()
        assert node.gpus == len(gpus) and node.gpus_free == len(gpus) - 1
    finally:
        runtime.remove(handle)
        client.images.remove(image.id, force=True)
