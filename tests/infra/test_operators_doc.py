"""docs/operators.md: every command of its ```bash / ```sh blocks is either run here (against the test Postgres,
with kubectl kustomize, with the platform image) or listed in COVERED with the check that stands for it (a real
cluster, registry or DNS is not available here). A command added to the guide without either fails
`test_every_command_is_run_or_covered`."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from infra_support import K8S, ROOT, render

DOC = ROOT / "docs" / "operators.md"
VENV_BIN = ROOT / ".venv" / "bin"


def doc_commands(text: str) -> list[str]:
    """The command lines of the doc's bash/sh blocks (continuation lines joined, comments and blanks dropped)."""
    commands: list[str] = []
    for block in re.findall(r"^```(?:bash|sh)\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


# --- checks that stand for commands this machine cannot run (no cluster, registry, DNS) ---------------


def _rendered(name: str = "overlays/gpu") -> list[dict[str, Any]]:
    return render(name)


def _secret_refs(docs: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Secret name -> the keys containers read from it (secretKeyRef)."""
    refs: dict[str, set[str]] = {}
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(ref["name"], set()).add(ref["key"])
    return refs


def generic_secret(name: str, *keys: str) -> Callable[[], None]:
    def check() -> None:
        assert _secret_refs(_rendered()).get(name) == set(keys), f"the manifests read {name} with other keys"
    return check


def tls_secret(name: str) -> Callable[[], None]:
    def check() -> None:
        (ingress,) = [d for d in _rendered() if d["kind"] == "Ingress"]
        assert name in {tls["secretName"] for tls in ingress["spec"]["tls"]}
    return check


def pull_secret(namespace: str) -> Callable[[], None]:
    def check() -> None:
        docs = _rendered()
        (settings,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "podium-settings"]
        assert settings["data"]["PODIUM_KUBE_IMAGE_PULL_SECRETS"] == "podium-registry-pull"  # Space pods
        assert namespace in {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
        for doc in docs:
            if doc["kind"] in ("Deployment", "Job"):
                assert doc["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "podium-registry-pull"}]
    return check


def namespace(name: str) -> Callable[[], None]:
    def check() -> None:
        assert name in {d["metadata"]["name"] for d in _rendered() if d["kind"] == "Namespace"}
    return check


def apply_overlay(name: str) -> Callable[[], None]:
    def check() -> None:
        for doc in render(name):
            kubernetes_validate.validate(doc, "1.30.0", strict=True)
    return check


def workload(kind: str, name: str) -> Callable[[], None]:
    def check() -> None:
        assert [d for d in _rendered() if d["kind"] == kind and d["metadata"]["name"] == name]
    return check


def pool_label(value: str) -> Callable[[], None]:
    def check() -> None:
        text = (K8S / "overlays" / "gpu" / "placement.yaml").read_text()
        assert f"podium.dev/pool: {value}" in text
    return check


def gpu_taint() -> None:
    from podium_cp.runtime.kube.placement import DEFAULT_TOLERATIONS

    placement = yaml.safe_load((K8S / "overlays" / "gpu" / "placement.yaml").read_text())
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in placement["defaults"]["tolerations"]
    assert DEFAULT_TOLERATIONS[0]["key"] == "nvidia.com/gpu"  # tolerates the taint whatever its value


def pushed_image(image: str) -> Callable[[], None]:
    def check() -> None:
        docs = _rendered("overlays/default")
        pods = [d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")]
        images = {c["image"] for pod in pods for c in pod["containers"] + pod.get("initContainers", [])}
        (settings,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "podium-settings"]
        assert image in images | {settings["data"]["PODIUM_SPACE_BASE_IMAGE"]}
    return check


def script(path: str) -> Callable[[], None]:
    def check() -> None:
        assert os.access(ROOT / path, os.X_OK), f"{path} is not an executable script"
    return check


def base_argument() -> None:
    text = (ROOT / "infra" / "platform" / "Containerfile").read_text()
    assert "ARG BASE=" in text and "FROM ${BASE}" in text
    assert 'base="${BASE:-}"' in (ROOT / "infra" / "platform" / "build.sh").read_text()


def sidecar_image() -> None:
    text = (ROOT / "infra" / "podman" / "image" / "Containerfile").read_text()
    assert "ARG BASE=" in text and "FROM ${BASE}" in text


def make_target(target: str) -> Callable[[], None]:
    def check() -> None:
        assert re.search(rf"^{re.escape(target)}:", (ROOT / "Makefile").read_text(), flags=re.M)
    return check


def cli(*args: str) -> Callable[[], None]:
    """The podium CLI knows the command (its --help parses); a server is not needed for that."""
    def check() -> None:
        done = subprocess.run([str(VENV_BIN / "podium"), *args, "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    return check


def compose_file() -> None:
    assert (ROOT / "infra" / "compose" / "compose.yaml").is_file()  # tests/infra/test_compose.py checks it


def env_example() -> None:
    assert (ROOT / "infra" / "compose" / ".env.example").is_file()  # tests/infra/test_compose.py parses it


REGISTRY_PULL = ("--docker-server=registry.example.com --docker-username=puller --docker-password=PULL-PASSWORD")
# Command (exactly as in the doc) -> the check that covers it.
COVERED: dict[str, Callable[[], None]] = {
    "make build-frontend": make_target("build-frontend"),
    "BASE=python:3.12-slim-bookworm infra/platform/build.sh": base_argument,  # test_platform_image builds it
    "podman push localhost/podium-platform:latest registry.example.com/podium/platform:0.1.0":
        pushed_image("registry.example.com/podium/platform:0.1.0"),
    "infra/space-image/build.sh": script("infra/space-image/build.sh"),  # the base_image fixture runs it
    # test_podman_sidecar.py builds it FROM the cached rootfs (no Debian image can be pulled here)
    "podman build --build-arg BASE=debian:bookworm-slim -t localhost/podium-podman:latest infra/podman/image":
        sidecar_image,
    "podman push localhost/podium-podman:latest registry.example.com/podium/podman:0.1.0":
        pushed_image("registry.example.com/podium/podman:0.1.0"),
    "podman push localhost/podium-space-base:latest registry.example.com/podium/space-base:0.1.0":
        pushed_image("registry.example.com/podium/space-base:0.1.0"),
    "kubectl -n podium create secret tls podium-console-tls --cert=console.crt --key=console.key":
        tls_secret("podium-console-tls"),
    "kubectl -n podium create secret tls podium-spaces-tls --cert=spaces.crt --key=spaces.key":
        tls_secret("podium-spaces-tls"),
    "kubectl -n podium create secret tls podium-share-tls --cert=share.crt --key=share.key":
        tls_secret("podium-share-tls"),
    "kubectl label nodes -l nvidia.com/gpu.product=Tesla-T4 podium.dev/pool=gpu-t4": pool_label("gpu-t4"),
    "kubectl label nodes -l nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB podium.dev/pool=gpu-a100":
        pool_label("gpu-a100"),
    "kubectl taint nodes -l nvidia.com/gpu.present=true nvidia.com/gpu=present:NoSchedule": gpu_taint,
    "kubectl create namespace podium": namespace("podium"),
    "kubectl create namespace podium-spaces": namespace("podium-spaces"),
    f"kubectl -n podium create secret docker-registry podium-registry-pull {REGISTRY_PULL}": pull_secret("podium"),
    f"kubectl -n podium-spaces create secret docker-registry podium-registry-pull {REGISTRY_PULL}":
        pull_secret("podium-spaces"),
    "kubectl -n podium create secret generic podium-registry --from-literal=username=pusher "
    "--from-literal=password=PUSH-PASSWORD": generic_secret("podium-registry", "username", "password"),
    "kubectl -n podium create secret generic podium-database "
    "--from-literal=url=postgresql+psycopg://podium:DB-PASSWORD@db.example.com:5432/podium":
        generic_secret("podium-database", "url"),
    "kubectl -n podium create secret generic podium-secret-keys --from-literal=keys=KID:BASE64KEY":
        generic_secret("podium-secret-keys", "keys"),
    "kubectl -n podium create secret generic podium-object-store --from-literal=access-key=ACCESS-KEY "
    "--from-literal=secret-key=SECRET-KEY": generic_secret("podium-object-store", "access-key", "secret-key"),
    "kubectl -n podium create secret generic podium-share --from-literal=auth-token=TUNNEL-TOKEN":
        generic_secret("podium-share", "auth-token"),
    "kubectl apply -k infra/k8s/overlays/gpu": apply_overlay("overlays/gpu"),
    "kubectl -n podium wait --for=condition=complete job/podium-migrate --timeout=300s": workload("Job", "podium-migrate"),
    "kubectl -n podium rollout status deployment/podium-api": workload("Deployment", "podium-api"),
    "kubectl -n podium delete job podium-migrate --ignore-not-found": workload("Job", "podium-migrate"),
    "podium login --server https://podium.example.com --token pdm_TOKEN": cli("login"),
    "podium push my-space/ --space admin/my-space": cli("push"),
    "podium hardware capacity": cli("hardware", "capacity"),
    "cp infra/compose/.env.example infra/compose/.env": env_example,
    "podman-compose -f infra/compose/compose.yaml --env-file infra/compose/.env up -d": compose_file,
}
# Commands this test runs itself (below).
RUN = {
    "kubectl kustomize infra/k8s/overlays/gpu",
    "podman run --rm localhost/podium-platform:latest cli generate-secret-key",
    'pg_dump --format=custom --no-owner --file=podium.dump "$PG_URL"',
    'pg_restore --clean --if-exists --no-owner --dbname="$PG_URL" podium.dump',
    'PODIUM_DATABASE_URL="$PG_URL" podium-cp migrate',
    "infra/platform/build.sh",
}


def test_every_command_is_run_or_covered() -> None:
    commands = doc_commands(DOC.read_text())
    assert len(commands) >= 30
    missing = [c for c in commands if c not in COVERED and c not in RUN]
    assert not missing, f"commands in docs/operators.md with no test or check: {missing}"
    stale = (set(COVERED) | RUN) - set(commands)
    assert not stale, f"listed here but no longer in the guide: {sorted(stale)}"


def test_the_extraction_sees_a_new_command() -> None:
    """A command added to a block is picked up (continuation lines joined, comments skipped)."""
    text = "x\n```bash\n# note\nkubectl delete namespace \\\n  podium\n```\n```sh\nrm -rf /\n```\n```yaml\na: b\n```\n"
    assert doc_commands(text) == ["kubectl delete namespace    podium", "rm -rf /"]
    assert all(c not in COVERED and c not in RUN for c in doc_commands(text))


@pytest.mark.parametrize("command", sorted(COVERED))
def test_covered_command(command: str) -> None:
    COVERED[command]()


def _bash(command: str, *, cwd: Path, pg_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PG_URL": pg_url, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_the_render_command(tmp_path: Path) -> None:
    done = _bash("kubectl kustomize infra/k8s/overlays/gpu", cwd=ROOT, pg_url="")
    assert done.returncode == 0, done.stderr
    for doc in yaml.safe_load_all(done.stdout):
        if doc:
            kubernetes_validate.validate(doc, "1.30.0", strict=True)


def test_migrate_and_the_backup_round_trip(pg_url: str, tmp_path: Path) -> None:
    """The upgrade command against the test database, then pg_dump and pg_restore into a second database."""
    from sqlalchemy import create_engine, text

    source = _libpq(pg_url)
    migrated = _bash('PODIUM_DATABASE_URL="$PG_URL" podium-cp migrate', cwd=tmp_path, pg_url=source)
    assert migrated.returncode == 0, migrated.stderr
    assert "database migrated to head" in migrated.stdout
    dumped = _bash('pg_dump --format=custom --no-owner --file=podium.dump "$PG_URL"', cwd=tmp_path, pg_url=source)
    assert dumped.returncode == 0, dumped.stderr
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS podium_restore"))
        conn.execute(text("CREATE DATABASE podium_restore"))
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        flavors = conn.execute(text("SELECT count(*) FROM flavors")).scalar_one()
    engine.dispose()
    target = source.rsplit("/", 1)[0] + "/podium_restore"
    for _ in range(2):  # twice: --clean --if-exists restores over an earlier restore too
        restored = _bash('pg_restore --clean --if-exists --no-owner --dbname="$PG_URL" podium.dump', cwd=tmp_path,
                         pg_url=target)
        assert restored.returncode == 0, restored.stderr
    restored_engine = create_engine(pg_url.rsplit("/", 1)[0] + "/podium_restore")
    with restored_engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == version
        assert conn.execute(text("SELECT count(*) FROM flavors")).scalar_one() == flavors
    restored_engine.dispose()


@pytest.mark.slow
def test_the_image_commands(tmp_path: Path) -> None:
    """infra/platform/build.sh (cached by its inputs' digest), then the key generator inside the image."""
    built = _bash("infra/platform/build.sh", cwd=ROOT, pg_url="")
    assert built.returncode == 0, built.stderr[-2000:]
    generated = _bash("podman run --rm localhost/podium-platform:latest cli generate-secret-key", cwd=tmp_path,
                      pg_url="")
    assert generated.returncode == 0, generated.stderr
    key_id, _, key = generated.stdout.strip().partition(":")
    assert key_id and len(key) >= 40
