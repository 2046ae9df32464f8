"""What the Kubernetes backend needs to know about its cluster, taken from Settings once at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from podium_cp.runtime.kube.placement import (
    DNS_LABEL,
    DNS_SUBDOMAIN,
    LABEL_KEY,
    LABEL_VALUE,
    Placement,
    load_placement,
)
from podium_cp.settings import Settings, SettingsError


@dataclass(frozen=True)
class KubeConfig:
    """The namespace Spaces run in, the installation their objects are labelled with, the pull Secrets every pod
    names, the router pods that may reach Spaces, and the placement of each hardware flavor."""

    namespace: str = "podium-spaces"
    installation: str = "podium"  # Settings.runtime_namespace: the `podium.dev/installation` label
    image_pull_secrets: tuple[str, ...] = ()
    router_namespace: str = "podium"
    router_labels: tuple[tuple[str, str], ...] = (("app.kubernetes.io/name", "podium-router"),)
    placement: Placement = field(default_factory=Placement)

    def __post_init__(self) -> None:
        # Settings checks these already; a KubeConfig built by hand (tests, tools) gets the same checks.
        for what, value in (("namespace", self.namespace), ("router namespace", self.router_namespace),
                            ("installation", self.installation)):
            if not DNS_LABEL.fullmatch(value):
                raise ValueError(f"Kubernetes {what} {value!r} is not a DNS label (lower-case letters, digits, '-')")
        if len(self.installation) > 63 or not LABEL_VALUE.fullmatch(self.installation):
            raise ValueError(f"installation {self.installation!r} is not a valid label value")
        for secret in self.image_pull_secrets:
            if not DNS_SUBDOMAIN.fullmatch(secret):
                raise ValueError(f"image pull Secret name {secret!r} is not a valid Kubernetes object name")
        if not self.router_labels:
            raise ValueError("the router's labels are empty: the NetworkPolicy would admit every pod")
        for key, value in self.router_labels:
            if not LABEL_KEY.fullmatch(key) or not LABEL_VALUE.fullmatch(value):
                raise ValueError(f"router label {key}={value} is not a valid Kubernetes label")

    @classmethod
    def from_settings(cls, settings: Settings) -> KubeConfig:
        """The configuration of `settings` (PODIUM_KUBE_*), with its placement file read and checked."""
        try:
            return cls(
                namespace=settings.kube_namespace,
                installation=settings.runtime_namespace,
                image_pull_secrets=tuple(settings.kube_image_pull_secrets),
                router_namespace=settings.kube_router_namespace,
                router_labels=tuple(settings.kube_router_labels),
                placement=load_placement(settings.kube_placement_file),
            )
        except SettingsError:
            raise
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
