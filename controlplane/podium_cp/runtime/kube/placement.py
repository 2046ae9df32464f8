"""Where each hardware flavor's pods may run: node selector, affinity and tolerations (the placement file).

A placement file (JSON or YAML, PODIUM_KUBE_PLACEMENT) maps flavor names (exact) and GPU types (case-insensitive)
to placement. Field by field, a flavor's own entry wins over its GPU type's, which wins over the defaults, so a
GPU type that only names its node pool keeps the default GPU toleration (an entry can clear a field with `{}` or
`[]`). Without a file, GPU flavors land on the NVIDIA GPU operator's labels (docs/design/kubernetes.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from podium_cp.settings import SettingsError

DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")
LABEL_KEY = re.compile(r"([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?")

GPU_RESOURCE = "nvidia.com/gpu"
# The GPU operator's labels: GPU feature discovery's product name, and the operator's "this node has GPUs".
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
DEFAULT_TOLERATIONS: tuple[dict[str, Any], ...] = (
    {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"},
)
DEFAULT_POOL_LABELS = ("podium.dev/pool", "cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup",
                       "kubernetes.azure.com/agentpool")
# GPU type (upper case) -> the product names GPU feature discovery puts in nvidia.com/gpu.product.
GPU_PRODUCTS: dict[str, tuple[str, ...]] = {
    "T4": ("Tesla-T4",),
    "V100": ("Tesla-V100-SXM2-16GB", "Tesla-V100-SXM2-32GB", "Tesla-V100-PCIE-16GB", "Tesla-V100-PCIE-32GB"),
    "A10": ("NVIDIA-A10",),
    "A10G": ("NVIDIA-A10G",),
    "A40": ("NVIDIA-A40",),
    "A100": ("NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB", "NVIDIA-A100-80GB-PCIe"),
    "H100": ("NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe", "NVIDIA-H100-NVL"),
    "H200": ("NVIDIA-H200",),
    "L4": ("NVIDIA-L4",),
    "L40S": ("NVIDIA-L40S",),
}

_ENTRY_KEYS = ("node_selector", "affinity", "tolerations")
_TOP_KEYS = ("defaults", "gpu_types", "flavors", "pool_labels")
_TOLERATION_KEYS = ("key", "operator", "value", "effect", "tolerationSeconds")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_AFFINITY_KEYS = ("nodeAffinity", "podAffinity", "podAntiAffinity")


@dataclass(frozen=True)
class PodPlacement:
    """One pod's placement, in the Kubernetes API's shape (camelCase inside affinity and tolerations)."""

    node_selector: dict[str, str] = field(default_factory=dict)
    affinity: dict[str, Any] = field(default_factory=dict)
    tolerations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PlacementEntry:
    """One entry of the file; None: the field is not given here and comes from a less specific entry."""

    node_selector: dict[str, str] | None = None
    affinity: dict[str, Any] | None = None
    tolerations: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Placement:
    """The parsed placement file (or the built-in defaults): `for_flavor` answers per flavor."""

    defaults: PlacementEntry = field(default_factory=PlacementEntry)
    gpu_node_label: str = GPU_PRODUCT_LABEL
    gpu_types: dict[str, PlacementEntry] = field(default_factory=dict)  # keys in upper case
    flavors: dict[str, PlacementEntry] = field(default_factory=dict)
    pool_labels: tuple[str, ...] = DEFAULT_POOL_LABELS

    def for_flavor(self, flavor: str, gpu_type: str = "", gpu_count: int = 0) -> PodPlacement:
        """The placement of a pod of `flavor` (its GPU type and count from the flavor): flavor entry, then GPU type
        entry, then defaults, field by field. CPU flavors without an entry of their own get none."""
        chain = [self.flavors.get(flavor)]
        if gpu_count > 0 or gpu_type:
            chain += [self.gpu_types.get(gpu_type.upper()), self.defaults, self._builtin(gpu_type)]
        entries = [e for e in chain if e is not None]
        node_selector = next((e.node_selector for e in entries if e.node_selector is not None), {})
        affinity = next((e.affinity for e in entries if e.affinity is not None), {})
        tolerations = next((e.tolerations for e in entries if e.tolerations is not None), [])
        return PodPlacement(node_selector=dict(node_selector), affinity=_copy(affinity),
                            tolerations=[dict(t) for t in tolerations])

    def _builtin(self, gpu_type: str) -> PlacementEntry:
        products = GPU_PRODUCTS.get(gpu_type.upper(), ())
        affinity: dict[str, Any] = {}
        if products:
            term = {"matchExpressions": [{"key": self.gpu_node_label, "operator": "In", "values": list(products)}]}
            affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}
        return PlacementEntry(node_selector={GPU_PRESENT_LABEL: "true"}, affinity=affinity,
                              tolerations=[dict(t) for t in DEFAULT_TOLERATIONS])


def load_placement(path: Path | None) -> Placement:
    """Reads and checks a placement file; None: the built-in defaults. Raises SettingsError naming the file and
    the bad key."""
    if path is None:
        return Placement()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"PODIUM_KUBE_PLACEMENT: cannot read the placement file {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise SettingsError(f"placement file {path} is neither JSON nor YAML: {exc}") from exc
    try:
        return parse_placement({} if data is None else data)
    except ValueError as exc:
        raise SettingsError(f"placement file {path}: {exc}") from exc


def parse_placement(data: Any) -> Placement:
    """A Placement from the file's parsed content; ValueError names the bad key (`flavors.a10g-large.tolerations[0]`)."""
    top = _mapping(data, "the top level", _TOP_KEYS)
    raw_defaults = _mapping(top.get("defaults", {}), "defaults", (*_ENTRY_KEYS, "gpu_node_label"))
    gpu_node_label = raw_defaults.pop("gpu_node_label", GPU_PRODUCT_LABEL)
    if not isinstance(gpu_node_label, str) or not LABEL_KEY.fullmatch(gpu_node_label):
        raise ValueError(f"defaults.gpu_node_label: {gpu_node_label!r} is not a label key")
    gpu_types: dict[str, PlacementEntry] = {}
    for name, entry in _mapping(top.get("gpu_types", {}), "gpu_types").items():
        if name.upper() in gpu_types:
            raise ValueError(f"gpu_types.{name}: names the GPU type {name.upper()} twice (types ignore case)")
        gpu_types[name.upper()] = _entry(entry, f"gpu_types.{name}")
    flavors = {name: _entry(entry, f"flavors.{name}")
               for name, entry in _mapping(top.get("flavors", {}), "flavors").items()}
    pool_labels = top.get("pool_labels", list(DEFAULT_POOL_LABELS))
    if not isinstance(pool_labels, list) or not pool_labels:
        raise ValueError("pool_labels: must be a non-empty list of node label keys")
    for i, key in enumerate(pool_labels):
        if not isinstance(key, str) or not LABEL_KEY.fullmatch(key):
            raise ValueError(f"pool_labels[{i}]: {key!r} is not a label key")
    return Placement(defaults=_entry(raw_defaults, "defaults"), gpu_node_label=gpu_node_label, gpu_types=gpu_types,
                     flavors=flavors, pool_labels=tuple(pool_labels))


