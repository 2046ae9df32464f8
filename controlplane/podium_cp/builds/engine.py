"""Image builds through the Docker Engine API (Podman's Docker-compatible socket here) with the `docker` SDK.

The builder hands `ImageBuilder.build` a tar of the build context (a Dockerfile at its root); the log streams
to a callback line by line. A CA bundle for networks with a TLS-intercepting proxy travels in the context as
`podium-ca.crt` (`CA_BUNDLE_CONTEXT_PATH`): Dockerfiles bind-mount it for the steps that download, e.g.
`RUN --mount=type=bind,source=podium-ca.crt,target=/run/podium-ca.crt PIP_CERT=/run/podium-ca.crt pip install ...`,
so it never lands in a layer. (Podman's compat API ignores build volumes, so a mount of a host path is not an option.)

With a registry configured (`RegistryConfig`, from PODIUM_REGISTRY*), `ImageBuilder.push` tags a built image with
its registry reference and pushes it through the same API, streaming the engine's progress to the log. The
credentials travel in the `X-Registry-Auth` header. Podman's compat push endpoint takes a `tlsVerify` query
parameter (the docker SDK has no argument for it, so the push is a direct API call); a Docker daemon ignores it
and follows its own `insecure-registries` list instead.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
from docker.auth import encode_header  # type: ignore[import-untyped]
from docker.errors import APIError, DockerException  # type: ignore[import-untyped]

# Where the CA bundle lies inside the build context (and so where a Dockerfile bind-mounts it from).
CA_BUNDLE_CONTEXT_PATH = "podium-ca.crt"
# How many log lines a BuildFailed carries.
LOG_TAIL_LINES = 40
_BUILT_ID = re.compile(r"^Successfully built ([0-9a-f]{12,64})\s*$")
_PUSHED_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")
# What an engine's push error says, and how Podium words it (first match wins).
_PUSH_REASONS = (
    (re.compile(r"unauthorized|authentication required|denied", re.I), "the registry refused the credentials"),
    (re.compile(r"x509|certificate|tls:|HTTPS client|handshake", re.I),
     "a TLS error (PODIUM_REGISTRY_TLS_VERIFY=false allows a plain-HTTP or self-signed registry)"),
    (re.compile(r"connection refused|no such host|i/o timeout|no route to host|network is unreachable|dial tcp"
                r"|connection reset|\bEOF\b", re.I), "the registry is unreachable"),
)
# How much of the engine's own message a push error keeps.
PUSH_DETAIL_CHARS = 400


class BuildFailed(Exception):
    """An image build failed: `message` says why, `log_tail` holds the last lines of its log."""

    def __init__(self, message: str, log_tail: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.log_tail = log_tail


@dataclass(frozen=True)
class RegistryConfig:
    """Where built images go: `registry` is `HOST[:PORT][/PATH]`; the password never appears in a repr or a log."""

    registry: str
    username: str = ""
    password: str = field(default="", repr=False)
    tls_verify: bool = True

    @property
    def host(self) -> str:
        """The registry's `HOST[:PORT]` (what credentials are for)."""
        return self.registry.split("/", 1)[0]

    def reference(self, namespace: str, space_id: int, build_id: int) -> str:
        """A build's image in the registry: `REGISTRY/<namespace>-space-<space id>:<build id>`."""
        return f"{self.registry}/{namespace}-space-{space_id}:{build_id}"


def registry_from_settings(settings: Any) -> RegistryConfig | None:
    """The `RegistryConfig` of a `Settings` (its registry* fields), or None when no registry is configured."""
    if not settings.registry:
        return None
    return RegistryConfig(settings.registry, settings.registry_username, settings.registry_password,
                          settings.registry_tls_verify)


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

    def push(self, image: str, reference: str, registry: RegistryConfig, *, on_log: Callable[[str], None]) -> str:
        """Tags `image` as `reference` (`HOST[:PORT]/REPO:TAG` in `registry`) and pushes it.

        The engine's progress goes to `on_log` (one line per layer and state, not every byte count). Returns
        `reference@sha256:...` (or `reference` when the engine names no digest); raises BuildFailed naming the
        registry and the reason. The local image stays; the registry tag is removed again after a failed push.
        """
        repository, _, tag = reference.rpartition(":")
        if not repository or "/" in tag:
            raise ValueError(f"{reference!r} is not a REPOSITORY:TAG reference")
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)

        def say(line: str) -> None:
            line = _redact(line, registry.password)
            tail.append(line)
            on_log(line)

        auth = {"serveraddress": registry.host}
        if registry.username or registry.password:
            auth.update(username=registry.username, password=registry.password)
        digest: str | None = None
        try:
            self._api.tag(image, repository, tag)
            response = self._api._post(
                self._api._url("/images/{0}/push", repository),
                params={"tag": tag, "tlsVerify": "true" if registry.tls_verify else "false"},
                headers={"X-Registry-Auth": encode_header(auth)},
                stream=True,
            )
            self._api._raise_for_status(response)
            last: dict[str, str] = {}
            for event in self._api._stream_helper(response, decode=True):
                if "error" in event or "errorDetail" in event:
                    detail = event.get("errorDetail") or {}
                    raise _PushRefused(str(event.get("error") or detail.get("message") or "the push failed"))
                aux = event.get("aux")
                if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
                    digest = aux["Digest"]
                status = str(event.get("status") or "").strip()
                if not status:
                    continue
                layer = str(event.get("id") or "")
                if layer:
                    if last.get(layer) == status:  # byte counts of a layer being pushed: its state only
                        continue
                    last[layer] = status
                    say(f"{layer}: {status}")
                else:
                    say(status)
                found = _PUSHED_DIGEST.search(status)
                if found and digest is None:
                    digest = found.group(1)
        except (_PushRefused, APIError, DockerException) as exc:
            message = _redact(str(exc), registry.password)
            self._forget(reference)
            raise BuildFailed(_push_error(registry, message), list(tail)) from None
        return f"{reference}@{digest}" if digest else reference

    def _forget(self, reference: str) -> None:
        """Remove the tag `reference` (never the image: its local tag keeps it); best effort."""
        try:
            self._api.remove_image(reference, noprune=True)
        except (APIError, DockerException):
            pass


class _PushRefused(Exception):
    """The engine reported an error in the push's event stream."""


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "********") if secret else text


def _push_error(registry: RegistryConfig, message: str) -> str:
    """`Could not push the image to the registry HOST: <reason> (<the engine's words>)`."""
    reason = next((words for pattern, words in _PUSH_REASONS if pattern.search(message)),
                  "the registry refused the push")
    if reason.startswith("the registry refused the credentials") and not registry.username:
        reason = "the registry asks for credentials (set PODIUM_REGISTRY_USERNAME and PODIUM_REGISTRY_PASSWORD)"
    detail = message.strip()
    if len(detail) > PUSH_DETAIL_CHARS:
        detail = "..." + detail[-PUSH_DETAIL_CHARS:]
    return f"Could not push the image to the registry {registry.registry}: {reason} ({detail})"
