"""`KubePlayRuntime`: the Runtime protocol on the REAL Kubernetes objects of podium_cp.runtime.kube.manifests, run by
`podman kube play` (Podman 4.3, as root) instead of a cluster. It proves that what the Kubernetes backend would apply
starts the Space image as a pod with the contract's security settings, limits and secrets; the Kubernetes API calls
themselves (runtime/kube/runtime.py) are tested elsewhere.

What `podman kube play` 4.3 takes, found by experiment, and what this harness changes (the smallest change each):

- Deployment: played as `<name>-pod-<i>` pods, one per replica. It honours `runAsUser`/`runAsGroup` (the app runs as
  1000:1000), `runAsNonRoot`, `readOnlyRootFilesystem`, `capabilities.drop: [ALL]` (no effective capabilities),
  `allowPrivilegeEscalation: false` (no-new-privileges), `seccompProfile: RuntimeDefault`, the CPU and memory
  limits (cgroup quota and memory limit), `imagePullPolicy: IfNotPresent` (a local image is used as it is), plain
  `env`, `automountServiceAccountToken`/`enableServiceLinks` (nothing to mount or link), and the Deployment's
  annotations (they become the containers' annotations: `Replica.labels` reads them back). It accepts and ignores
  `strategy`, `revisionHistoryLimit`, `requests`, `namespace` and `readinessProbe` (4.3 turns only a
  livenessProbe into a health check): readiness here is an HTTP GET of the pod, as the Docker runtime does.
- `ports`: REMOVED. Podman 4.3 publishes every `containerPort` without a `hostPort` on the host's port of the same
  number (0.0.0.0:7860), which Kubernetes never does and which makes a second Space fail to start. The pod is
  reached instead at its own IP on Podman's kube network (`podman-default-kube-network`), from the host, as a
  ClusterIP Service forwards to a pod. The port goes into the harness's annotation `podium.dev/kubeplay-port`
  (Replica URLs need it; the probe's named port `http` is ignored by Podman either way).
- `emptyDir` volumes: RENAMED `<deployment>-<volume>`. Podman 4.3 makes a named volume of the volume's name
  (`tmp`, `cache`), which every pod with a volume of that name would share; the prefix keeps each Space's scratch
  space its own (the replicas of one Space do share it: one play names them alike). `kube down` or `remove` deletes
  them.
- Secret: LEFT OUT of the YAML and created as a `podman secret` of the same name. 4.3 accepts `kind: Secret` but
  stores the object's YAML, while its `secretKeyRef` lookup parses the secret as JSON of key -> base64 bytes, so a
  played Secret always fails ("secret ... is not valid JSON"). The harness stores exactly that JSON, made from the
  Secret's `stringData`.
- Service, NetworkPolicy: LEFT OUT. 4.3 accepts them in the YAML and silently does nothing with them (its help
  names Pods, Deployments and PersistentVolumeClaims). The handle's URL is the first pod's address, what the
  Service would forward to; nothing on one host enforces a NetworkPolicy.
- Names: Podman has no namespaces, so every name (Deployment, Secret, volumes) gets the prefix
  `<KubeConfig.installation>-`, which a test makes unique per run.
- The pod's infra container: Podman builds its default pause image with `catatonit`, which Debian's podman only
  recommends (not installed here). The harness builds a tiny pause image from the Space base image (Python waiting
  for SIGTERM) and points `infra_image` at it in a copy of the host's containers.conf (`CONTAINERS_CONF`, used by
  this harness's podman commands only).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    NodeCapacity,
    Replica,
    RuntimeHandle,
    RuntimeStatus,
)
from podium_cp.runtime.kube import KubeConfig, space_manifests

LABEL_INSTALLATION = "podium.dev/installation"
LABEL_SPACE_ID = "podium.dev/space-id"
PORT_ANNOTATION = "podium.dev/kubeplay-port"
# Annotations Podman adds to every container: not the Deployment's.
_PODMAN_ANNOTATIONS = ("io.container.manager", "io.kubernetes.", "io.podman.", "org.opencontainers.")
HOST_CONF = Path(os.environ.get("PODIUM_CONTAINERS_CONF", "/etc/containers/containers.conf"))
PAUSE = """import signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
while True:
    signal.pause()
