"""Adds ../services/podium_services to regular wheels; editable installs find it through dev-mode-dirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ServicesHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        services = Path(self.root).parent / "services" / "podium_services"
        build_data["force_include"][str(services)] = "podium_services"
