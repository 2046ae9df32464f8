"""The Kubernetes backend of the runtime (docs/design/kubernetes.md): Spaces as Deployments and Services."""

from podium_cp.runtime.kube.config import KubeConfig
from podium_cp.runtime.kube.manifests import network_policy, space_manifests
from podium_cp.runtime.kube.placement import Placement, load_placement

__all__ = ["KubeConfig", "Placement", "load_placement", "network_policy", "space_manifests"]