"""


def podman(*args: str, conf: Path | None = None, stdin: str | None = None, timeout: float = 180,
           check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `podman ARGS` (with `conf` as CONTAINERS_CONF); ContainerEngineError with its stderr when it fails."""
    env = {**os.environ, "CONTAINERS_CONF": str(conf)} if conf else None
    done = subprocess.run(["podman", *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise ContainerEngineError(f"podman {' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}")
    return done


def pause_image(base_image: str) -> str:
    """The infra (pause) image for kube play's pods, built from the Space base image once (cached by digest)."""
    image_id = podman("image", "inspect", "--format", "{{.Id}}", base_image).stdout.strip()
    digest = hashlib.sha256((image_id + PAUSE).encode()).hexdigest()[:16]
    ref = f"localhost/podium-kubeplay-pause:{digest}"
    if podman("image", "exists", ref, check=False).returncode == 0:
        return ref
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pause.py").write_text(PAUSE)
        (Path(folder) / "Containerfile").write_text(
            f'FROM {base_image}\nCOPY pause.py /pause.py\nENTRYPOINT ["python3", "/pause.py"]\nCMD []\n')
        podman("build", "--quiet", "--tag", ref, folder, timeout=300)
    return ref


def containers_conf(folder: Path, infra_image: str) -> Path:
    """A copy of the host's containers.conf with `[engine] infra_image` set (CONTAINERS_CONF replaces, not merges)."""
    lines = HOST_CONF.read_text().splitlines() if HOST_CONF.exists() else []
    lines = [line for line in lines if not re.match(r"\s*infra_image\s*=", line)]
    setting = f'infra_image = "{infra_image}"'
    engine = next((i for i, line in enumerate(lines) if re.match(r"\s*\[\s*engine\s*\]", line)), None)
    if engine is None:
        lines += ["[engine]", setting]
    else:
        lines.insert(engine + 1, setting)
    path = folder / "containers.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def for_podman(objects: list[dict[str, Any]], prefix: str, port: int) -> tuple[str, dict[str, str]]:
    """The YAML `podman kube play` 4.3 runs for a Space's objects, and the podman secrets it needs (name -> data).
    See the module docstring for each change."""
    docs: list[dict[str, Any]] = []
    secrets: dict[str, str] = {}
    for obj in objects:
        obj = copy.deepcopy(obj)
        kind = obj["kind"]
        if kind == "Secret":
            data = {key: base64.b64encode(value.encode()).decode() for key, value in obj["stringData"].items()}
            secrets[f"{prefix}-{obj['metadata']['name']}"] = json.dumps(data)
        elif kind == "Deployment":
            obj["metadata"]["name"] = f"{prefix}-{obj['metadata']['name']}"
            obj["metadata"].setdefault("annotations", {})[PORT_ANNOTATION] = str(port)
            pod = obj["spec"]["template"]["spec"]
            for volume in pod.get("volumes", []):
                volume["name"] = f"{obj['metadata']['name']}-{volume['name']}"
            for container in pod["containers"]:
                container.pop("ports", None)
                for mount in container.get("volumeMounts", []):
                    mount["name"] = f"{obj['metadata']['name']}-{mount['name']}"
                for env in container.get("env", []):
                    ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        ref["name"] = f"{prefix}-{ref['name']}"
            docs.append(obj)
        # Service, NetworkPolicy: left out (see the module docstring).
    return yaml.safe_dump_all(docs, sort_keys=False), secrets


class KubePlayRuntime:
    """The Runtime protocol by `podman kube play` of the Space's real manifests (one machine, no cluster)."""

    name = "kubernetes"
    places_gpus = True

    def __init__(self, config: KubeConfig, conf: Path, *, http_timeout: float = 2.0) -> None:
        self.config = config
        self.prefix = config.installation
        self.conf = conf
        self.http_timeout = http_timeout
        self.played: dict[int, str] = {}  # space id -> the last YAML played (tests read it)

    # --- the Runtime protocol -----------------------------------------------------------------------------

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        """Plays the Space's Deployment (replacing its pods: Podman has no rolling update) and its secrets."""
        text, secrets = for_podman(space_manifests(spec, self.config), self.prefix, spec.port)
        name = self._name(spec.space_id)
        self._remove(name)
        self.played[spec.space_id] = text
        try:
            for secret, data in secrets.items():
                self._podman("secret", "create", secret, "-", stdin=data)
            self._podman("kube", "play", "-", stdin=text)
        except ContainerEngineError:
            self._remove(name)  # what a failed play made (a pod whose container could not start, the secret)
            raise
        return RuntimeHandle(container_id=name, url=self._url(name, spec.port))

    def stop(self, handle: RuntimeHandle) -> None:
        for pod in self._pods(handle.container_id):
            self._podman("pod", "stop", "--time", "2", pod, check=False)

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        apps = self._apps(handle.container_id)
        if not apps:
            return RuntimeStatus(state="missing")
        states = [str(c.get("State", "")) for c in apps]
        if "running" in states:
            if self._answers(handle.url):
                return RuntimeStatus(state="running", health="healthy")
            return RuntimeStatus(state="starting", health="unhealthy")
        if any(s in ("created", "configured", "initialized") for s in states):
            return RuntimeStatus(state="starting")
        return RuntimeStatus(state="exited", exit_code=int(apps[0].get("ExitCode") or 0), health="unhealthy")

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        apps = self._apps(handle.container_id)
        if not apps:
            return []
        done = self._podman("logs", str(apps[-1]["Id"]), check=False)
        return (done.stdout + done.stderr).splitlines()[-tail:] if tail > 0 else []

    def remove(self, handle: RuntimeHandle) -> None:
        self._remove(handle.container_id)

    def replicas(self) -> list[Replica]:
        """One Replica per played Deployment of this installation, its labels the Deployment's annotations."""
        by_name: dict[str, list[dict[str, Any]]] = {}
        for app in self._apps(None):
            by_name.setdefault(str(app["PodName"]).rsplit("-pod-", 1)[0], []).append(app)
        if not by_name:
            return []
        inspected = {c["Id"]: c for c in json.loads(self._podman(
            "inspect", *(str(a["Id"]) for apps in by_name.values() for a in apps)).stdout)}
        out = []
        for name, apps in sorted(by_name.items()):
            annotations = inspected[apps[0]["Id"]]["Config"].get("Annotations") or {}
            labels = {k: v for k, v in annotations.items() if not k.startswith(_PODMAN_ANNOTATIONS)}
            states = [str(a.get("State", "")) for a in apps]
            state = "running" if "running" in states else states[0]
            url = self._url(name, int(labels.get(PORT_ANNOTATION) or 7860))
            out.append(Replica(space_id=int(apps[0]["Labels"][LABEL_SPACE_ID]),
                               handle=RuntimeHandle(container_id=name, url=url), labels=labels, state=state))
        return out

    def capacity(self) -> list[NodeCapacity]:
        """This machine as one node: its CPUs and memory minus the limits of this installation's running apps."""
        cpu = float(os.cpu_count() or 1)
        memory_mb = _mem_total_mb()
        used_cpu, used_mb = 0.0, 0
        running = [str(a["Id"]) for a in self._apps(None) if a.get("State") == "running"]
        if running:
            for c in json.loads(self._podman("inspect", *running).stdout):
                used_cpu += int(c["HostConfig"].get("CpuQuota") or 0) / max(1, int(c["HostConfig"].get("CpuPeriod")
                                                                                  or 100000))
                used_mb += int(c["HostConfig"].get("Memory") or 0) // (1024 * 1024)
        return [NodeCapacity(name=socket.gethostname(), pool="local", cpu=cpu, cpu_free=max(0.0, cpu - used_cpu),
                             memory_mb=memory_mb, memory_mb_free=max(0, memory_mb - used_mb))]

    # --- what tests use besides the protocol --------------------------------------------------------------

    def pod_ip(self, name: str) -> str:
        """The address of the Deployment's first pod on Podman's kube network ("" without one)."""
        pods = self._pods(name)
        if not pods:
            return ""
        infra = self._podman("pod", "inspect", "--format", "{{.InfraContainerID}}", pods[0]).stdout.strip()
        networks = json.loads(self._podman("inspect", "--format", "{{json .NetworkSettings.Networks}}",
                                           infra).stdout or "{}") or {}
        return next((str(n["IPAddress"]) for n in networks.values() if n.get("IPAddress")), "")

    def app_containers(self, name: str) -> list[str]:
        """The ids of the Deployment's `app` containers."""
        return [str(a["Id"]) for a in self._apps(name)]

    def clean_up(self) -> None:
        """Removes everything of this installation: pods, their volumes, secrets."""
        pods = self._podman("pod", "ps", "--format", "{{.Name}}", "--filter", f"name=^{self.prefix}-").stdout
        for name in {pod.rsplit("-pod-", 1)[0] for pod in pods.split()}:
            self._remove(name)
        for secret in self._podman("secret", "ls", "--format", "{{.Name}}").stdout.split():
            if secret.startswith(f"{self.prefix}-"):
                self._podman("secret", "rm", secret, check=False)
        for volume in self._podman("volume", "ls", "--format", "{{.Name}}").stdout.split():
            if volume.startswith(f"{self.prefix}-"):
                self._podman("volume", "rm", "--force", volume, check=False)

    # --- inside -------------------------------------------------------------------------------------------

    def _name(self, space_id: int) -> str:
        return f"{self.prefix}-space-{space_id}"

    def _podman(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return podman(*args, conf=self.conf, stdin=stdin, check=check)

    def _apps(self, name: str | None) -> list[dict[str, Any]]:
        """This installation's app containers (all, or those of Deployment `name`), oldest first."""
        found = json.loads(self._podman("ps", "--all", "--pod", "--filter", f"label={LABEL_INSTALLATION}={self.prefix}",
                                        "--format", "json").stdout or "[]") or []
        apps = [c for c in found if LABEL_SPACE_ID in (c.get("Labels") or {})]
        if name is not None:
            apps = [c for c in apps if str(c.get("PodName", "")).rsplit("-pod-", 1)[0] == name]
        return sorted(apps, key=lambda c: str(c.get("PodName", "")))

    def _pods(self, name: str) -> list[str]:
        """The Deployment's pods by name (a pod whose app container is gone still counts)."""
        found = self._podman("pod", "ps", "--format", "{{.Name}}", "--filter", f"name=^{name}-pod-[0-9]+$").stdout
        return sorted(found.split())

    def _remove(self, name: str) -> None:
        """Removes the Deployment's pods, their volumes and its secret; nothing there is not an error."""
        for pod in self._pods(name):
            self._podman("pod", "rm", "--force", "--time", "2", pod)
        for volume in self._podman("volume", "ls", "--format", "{{.Name}}").stdout.split():
            if volume.startswith(f"{name}-"):
                self._podman("volume", "rm", "--force", volume, check=False)
        self._podman("secret", "rm", f"{name}-secrets", check=False)

    def _url(self, name: str, port: int) -> str:
        ip = self.pod_ip(name)
        return f"http://{ip}:{port}" if ip else ""

    def _answers(self, url: str) -> bool:
        if not url:
            return False
        try:
            with urllib.request.urlopen(url, timeout=self.http_timeout) as response:  # noqa: S310 - the pod
                return int(response.status) < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except (urllib.error.URLError, OSError):
            return False


def _mem_total_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 0