def _entry(raw: Any, where: str) -> PlacementEntry:
    entry = _mapping(raw, where, _ENTRY_KEYS)
    node_selector = None
    if "node_selector" in entry:
        node_selector = {}
        for key, value in _mapping(entry["node_selector"], f"{where}.node_selector").items():
            if not LABEL_KEY.fullmatch(key):
                raise ValueError(f"{where}.node_selector: {key!r} is not a label key")
            if not isinstance(value, str):
                raise ValueError(f"{where}.node_selector.{key}: {value!r} must be a string (quote it: \"{value}\")")
            if len(value) > 63 or not LABEL_VALUE.fullmatch(value):
                raise ValueError(f"{where}.node_selector.{key}: {value!r} is not a label value")
            node_selector[key] = value
    affinity = None
    if "affinity" in entry:
        affinity = _mapping(entry["affinity"], f"{where}.affinity", _AFFINITY_KEYS)
        for key, value in affinity.items():
            _mapping(value, f"{where}.affinity.{key}")
    tolerations = None
    if "tolerations" in entry:
        if not isinstance(entry["tolerations"], list):
            raise ValueError(f"{where}.tolerations: must be a list of tolerations")
        tolerations = [_toleration(t, f"{where}.tolerations[{i}]") for i, t in enumerate(entry["tolerations"])]
    return PlacementEntry(node_selector=node_selector, affinity=affinity, tolerations=tolerations)


def _toleration(raw: Any, where: str) -> dict[str, Any]:
    toleration = _mapping(raw, where, _TOLERATION_KEYS)
    operator = toleration.get("operator", "Equal")
    if operator not in ("Equal", "Exists"):
        raise ValueError(f"{where}.operator: {operator!r} must be Equal or Exists")
    key = toleration.get("key", "")
    if not isinstance(key, str) or (key and not LABEL_KEY.fullmatch(key)):
        raise ValueError(f"{where}.key: {key!r} is not a taint key")
    if not key and operator != "Exists":
        raise ValueError(f"{where}: a toleration without a key must use operator Exists")
    value = toleration.get("value", "")
    if operator == "Exists" and value:
        raise ValueError(f"{where}.value: operator Exists takes no value")
    if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.fullmatch(value):
        raise ValueError(f"{where}.value: {value!r} must be a string that is a label value")
    effect = toleration.get("effect", "")
    if effect and effect not in _EFFECTS:
        raise ValueError(f"{where}.effect: {effect!r} must be one of {', '.join(_EFFECTS)} (or left out: all)")
    seconds = toleration.get("tolerationSeconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int) or effect != "NoExecute"):
        raise ValueError(f"{where}.tolerationSeconds: an integer, and only with effect NoExecute")
    return toleration


def _mapping(raw: Any, where: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: must be a mapping, not {type(raw).__name__}")
    out = dict(raw)
    for key in out:
        if not isinstance(key, str):
            raise ValueError(f"{where}: key {key!r} must be a string")
        if allowed is not None and key not in allowed:
            raise ValueError(f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})")
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
