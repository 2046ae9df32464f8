"""Image builds through the Docker Engine API (Podman's Docker-compatible socket here) with the `docker` SDK.

The builder hands `ImageBuilder.build` a tar of the build context (a Dockerfile at its root); the log streams
to a callback line by line. A CA bundle for networks with a TLS-intercepting proxy travels in the context as
`podium-ca.crt` (`CA_BUNDLE_CONTEXT_PATH`): Dockerfiles bind-mount it for the steps that download, e.g.
`RUN --mount=type=bind,source=podium-ca.crt,target=/run/podium-ca.crt PIP_CERT=/run/podium-ca.crt pip install ...`,
so it never lands in a layer. (Podman's compat API ignores build volumes, so a mount of a host path is not an option.)
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
from docker.errors import APIError, DockerException  # type: ignore[import-untyped]

# Where the CA bundle lies inside the build context (and so where a Dockerfile bind-mounts it from).
CA_BUNDLE_CONTEXT_PATH = "podium-ca.crt"
# How many log lines a BuildFailed carries.
LOG_TAIL_LINES = 40
_BUILT_ID = re.compile(r"^Successfully built ([0-9a-f]{12,64})\s*$")


class BuildFailed(Exception):
    """An image build failed: `message` says why, `log_tail` holds the last lines of its log."""

    def __init__(self, message: str, log_tail: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.log_tail = log_tail


def default_socket_path() -> str:
    """The socket `infra/podman/socket.sh start` uses when given no path."""
    if os.getuid() == 0:
        return "/run/podium/podman.sock"
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/tmp", "podium", "podman.sock")


def docker_host_from_env() -> str:
    """DOCKER_HOST, else PODIUM_DOCKER_HOST, else the default Podman socket (`unix://...`)."""
    return os.environ.get("DOCKER_HOST") or os.environ.get("PODIUM_DOCKER_HOST") or f"unix://{default_socket_path()}"


def docker_client_from_env(timeout: int = 600) -> docker.DockerClient:
    """A `docker.DockerClient` for the engine named by the environment (see `docker_host_from_env`)."""
    return docker.DockerClient(base_url=docker_host_from_env(), timeout=timeout)


def _with_ca_bundle(context_tar: bytes, ca_bundle_path: str) -> bytes:
    """The context tar (plain or gzipped) plus the CA bundle at CA_BUNDLE_CONTEXT_PATH, gzipped."""
    bundle = Path(ca_bundle_path).read_bytes()
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(context_tar), mode="r:*") as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            if member.name.lstrip("./") == CA_BUNDLE_CONTEXT_PATH:
                continue
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(CA_BUNDLE_CONTEXT_PATH)
        info.size = len(bundle)
        info.mode = 0o644
        dst.addfile(info, io.BytesIO(bundle))
    return gzip.compress(out.getvalue(), compresslevel=1)


class ImageBuilder:
    """Builds images from context tars on a Docker-API engine; blocking (run it in a worker thread)."""

    def __init__(self, docker_client: docker.DockerClient) -> None:
        self._api: docker.APIClient = docker_client.api

    def build(
        self,
        context_tar: bytes,
        tag: str,
        *,
        on_log: Callable[[str], None],
        ca_bundle_path: str | None = None,
    ) -> str:
        """Builds `context_tar` (a tar, plain or gzipped, with a Dockerfile at its root) as `tag`.

        Every log line goes to `on_log` as it arrives. Returns the image id; raises BuildFailed.
        """
        if ca_bundle_path is not None:
            body = _with_ca_bundle(context_tar, ca_bundle_path)
        elif context_tar[:2] == b"\x1f\x8b":
            body = context_tar
        else:
            body = gzip.compress(context_tar, compresslevel=1)
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        image_id: str | None = None
        try:
            events: Iterator[dict[str, Any]] = self._api.build(
                fileobj=io.BytesIO(body), custom_context=True, encoding="gzip", decode=True, tag=tag, rm=True,
                forcerm=True,
            )
            pending = ""
            for event in events:
                if "error" in event or "errorDetail" in event:
                    detail = event.get("errorDetail") or {}
                    message = str(event.get("error") or detail.get("message") or "the build failed").strip()
                    if pending:
                        tail.append(pending)
                        on_log(pending)
                    raise BuildFailed(message, list(tail))
                aux = event.get("aux")
                if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
                    image_id = aux["ID"]
                stream = event.get("stream")
                if not isinstance(stream, str):
                    continue
                # The engine splits output anywhere; hand out whole lines only.
                pending += stream
                *lines, pending = pending.split("\n")
                for line in lines:
                    line = line.rstrip("\r")
                    tail.append(line)
                    on_log(line)
                    built = _BUILT_ID.match(line)
                    if built and image_id is None:
                        image_id = built.group(1)
            if pending:
                tail.append(pending)
                on_log(pending)
        except (APIError, DockerException) as exc:
            raise BuildFailed(f"the image engine refused the build: {exc}", list(tail)) from exc
        if image_id is None:
            try:
                image_id = str(self._api.inspect_image(tag)["Id"])
            except (APIError, DockerException) as exc:
                raise BuildFailed(f"the build of {tag} produced no image", list(tail)) from exc
        return image_id
