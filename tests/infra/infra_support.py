"""What the deployment-file tests share: paths, the real setting names, `kubectl kustomize` parsed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
KUSTOMIZATIONS = ("base", "overlays/default", "overlays/gpu")
# Where the settings' PODIUM_* names are read: Settings, the router's config, the object store, the engine.
SETTINGS_MODULES = (
    "controlplane/podium_cp/settings.py",
    "controlplane/podium_cp/router/config.py",
    "controlplane/podium_cp/storage/factory.py",
    "controlplane/podium_cp/builds/engine.py",
)


def real_settings() -> set[str]:
    """Every environment variable name the platform's processes read (as string literals in SETTINGS_MODULES)."""
    names: set[str] = {"DOCKER_HOST"}
    for module in SETTINGS_MODULES:
        names |= set(re.findall(r"\"(PODIUM_[A-Z0-9_]+)\"", (ROOT / module).read_text()))
    return names


def render(kustomization: str) -> list[dict[str, Any]]:
    """`kubectl kustomize infra/k8s/KUSTOMIZATION`, parsed (fails the test when it does not render)."""
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is missing (Debian's kubectl package; make setup installs it)")
    done = subprocess.run(["kubectl", "kustomize", str(K8S / kustomization)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"kubectl kustomize {kustomization} failed: {done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]
