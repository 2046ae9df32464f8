"""The Kubernetes manifests of a Space (podium_cp.runtime.kube.manifests) run for real under `podman kube play`
(Podman 4.3, root), through `KubePlayRuntime` (kubeplay.py, whose docstring lists what Podman takes and what the
harness leaves out or translates), and the Space answers through Podium's router:

1. the Deployment (+ Secret) of a Space image runs: the app answers HTTP at the pod's address, as uid 1000 on a
   read-only root filesystem with /tmp writable, its secret in its environment, its CPU and memory limits applied,
   no capabilities; two Spaces run side by side without sharing ports or /tmp; removing one leaves nothing behind;
2. end to end: the real Reconciler with KubePlayRuntime starts a Space from a real built image (the podium SDK on
   the Space base image), the real router answers `demo--alice.spaces.localhost` with the app's page, and
   deleting the Space removes its pod.

Without Podman these tests FAIL (as the other Podman tests do). Every name carries this run's prefix.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # kubeplay.py, next to this file
from kubeplay import KubePlayRuntime, containers_conf, for_podman, pause_image, podman  # noqa: E402

from podium.spaces import SpaceMetadata  # noqa: E402
from podium_cp.builds.dockerfile import render_dockerfile  # noqa: E402
from podium_cp.runtime.base import ContainerEngineError, ContainerSpec, RuntimeHandle  # noqa: E402
from podium_cp.runtime.kube import KubeConfig, space_manifests  # noqa: E402

# A cold base-image build runs in a fixture: the limit covers the test functions only.
pytestmark = pytest.mark.timeout(300, func_only=True)
PREFIX = f"kp{random.randrange(10**6, 10**7)}"  # this run's installation: every pod, secret, volume name
SECRET = 'tok-"quoted" ünïcode, comma\nsecond line'

# Answers GET with who it runs as, its environment, which paths it may write, and what /tmp holds (GET /keep/NAME
# also writes /tmp/NAME: another Space's /tmp must not show it).
PROBE_APP = """\
import http.server, json, os

class Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/keep/"):
            open("/tmp/" + os.path.basename(self.path), "w").close()
        out = {"uid": os.getuid(), "gid": os.getgid(), "env": dict(os.environ)}
        for path in ("/app/mark", "/tmp/mark", "/home/user/.cache/mark", "/etc/mark"):
            try:
                with open(path, "w") as f:
                    f.write("x")
                out[path] = "written"
            except OSError as exc:
                out[path] = exc.strerror
        out["tmp"] = sorted(os.listdir("/tmp"))
        body = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("0.0.0.0", 7860), Probe).serve_forever()
"""
# A real podium SDK Space (built with the builder's Dockerfile).
SDK_APP = """\
import podium as gr

def greet(name):
    return "Hello " + name

