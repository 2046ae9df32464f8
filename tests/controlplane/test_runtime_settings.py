"""PODIUM_RUNTIME, PODIUM_KUBE_* and PODIUM_REGISTRY*: defaults, parsing, and a clear error for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium_cp.settings import Settings, SettingsError

BASE = {"PODIUM_DATABASE_URL": "postgresql://podium@127.0.0.1:5432/podium"}


def settings(**env: str) -> Settings:
    return Settings.from_env({**BASE, **env})


def test_defaults_run_spaces_on_the_local_engine_without_a_registry() -> None:
    s = settings()
    assert s.runtime == "docker"
    assert s.kube_namespace == "podium-spaces"
    assert s.kube_placement_file is None
    assert s.kube_image_pull_secrets == ()
    assert s.kube_router_namespace == "podium"
    assert s.kube_router_labels == (("app.kubernetes.io/name", "podium-router"),)
    assert (s.registry, s.registry_username, s.registry_password, s.registry_tls_verify) == ("", "", "", True)


def test_a_cluster_configuration_is_parsed(tmp_path: Path) -> None:
    placement = tmp_path / "placement.yaml"
    placement.write_text("defaults: {}\n")
    s = settings(
        PODIUM_RUNTIME="kubernetes",
        PODIUM_KUBE_NAMESPACE="spaces-prod",
        PODIUM_KUBE_PLACEMENT=str(placement),
        PODIUM_KUBE_IMAGE_PULL_SECRETS="regcred, other-cred",
        PODIUM_KUBE_ROUTER_NAMESPACE="edge",
        PODIUM_KUBE_ROUTER_LABELS="app=router, example.com/tier=edge",
        PODIUM_REGISTRY="registry.example.com:5000/podium/",
        PODIUM_REGISTRY_USERNAME="builder",
        PODIUM_REGISTRY_PASSWORD="s3cret",
        PODIUM_REGISTRY_TLS_VERIFY="false",
    )
    assert s.runtime == "kubernetes"
    assert s.kube_namespace == "spaces-prod"
    assert s.kube_placement_file == placement
    assert s.kube_image_pull_secrets == ("regcred", "other-cred")
    assert s.kube_router_namespace == "edge"
    assert s.kube_router_labels == (("app", "router"), ("example.com/tier", "edge"))
    assert s.registry == "registry.example.com:5000/podium"  # the trailing slash is dropped
    assert (s.registry_username, s.registry_password, s.registry_tls_verify) == ("builder", "s3cret", False)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PODIUM_RUNTIME": "nomad"}, "PODIUM_RUNTIME"),
        ({"PODIUM_KUBE_NAMESPACE": "Spaces"}, "PODIUM_KUBE_NAMESPACE"),
        ({"PODIUM_KUBE_NAMESPACE": "a" * 64}, "PODIUM_KUBE_NAMESPACE"),
        ({"PODIUM_KUBE_ROUTER_NAMESPACE": "-edge"}, "PODIUM_KUBE_ROUTER_NAMESPACE"),
        ({"PODIUM_KUBE_PLACEMENT": "/nonexistent/placement.yaml"}, "PODIUM_KUBE_PLACEMENT"),
        ({"PODIUM_KUBE_IMAGE_PULL_SECRETS": "good,Bad_Name"}, "PODIUM_KUBE_IMAGE_PULL_SECRETS"),
        ({"PODIUM_KUBE_ROUTER_LABELS": "app"}, "PODIUM_KUBE_ROUTER_LABELS"),
        ({"PODIUM_KUBE_ROUTER_LABELS": "app=has space"}, "PODIUM_KUBE_ROUTER_LABELS"),
        ({"PODIUM_REGISTRY": "https://registry.example.com"}, "PODIUM_REGISTRY"),
        ({"PODIUM_REGISTRY": "Registry.Example.com/podium"}, "PODIUM_REGISTRY"),
        ({"PODIUM_REGISTRY_TLS_VERIFY": "maybe"}, "PODIUM_REGISTRY_TLS_VERIFY"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        settings(**env)
