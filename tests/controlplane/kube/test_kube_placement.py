"""The placement file (runtime/kube/placement.py) and KubeConfig.from_settings: good files in JSON and YAML, the
defaults without a file, and every malformed file refused with a message naming the file and the bad key."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.placement import DEFAULT_POOL_LABELS, load_placement, parse_placement
from podium_cp.settings import Settings, SettingsError

SETTINGS = Settings(database_url="postgresql+psycopg://unused/podium", data_dir=Path("/nonexistent"))
YAML_FILE = """
defaults:
  gpu_node_label: example.com/gpu-model
  tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
gpu_types:
  T4: {node_selector: {example.com/gpu-model: t4}}
flavors:
  a10g-large: {node_selector: {pool: big}, tolerations: []}
pool_labels: [example.com/pool]
"""


def test_no_file_means_gpu_operator_defaults() -> None:
    placement = load_placement(None)
    assert placement.pool_labels == DEFAULT_POOL_LABELS
    cpu = placement.for_flavor("cpu-basic")
    assert (cpu.node_selector, cpu.affinity, cpu.tolerations) == ({}, {}, [])
    l4 = placement.for_flavor("l4x1", "l4", 1)
    assert l4.node_selector == {"nvidia.com/gpu.present": "true"}
    expressions = l4.affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"][0]["matchExpressions"]
    assert expressions == [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-L4"]}]


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "placement.yaml"
    path.write_text(YAML_FILE)
    placement = load_placement(path)
    assert placement.pool_labels == ("example.com/pool",)
    t4 = placement.for_flavor("t4-small", "t4", 1)
    assert t4.node_selector == {"example.com/gpu-model": "t4"}
    assert t4.tolerations == [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert t4.affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["key"] == "example.com/gpu-model"
    big = placement.for_flavor("a10g-large", "A10G", 1)
    assert big.node_selector == {"pool": "big"} and big.tolerations == []
    # The defaults apply to GPU flavors only.
    assert placement.for_flavor("cpu-basic").tolerations == []


def test_json_file_and_from_settings(tmp_path: Path) -> None:
    path = tmp_path / "placement.json"
    path.write_text(json.dumps({"flavors": {"cpu-basic": {"node_selector": {"pool": "cpu"}}}}))
    settings = dataclasses.replace(SETTINGS, kube_namespace="spaces", runtime_namespace="prod",
                                   kube_placement_file=path, kube_image_pull_secrets=("regcred",),
                                   kube_router_namespace="edge", kube_router_labels=(("app", "router"),))
    config = KubeConfig.from_settings(settings)
    assert (config.namespace, config.installation, config.image_pull_secrets) == ("spaces", "prod", ("regcred",))
    assert (config.router_namespace, config.router_labels) == ("edge", (("app", "router"),))
    assert config.placement.for_flavor("cpu-basic").node_selector == {"pool": "cpu"}


def test_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_placement(path) == load_placement(None)


@pytest.mark.parametrize(("data", "message"), [
    ([1, 2], "the top level: must be a mapping, not list"),
    ({"flavours": {}}, "the top level: unknown key 'flavours'"),
    ({"flavors": {"x": {"nodeSelector": {}}}}, "flavors.x: unknown key 'nodeSelector'"),
    ({"flavors": {"x": "pool=big"}}, "flavors.x: must be a mapping"),
    ({"flavors": {"x": {"node_selector": {"pool": True}}}}, "flavors.x.node_selector.pool: .* must be a string"),
    ({"flavors": {"x": {"node_selector": {"bad key!": "v"}}}}, "flavors.x.node_selector: 'bad key!'"),
    ({"flavors": {"x": {"node_selector": {"pool": "a,b"}}}}, "not a label value"),
    ({"flavors": {"x": {"tolerations": {"key": "gpu"}}}}, "flavors.x.tolerations: must be a list"),
    ({"flavors": {"x": {"tolerations": ["gpu"]}}}, r"flavors.x.tolerations\[0\]: must be a mapping"),
    ({"flavors": {"x": {"tolerations": [{"key": "gpu", "operator": "In"}]}}}, r"tolerations\[0\].operator"),
    ({"flavors": {"x": {"tolerations": [{"key": "gpu", "effect": "NoRun"}]}}}, r"tolerations\[0\].effect"),
    ({"flavors": {"x": {"tolerations": [{"key": "g", "operator": "Exists", "value": "v"}]}}}, "Exists takes no"),
    ({"flavors": {"x": {"tolerations": [{"operator": "Equal", "value": "v"}]}}}, "without a key"),
    ({"flavors": {"x": {"tolerations": [{"key": "g", "toleration_seconds": 5}]}}}, "unknown key"),
    ({"flavors": {"x": {"tolerations": [{"key": "g", "tolerationSeconds": 5}]}}}, "only with effect NoExecute"),
    ({"flavors": {"x": {"affinity": {"node": {}}}}}, "flavors.x.affinity: unknown key 'node'"),
    ({"gpu_types": {"t4": {}, "T4": {}}}, "twice"),
    ({"defaults": {"gpu_node_label": "a b"}}, "defaults.gpu_node_label"),
    ({"pool_labels": "podium.dev/pool"}, "pool_labels: must be a non-empty list"),
    ({"pool_labels": ["ok", "no way"]}, r"pool_labels\[1\]"),
])
def test_malformed_placement_is_refused(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_placement(data)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("flavors:\n  x: {tolerations: [{key: gpu, operator: Sometimes}]}\n")
    with pytest.raises(SettingsError, match=rf"placement file {path}: flavors.x.tolerations\[0\].operator"):
        load_placement(path)
    path.write_text("flavors: {x: [unclosed\n")
    with pytest.raises(SettingsError, match=f"placement file {path} is neither JSON nor YAML"):
        load_placement(path)
    with pytest.raises(SettingsError, match="cannot read the placement file"):
        load_placement(tmp_path / "missing.yaml")
    settings = dataclasses.replace(SETTINGS, kube_placement_file=path)
    with pytest.raises(SettingsError, match="bad.yaml"):
        KubeConfig.from_settings(settings)