demo = gr.Interface(greet, "textbox", "textbox", title="Kube play hello")
demo.launch()
"""


def _build(tag: str, app: str, dockerfile: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "app.py").write_text(app)
        (Path(folder) / "Dockerfile").write_text(dockerfile)
        podman("build", "--quiet", "--tag", tag, folder, timeout=300)
    return tag


@pytest.fixture(scope="module")
def images(base_image: str) -> Iterator[dict[str, str]]:
    """The probe app (on the base image as it is: /app, root's image) and the podium SDK app with the Dockerfile
    the builder writes for a `podium` Space, each built once."""
    sdk_dockerfile = render_dockerfile(SpaceMetadata(sdk="podium", app_file="app.py"), ["app.py"],
                                       base_image=base_image, ca_bundle=False)
    built = {
        "probe": _build(f"localhost/{PREFIX}-probe:1", PROBE_APP, f"FROM {base_image}\nCOPY app.py /app/app.py\n"),
        "sdk": _build(f"localhost/{PREFIX}-sdk:1", SDK_APP, sdk_dockerfile),
    }
    yield built
    for tag in built.values():
        podman("rmi", "--force", tag, check=False)


@pytest.fixture(scope="module")
def kube(base_image: str, images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[KubePlayRuntime]:
    """The harness on this run's installation; removes everything it made (before the images go: `images`)."""
    conf = containers_conf(tmp_path_factory.mktemp("kubeplay"), pause_image(base_image))
    runtime = KubePlayRuntime(KubeConfig(installation=PREFIX), conf)
    try:
        yield runtime
    finally:
        runtime.clean_up()


def _wait_healthy(runtime: KubePlayRuntime, handle: Any, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while (status := runtime.status(handle)).health != "healthy":
        assert status.state in ("running", "starting"), (status, runtime.logs(handle))
        if time.monotonic() > deadline:
            pytest.fail(f"the app did not answer within {timeout:.0f} s: {runtime.logs(handle)}")
        time.sleep(0.3)


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the pod's address
        data: dict[str, Any] = json.loads(response.read())
    return data


def _inspect(container: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(podman("inspect", container).stdout)[0]
    return data


# --- the translation (no Podman) ----------------------------------------------------------------------------


def test_the_translation_leaves_out_what_podman_43_cannot_take() -> None:
    spec = ContainerSpec(space_id=5, name="alice/demo", image="localhost/x:1", env={"A": "1"},
                         secret_env={"TOKEN": SECRET}, labels={"org.podium.config": "abc"})
    objects = space_manifests(spec, KubeConfig(installation="kpt"))
    assert [o["kind"] for o in objects] == ["Secret", "Deployment", "Service"]
    text, secrets = for_podman(objects, "kpt", spec.port)
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs] == ["Deployment"]  # Secret -> podman secret; Service left out
    deployment = docs[0]
    assert deployment["metadata"]["name"] == "kpt-space-5"
    assert deployment["metadata"]["annotations"]["org.podium.config"] == "abc"
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert "ports" not in container  # 4.3 would publish them on the host
    assert [v["name"] for v in pod["volumes"]] == ["kpt-space-5-tmp", "kpt-space-5-cache"]
    assert {m["name"] for m in container["volumeMounts"]} == {"kpt-space-5-tmp", "kpt-space-5-cache"}
    ref = next(e for e in container["env"] if e["name"] == "TOKEN")["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "kpt-space-5-secrets", "key": "TOKEN"}
    # What the kube play secretKeyRef lookup parses: JSON of key -> base64 bytes.
    assert list(secrets) == ["kpt-space-5-secrets"]
    assert base64.b64decode(json.loads(secrets["kpt-space-5-secrets"])["TOKEN"]).decode() == SECRET
    # The manifests themselves are untouched.
    assert "ports" in objects[1]["spec"]["template"]["spec"]["containers"][0]


# --- 1. the Deployment under kube play ----------------------------------------------------------------------


def test_the_deployment_runs_as_the_contract_says(kube: KubePlayRuntime, images: dict[str, str]) -> None:
    spec = ContainerSpec(space_id=1, name="alice/probe", image=images["probe"], env={"PLAIN": "plain value"},
                         secret_env={"TOKEN": SECRET}, cpu=0.5, memory_mb=256, sdk="podium",
                         labels={"org.podium.config": "cfg1"})
    other = replace(spec, space_id=2, name="bob/probe", secret_env={}, labels={"org.podium.config": "cfg2"})
    handle = kube.start(spec)
    second = kube.start(other)  # a second Space: no host port to clash on, its own /tmp
    _wait_healthy(kube, handle)
    _wait_healthy(kube, second)
    assert handle.url == f"http://{kube.pod_ip(handle.container_id)}:7860"

    seen = _get_json(handle.url)
    assert (seen["uid"], seen["gid"]) == (1000, 1000)
    assert seen["/tmp/mark"] == "written" and seen["/home/user/.cache/mark"] == "written"
    assert seen["/app/mark"] == "Read-only file system" and seen["/etc/mark"] == "Read-only file system"
    assert seen["env"]["TOKEN"] == SECRET
    assert seen["env"]["PLAIN"] == "plain value"
    assert seen["env"]["HOME"] == "/home/user" and seen["env"]["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "kept-by-1" in _get_json(f"{handle.url}/keep/kept-by-1")["tmp"]
    seen_other = _get_json(second.url)
    assert "kept-by-1" not in seen_other["tmp"] and "TOKEN" not in seen_other["env"]

    (app,) = kube.app_containers(handle.container_id)
    attrs = _inspect(app)
    host = attrs["HostConfig"]
    assert host["Memory"] == 256 * 1024 * 1024
    assert host["CpuQuota"] / host["CpuPeriod"] == 0.5
    assert host["ReadonlyRootfs"] is True
    assert "no-new-privileges" in host["SecurityOpt"]
    assert attrs["EffectiveCaps"] in (None, [])
    assert attrs["Config"]["User"] == "1000:1000"
    assert attrs["Config"]["Annotations"]["podium.dev/space"] == "alice/probe"
    assert not attrs["NetworkSettings"].get("Ports")  # nothing published on the host

    found = {r.space_id: r for r in kube.replicas()}
    assert set(found) == {1, 2}
    assert found[1].labels["org.podium.config"] == "cfg1" and found[1].state == "running"
    assert found[1].handle == handle

    (node,) = kube.capacity()  # the two Spaces' limits are taken off this machine's
    assert node.cpu - node.cpu_free == pytest.approx(1.0) and node.memory_mb - node.memory_mb_free == 512

    kube.remove(handle)
    assert kube.status(handle).state == "missing"
    assert kube.logs(handle) == []
    assert [r.space_id for r in kube.replicas()] == [2]
    names = podman("secret", "ls", "--format", "{{.Name}}").stdout.split()
    assert f"{handle.container_id}-secrets" not in names
    volumes = podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
    assert not [v for v in volumes if v.startswith(f"{handle.container_id}-")]
    assert podman("pod", "exists", f"{handle.container_id}-pod-0", check=False).returncode == 1
    kube.remove(handle)  # a missing one is not an error
    kube.remove(second)


def test_a_docker_space_keeps_a_writable_root(kube: KubePlayRuntime, images: dict[str, str]) -> None:
    spec = ContainerSpec(space_id=3, name="alice/docker", image=images["probe"], cpu=0.5, memory_mb=256, sdk="docker")
    handle = kube.start(spec)
    try:
        _wait_healthy(kube, handle)
        seen = _get_json(handle.url)
        assert seen["uid"] == 1000 and seen["/tmp/mark"] == "written"
        assert seen["/etc/mark"] == "Permission denied"  # writable root, but uid 1000 may not write there
        assert _inspect(kube.app_containers(handle.container_id)[0])["HostConfig"]["ReadonlyRootfs"] is False
        kube.stop(handle)
        assert kube.status(handle).state == "exited"
    finally:
        kube.remove(handle)


def test_a_container_that_cannot_start_fails_the_start_and_leaves_nothing(kube: KubePlayRuntime,
                                                                          base_image: str) -> None:
    # The base image alone has no /app (its working directory): Podman cannot start the container.
    spec = ContainerSpec(space_id=4, name="alice/broken", image=base_image, cpu=0.5, memory_mb=256,
                         secret_env={"TOKEN": "x"})
    with pytest.raises(ContainerEngineError, match="/app"):
        kube.start(spec)
    handle = RuntimeHandle(f"{PREFIX}-space-4", "")
    assert kube.status(handle).state == "missing"
    assert podman("pod", "exists", f"{PREFIX}-space-4-pod-0", check=False).returncode == 1
    assert f"{PREFIX}-space-4-secrets" not in podman("secret", "ls", "--format", "{{.Name}}").stdout.split()


def test_a_missing_image_fails_the_start(kube: KubePlayRuntime) -> None:
    spec = ContainerSpec(space_id=6, name="alice/none", image=f"localhost/{PREFIX}-absent:1", cpu=0.5, memory_mb=128)
    with pytest.raises(ContainerEngineError, match="kube play"):
        kube.start(spec)
    assert kube.status(RuntimeHandle(f"{PREFIX}-space-6", "")).state == "missing"
    assert podman("pod", "exists", f"{PREFIX}-space-6-pod-0", check=False).returncode == 1


# --- 2. end to end: reconciler + router ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_reconciler_and_router_serve_a_space_from_kube_play(
    kube: KubePlayRuntime, images: dict[str, str], database: Any, settings: Any
) -> None:
    from anyio import to_thread
    from reconciler_support import make_space, runtime_of, stage_of
    from sqlalchemy import update
    from test_router import ServedRouter

    from podium_cp.crypto import SecretBox
    from podium_cp.models.spaces import Build, Space, SpaceSecret
    from podium_cp.router import RouterConfig, SpacesRouter
    from podium_cp.spaces.reconciler import Reconciler
    from podium_cp.spaces.service import space_secret_aad

    space_id = await make_space(database, "demo", owner="alice")
    key_id, nonce, ciphertext = SecretBox.from_settings(settings).seal(b"s3cret", space_secret_aad(space_id, "TOKEN"))
    async with database.session() as db:
        await db.execute(update(Build).where(Build.space_id == space_id).values(image=images["sdk"]))
        db.add(SpaceSecret(space_id=space_id, name="TOKEN", key_id=key_id, nonce=nonce, ciphertext=ciphertext))
    # A cluster's Spaces reach the API at its in-cluster URL (deep links); nothing in this test calls it.
    settings = replace(settings, spaces_api_url="http://podium-api.podium.svc:8000")
    reconciler = Reconciler(database, kube, settings, startup_timeout_s=120)
    deadline = time.monotonic() + 120
    while (stage := await stage_of(database, space_id))[0] != "RUNNING":
        assert stage[0] in ("APP_STARTING",), (stage, kube.logs(kube.replicas()[0].handle) if kube.replicas() else [])
        assert time.monotonic() < deadline, f"not RUNNING: {stage}"
        await reconciler.pass_once()
        await asyncio.sleep(0.5)
    row = await runtime_of(database, space_id)
    assert row is not None and row.container_id == f"{PREFIX}-space-{space_id}"
    assert row.url == f"http://{kube.pod_ip(row.container_id)}:7860"
    played = yaml.safe_load(kube.played[space_id])
    env = {e["name"]: e for e in played["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == f"{PREFIX}-space-{space_id}-secrets"
    assert env["SPACE_ID"]["value"] == "alice/demo"
    (app,) = kube.app_containers(row.container_id)
    env_in_app = dict(line.split("=", 1) for line in _inspect(app)["Config"]["Env"])
    assert env_in_app["TOKEN"] == "s3cret"

    # The router serves on its own event loop in a thread (started from a worker thread: this test's loop runs).
    app = SpacesRouter(replace(settings, public_url="http://console.localhost"), RouterConfig(wake_timeout_s=10.0))
    router = await to_thread.run_sync(ServedRouter, app)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.get(f"{router.url}/", headers={"Host": "demo--alice.spaces.localhost"})
        assert response.status_code == 200, response.text
        assert "<title>Kube play hello</title>" in response.text
    finally:
        await to_thread.run_sync(router.stop)

    async with database.session() as db:
        await db.execute(update(Space).where(Space.id == space_id).values(desired_state="deleted"))
    await reconciler.pass_once()
    assert kube.replicas() == []
    assert podman("pod", "exists", f"{row.container_id}-pod-0", check=False).returncode == 1
    assert f"{row.container_id}-secrets" not in podman("secret", "ls", "--format", "{{.Name}}").stdout.split()
