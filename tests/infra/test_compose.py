"""infra/compose/compose.yaml, checked without a compose tool: podman-compose is not installed here and adding it
would be a new third-party dependency, so the file is checked by a small schema written here (the keys and value
types of the Compose specification this file uses) plus structure: every service's environment names are real
settings, images, depends_on (targets exist, conditions fit), published ports on loopback, healthchecks, volumes.
Nothing is started."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_support import ROOT, real_settings

from podium_cp.settings import Settings

COMPOSE = ROOT / "infra" / "compose" / "compose.yaml"
ENV_EXAMPLE = ROOT / "infra" / "compose" / ".env.example"
PLATFORM = ("migrate", "api", "router", "builder", "reconciler", "share")
# The Compose specification's service keys this file may use, with their value types.
SERVICE_KEYS: dict[str, type | tuple[type, ...]] = {
    "image": str, "command": list, "environment": dict, "env_file": list, "ports": list, "volumes": list,
    "depends_on": dict, "healthcheck": dict, "restart": str, "network_mode": str, "user": str,
}
HEALTHCHECK_KEYS = {"test": list, "interval": str, "timeout": str, "retries": int}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Compose-level variables (interpolated in compose.yaml), not settings of the platform.
COMPOSE_VARIABLES = {"PODIUM_IMAGE", "POSTGRES_IMAGE", "MINIO_IMAGE", "POSTGRES_PASSWORD", "POSTGRES_PORT",
                     "MINIO_PORT", "PODMAN_SOCKET", "PODIUM_HOST_RUN_DIR"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def schema_errors(compose: dict[str, Any]) -> list[str]:
    """What in `compose` breaks the schema (empty when it conforms)."""
    errors = [f"top-level key {key!r}" for key in compose if key not in ("name", "services", "volumes")
              and not key.startswith("x-")]
    for name, service in compose.get("services", {}).items():
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
            errors.append(f"service name {name!r}")
        for key, value in service.items():
            if key not in SERVICE_KEYS:
                errors.append(f"{name}: unknown key {key!r}")
            elif not isinstance(value, SERVICE_KEYS[key]):
                errors.append(f"{name}.{key}: {type(value).__name__}")
        for key, value in service.get("healthcheck", {}).items():
            if key not in HEALTHCHECK_KEYS or not isinstance(value, HEALTHCHECK_KEYS[key]):
                errors.append(f"{name}.healthcheck.{key}")
        for target, condition in service.get("depends_on", {}).items():
            if target not in compose["services"]:
                errors.append(f"{name}.depends_on: no service {target!r}")
            elif condition.get("condition") not in CONDITIONS:
                errors.append(f"{name}.depends_on.{target}: condition {condition!r}")
            elif condition["condition"] == "service_healthy" and "healthcheck" not in compose["services"][target]:
                errors.append(f"{name}.depends_on.{target}: waits for a health {target} never reports")
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith(("/", "$")) and source not in compose.get("volumes", {}):
                errors.append(f"{name}.volumes: undeclared named volume {source!r}")
    return errors


def test_the_file_conforms_to_the_schema(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []
    assert set(compose["services"]) == {"postgres", "minio", *PLATFORM}


@pytest.mark.parametrize("broken", [
    {"services": {"api": {"image": "x", "depends_on": {"db": {"condition": "service_healthy"}}}}},
    {"services": {"api": {"image": "x", "enviroment": {}}}},
    {"services": {"api": {"image": "x", "ports": "8700:8700"}}},
    {"services": {"api": {"image": "x", "volumes": ["data:/data"]}}},
    {"services": {"a": {"image": "x"}, "b": {"image": "x", "depends_on": {"a": {"condition": "service_healthy"}}}}},
    {"services": {}, "secrets": {}},
])
def test_the_schema_check_refuses_broken_files(broken: dict[str, Any]) -> None:
    assert schema_errors(broken)


def test_platform_services_run_the_platform_image_with_real_settings(compose: dict[str, Any]) -> None:
    settings = real_settings()
    for name in PLATFORM:
        service = compose["services"][name]
        assert service["image"] == "${PODIUM_IMAGE:-localhost/podium-platform:latest}"
        assert service["command"][0] == name
        assert service["env_file"] == [".env"]
        assert service["network_mode"] == "host"  # the router reaches Spaces on the host's loopback
        unknown = set(service.get("environment", {})) - settings
        assert not unknown, f"{name}: {sorted(unknown)}"
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    for name in ("builder", "reconciler"):
        service = compose["services"][name]
        assert service["environment"]["DOCKER_HOST"] == "unix:///run/podman/podman.sock"
        assert "${PODMAN_SOCKET:-/run/podman/podman.sock}:/run/podman/podman.sock" in service["volumes"]
    for name in ("api", "router", "share", "postgres", "minio"):
        assert "healthcheck" in compose["services"][name]


def test_published_ports_are_loopback_only(compose: dict[str, Any]) -> None:
    for name in ("postgres", "minio"):
        for port in compose["services"][name]["ports"]:
            assert port.startswith("127.0.0.1:"), port


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_the_env_example_names_real_settings_and_parses(tmp_path: Path) -> None:
    env = _env_example()
    unknown = {key for key in env if key not in COMPOSE_VARIABLES} - real_settings()
    assert not unknown, sorted(unknown)
    # Every ${VAR} compose.yaml interpolates is either given in .env.example or has a default there.
    for variable in re.findall(r"\$\{([A-Z0-9_]+)(:[-?])?", COMPOSE.read_text()):
        assert variable[0] in env or variable[1] == ":-", variable
    settings = Settings.from_env({**env, "PODIUM_DATA_DIR": str(tmp_path)})
    assert settings.runtime == "docker"
    assert settings.space_url("alice", "demo") == "https://demo--alice.spaces.example.com"
    assert settings.share_vhost == "127.0.0.1:7080"
