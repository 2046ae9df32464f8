"""The builder pushes images to an OCI registry: REAL builds under Podman (its Docker-compatible socket) pushed to
a REAL distribution registry (`docker-registry`, plain HTTP on a free port, see registry_fixture.py), with the
worker on the test Postgres.

Checked: the reference `REGISTRY/<namespace>-space-<id>:<build id>` in `builds.image`, the push's progress in the
live log, the registry's tag list and manifest, pulling the image back through the engine, htpasswd credentials
(right and wrong), an unreachable registry, TLS verification against a plain-HTTP registry, no password in any log
or message, and the unchanged local-only behaviour without a registry; with a stand-in API, a Docker daemon's
per-layer progress and an engine error that echoes the password. Images are `FROM scratch` with one file:
no base image needed, a push takes well under a second.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
import pytest
from docker.errors import ImageNotFound  # type: ignore[import-untyped]
from registry_fixture import MANIFEST_TYPES, Registry, bcrypt_hash, running_registry
from sqlalchemy import select, update

from podium_cp.builds.engine import BuildFailed, ImageBuilder, RegistryConfig, _push_error, registry_from_settings
from podium_cp.builds.worker import BuildWorker, image_tag
from podium_cp.db import Database
from podium_cp.models import User
from podium_cp.models.spaces import Build, BuildLogLine, Space, SpaceRevision
from podium_cp.settings import Settings
from podium_cp.storage import LocalObjectStore

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120, func_only=True)]

USER, PASSWORD = "builder", "pw-" + uuid.uuid4().hex
DOCKERFILE = b"FROM scratch\nCOPY app.py /app.py\n"


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(podman_socket: str) -> Iterator[docker.DockerClient]:
    c = docker.DockerClient(base_url=f"unix://{podman_socket}", timeout=120)
    yield c
    c.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    with running_registry(tmp_path / "registry") as r:
        yield r


@pytest.fixture
def auth_registry(tmp_path: Path) -> Iterator[Registry]:
    if bcrypt_hash("probe") is None:
        pytest.skip("libcrypt cannot make bcrypt hashes here: htpasswd auth is not testable")
    with running_registry(tmp_path / "auth-registry", auth=(USER, PASSWORD)) as r:
        yield r


@pytest.fixture
def namespace() -> str:
    """A namespace of this test alone: parallel runs share Podman's image store, and build ids restart."""
    return f"t{random.randrange(10**8, 10**9)}"


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def cleanup(client: docker.DockerClient) -> Iterator[list[str]]:
    """Image references to remove (force) after the test."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            client.api.remove_image(name, force=True)
        except (ImageNotFound, docker.errors.APIError):
            pass


# --- the database's side ------------------------------------------------------------------------------------


async def queue_build(database: Database, store: LocalObjectStore) -> tuple[int, int]:
    """A Space `alice/demo` (sdk: docker, FROM scratch) with one revision and its queued build: (space, build)."""
    app = f"print('hello {uuid.uuid4().hex}')\n".encode()  # a fresh layer each time
    files = []
    for path, data in (("Dockerfile", DOCKERFILE), ("app.py", app)):
        files.append({"path": path, "size": len(data), "sha256": await store.put_blob(data), "mode": 0o644})
    async with database.session() as db:
        user = User(username="alice", email="alice@example.com")
        db.add(user)
        await db.flush()
        space = Space(name="demo", owner_name="alice", owner_user_id=user.id, stage="BUILDING")
        db.add(space)
        await db.flush()
        revision = SpaceRevision(space_id=space.id, number=1, manifest={"files": files}, manifest_digest="d1",
                                 space_metadata={"sdk": "docker", "app_port": 7860, "title": "Demo"})
        db.add(revision)
        await db.flush()
        build = Build(space_id=space.id, revision_id=revision.id, status="queued")
        db.add(build)
        await db.flush()
        await db.execute(update(Space).where(Space.id == space.id).values(latest_revision_id=revision.id))
        return space.id, build.id


async def run_build(database: Database, store: LocalObjectStore, client: docker.DockerClient, namespace: str,
                    registry: RegistryConfig | None) -> tuple[Build, list[str], Space]:
    space_id, build_id = await queue_build(database, store)
    worker = BuildWorker(database, store, ImageBuilder(client), base_image="unused", namespace=namespace,
                         registry=registry, worker_id="w1")
    assert await worker.run_once()
    async with database.session() as db:
        build = await db.get(Build, build_id)
        space = await db.get(Space, space_id)
        rows = await db.execute(select(BuildLogLine.line).where(BuildLogLine.build_id == build_id)
                                .order_by(BuildLogLine.id))
        assert build is not None and space is not None
        return build, [str(line) for line in rows.scalars()], space


def pull_back(client: docker.DockerClient, reference: str) -> str:
    """Pull `reference` through the engine (Podman's libpod endpoint: its compat pull has no tlsVerify)."""
    response = client.api.post(client.api.base_url + "/v4.0.0/libpod/images/pull",
                               params={"reference": reference, "tlsVerify": "false"}, stream=True)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = list(client.api._stream_helper(response, decode=True))
    assert not any("error" in event for event in events), events
    return str(client.api.inspect_image(reference)["Id"])


# --- pushing ------------------------------------------------------------------------------------------------


async def test_a_build_is_pushed_listed_and_pulled_back(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, registry: Registry, namespace: str,
    cleanup: list[str],
) -> None:
    config = RegistryConfig(f"{registry.host}/podium", tls_verify=False)
    build, lines, space = await run_build(database, store, client, namespace, config)
    local = image_tag("alice", "demo", 1, build.id, namespace)
    reference = f"{registry.host}/podium/{namespace}-space-{space.id}:{build.id}"
    cleanup += [local, reference]
    assert (build.status, build.error, build.image) == ("succeeded", "", reference)
    assert space.stage == "APP_STARTING"

    # The push's progress is in the same live log as the build's output, after it.
    assert lines[0].startswith(f"==> Building revision 1 of alice/demo as {local}")
    built = next(i for i, line in enumerate(lines) if line.startswith(f"==> Built {local} in "))
    assert lines[built + 1] == f"==> Pushing {reference}"
    assert any("digest: sha256:" in line for line in lines[built + 2:]), lines
    assert lines[-1].startswith(f"==> Pushed {reference}@sha256:") and len(lines[-1].split("@")[1]) == 71
    digest = lines[-1].split("@")[1]

    repository = f"podium/{namespace}-space-{space.id}"
    assert registry.tags(repository) == [str(build.id)]
    status, headers, body = registry.get(f"/v2/{repository}/manifests/{build.id}", accept=MANIFEST_TYPES)
    assert status == 200, body
    assert headers["Docker-Content-Digest"] == digest
    manifest = json.loads(body)
    assert manifest["schemaVersion"] == 2 and len(manifest["layers"]) == 1

    # Gone from the engine (both tags), then pulled back from the registry: the same image.
    image_id = client.api.inspect_image(local)["Id"]
    client.api.remove_image(image_id, force=True)
    with pytest.raises(ImageNotFound):
        client.api.inspect_image(reference)
    assert pull_back(client, reference) == image_id


async def test_credentials_are_sent_and_never_logged(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, auth_registry: Registry,
    namespace: str, cleanup: list[str],
) -> None:
    config = RegistryConfig(auth_registry.host, USER, PASSWORD, tls_verify=False)
    assert PASSWORD not in repr(config)
    build, lines, space = await run_build(database, store, client, namespace, config)
    reference = f"{auth_registry.host}/{namespace}-space-{space.id}:{build.id}"
    cleanup += [image_tag("alice", "demo", 1, build.id, namespace), reference]
    assert (build.status, build.image) == ("succeeded", reference), build.error
    assert auth_registry.tags(f"{namespace}-space-{space.id}") == [str(build.id)]
    assert not any(PASSWORD in line for line in lines)


async def test_wrong_credentials_fail_the_build_and_keep_the_local_image(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, auth_registry: Registry,
    namespace: str, cleanup: list[str],
) -> None:
    wrong = PASSWORD + "-wrong"
    config = RegistryConfig(auth_registry.host, USER, wrong, tls_verify=False)
    build, lines, space = await run_build(database, store, client, namespace, config)
    local = image_tag("alice", "demo", 1, build.id, namespace)
    reference = f"{auth_registry.host}/{namespace}-space-{space.id}:{build.id}"
    cleanup += [local, reference]
    assert build.status == "failed" and build.image is None
    assert build.error.startswith(f"Could not push the image to the registry {auth_registry.host}: "
                                  "the registry refused the credentials ("), build.error
    assert "authentication required" in build.error
    assert (space.stage, space.stage_message) == ("BUILD_ERROR", build.error)
    assert lines[-1].startswith("==> Build failed after ") and lines[-1].endswith(build.error)
    assert not any(wrong in line for line in lines) and wrong not in build.error
    assert client.api.inspect_image(local)["Id"]  # the local image stays
    with pytest.raises(ImageNotFound):  # the registry tag does not
        client.api.inspect_image(reference)
    assert auth_registry.tags(f"{namespace}-space-{space.id}") == []


async def test_missing_credentials_say_which_settings_to_set(
    client: docker.DockerClient, auth_registry: Registry, namespace: str, cleanup: list[str], tmp_path: Path,
) -> None:
    builder = ImageBuilder(client)
    local = f"localhost/{namespace}-plain:1"
    (tmp_path / "ctx").mkdir()
    cleanup.append(local)
    client.images.build(path=str(_context_dir(tmp_path / "ctx")), tag=local)
    lines: list[str] = []
    with pytest.raises(BuildFailed) as failed:
        builder.push(local, f"{auth_registry.host}/{namespace}:1", RegistryConfig(auth_registry.host,
                                                                                  tls_verify=False),
                     on_log=lines.append)
    assert "the registry asks for credentials (set PODIUM_REGISTRY_USERNAME and PODIUM_REGISTRY_PASSWORD)" in \
        failed.value.message
    assert lines and lines == failed.value.log_tail


def _context_dir(path: Path) -> Path:
    (path / "Dockerfile").write_text("FROM scratch\nCOPY a.txt /a.txt\n")
    (path / "a.txt").write_text(uuid.uuid4().hex)
    return path


async def test_an_unreachable_registry_fails_the_build(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, namespace: str, cleanup: list[str],
) -> None:
    from helpers import free_port

    host = f"127.0.0.1:{free_port()}"  # nothing listens there
    build, lines, space = await run_build(database, store, client, namespace, RegistryConfig(host, tls_verify=False))
    cleanup += [image_tag("alice", "demo", 1, build.id, namespace)]
    assert build.status == "failed"
    assert build.error.startswith(f"Could not push the image to the registry {host}: the registry is unreachable ("), \
        build.error
    assert "connection refused" in build.error
    assert client.api.inspect_image(image_tag("alice", "demo", 1, build.id, namespace))["Id"]


async def test_tls_verification_against_a_plain_http_registry_fails_clearly(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, registry: Registry, namespace: str,
    cleanup: list[str],
) -> None:
    build, _, space = await run_build(database, store, client, namespace, RegistryConfig(registry.host))
    cleanup += [image_tag("alice", "demo", 1, build.id, namespace)]
    assert build.status == "failed"
    assert build.error.startswith(f"Could not push the image to the registry {registry.host}: a TLS error "
                                  "(PODIUM_REGISTRY_TLS_VERIFY=false allows"), build.error
    assert registry.tags(f"{namespace}-space-{space.id}") == []


async def test_without_a_registry_the_image_stays_local(
    database: Database, store: LocalObjectStore, client: docker.DockerClient, namespace: str, cleanup: list[str],
) -> None:
    build, lines, _ = await run_build(database, store, client, namespace, None)
    local = image_tag("alice", "demo", 1, build.id, namespace)
    cleanup.append(local)
    assert (build.status, build.image) == ("succeeded", local)
    assert not any("Push" in line for line in lines)
    assert lines[-1].startswith(f"==> Built {local} in ")
    assert client.api.inspect_image(local)["Id"]


# --- settings and messages (no engine) ----------------------------------------------------------------------


def test_the_registry_comes_from_settings(tmp_path: Path) -> None:
    base = Settings(database_url="postgresql+psycopg://x/y", data_dir=tmp_path)
    assert registry_from_settings(base) is None
    config = registry_from_settings(Settings(database_url="postgresql+psycopg://x/y", data_dir=tmp_path,
                                             registry="reg.example:5000/team", registry_username="u",
                                             registry_password="p4ss", registry_tls_verify=False))
    assert config == RegistryConfig("reg.example:5000/team", "u", "p4ss", False)
    assert config.host == "reg.example:5000" and "p4ss" not in repr(config)
    assert config.reference("podium", 7, 42) == "reg.example:5000/team/podium-space-7:42"


def test_a_reference_without_a_tag_is_refused(client: docker.DockerClient) -> None:
    for bad in ("127.0.0.1:5000/repo", "repo"):
        with pytest.raises(ValueError, match="REPOSITORY:TAG"):
            ImageBuilder(client).push("img", bad, RegistryConfig("127.0.0.1:5000"), on_log=print)


def test_push_errors_name_the_registry_and_the_reason() -> None:
    config = RegistryConfig("reg.example/team", "u", "p")
    cases = {
        "checking whether a blob exists: unauthorized: authentication required": "the registry refused the credentials",
        "denied: requested access to the resource is denied": "the registry refused the credentials",
        'Get "https://reg.example/v2/": x509: certificate signed by unknown authority': "a TLS error",
        'dial tcp: lookup reg.example: no such host': "the registry is unreachable",
        "manifest invalid": "the registry refused the push",
    }
    for engine_says, reason in cases.items():
        message = _push_error(config, engine_says)
        assert message.startswith(f"Could not push the image to the registry reg.example/team: {reason}"), message
        assert message.endswith(f"({engine_says})")
    long = _push_error(config, "x" * 5000)
    assert len(long) < 600 and "(..." in long


class DockerStyleApi:
    """The parts of `docker.APIClient` a push uses, answering with a Docker daemon's event stream (per-layer states
    and byte counts, an `aux` digest), which Podman 4.3 does not send."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.calls: list[tuple[str, Any]] = []

    def tag(self, image: str, repository: str, tag: str) -> None:
        self.calls.append(("tag", (image, repository, tag)))

    def _url(self, template: str, name: str) -> str:
        return template.format(name)

    def _post(self, url: str, **options: Any) -> str:
        self.calls.append(("post", (url, options)))
        return "response"

    def _raise_for_status(self, response: str) -> None:
        pass

    def _stream_helper(self, response: str, decode: bool) -> Iterator[dict[str, Any]]:
        yield from self.events

    def remove_image(self, name: str, noprune: bool) -> None:
        self.calls.append(("remove", name))


class FakeClient:
    def __init__(self, api: DockerStyleApi) -> None:
        self.api = api


def test_a_docker_daemons_progress_is_logged_once_per_layer_state() -> None:
    digest = "sha256:" + "c" * 64
    api = DockerStyleApi([
        {"status": "The push refers to repository [reg.example/team/p-space-1]"},
        {"status": "Preparing", "progressDetail": {}, "id": "aaa"},
        {"status": "Pushing", "progressDetail": {"current": 1, "total": 9}, "progress": "[=>  ]", "id": "aaa"},
        {"status": "Pushing", "progressDetail": {"current": 5, "total": 9}, "progress": "[==> ]", "id": "aaa"},
        {"status": "Pushed", "progressDetail": {}, "id": "aaa"},
        {"status": f"2: digest: {digest} size: 528"},
        {"progressDetail": {}, "aux": {"Tag": "2", "Digest": digest, "Size": 528}},
    ])
    lines: list[str] = []
    config = RegistryConfig("reg.example/team", "u", "secret-pw", tls_verify=False)
    pushed = ImageBuilder(FakeClient(api)).push("localhost/img:1", "reg.example/team/p-space-1:2", config,
                                                 on_log=lines.append)
    assert pushed == f"reg.example/team/p-space-1:2@{digest}"
    assert lines == ["The push refers to repository [reg.example/team/p-space-1]", "aaa: Preparing", "aaa: Pushing",
                     "aaa: Pushed", f"2: digest: {digest} size: 528"]
    assert api.calls[0] == ("tag", ("localhost/img:1", "reg.example/team/p-space-1", "2"))
    url, options = api.calls[1][1]
    assert url == "/images/reg.example/team/p-space-1/push"
    assert options["params"] == {"tag": "2", "tlsVerify": "false"}
    header = json.loads(base64.urlsafe_b64decode(options["headers"]["X-Registry-Auth"]))
    assert header == {"serveraddress": "reg.example", "username": "u", "password": "secret-pw"}


def test_an_error_echoing_the_password_is_redacted() -> None:
    api = DockerStyleApi([{"error": "login as u with secret-pw failed: denied"}])
    lines: list[str] = []
    with pytest.raises(BuildFailed) as failed:
        ImageBuilder(FakeClient(api)).push("localhost/img:1", "reg.example/p:2",
                                           RegistryConfig("reg.example", "u", "secret-pw"), on_log=lines.append)
    assert "secret-pw" not in failed.value.message and "********" in failed.value.message
    assert "the registry refused the credentials" in failed.value.message
    assert api.calls[-1] == ("remove", "reg.example/p:2")  # the registry tag goes, the local image stays
