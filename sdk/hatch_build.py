"""Hatch build hook: ships the built browser UI inside the podium wheel as `podium/_frontend/app`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class FrontendBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds `frontend_dist/build/app` to regular wheels; editable installs read the repository's copy."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        app = Path(self.root).parent / "frontend_dist" / "build" / "app"
        if not (app / ".vite" / "manifest.json").is_file():
            raise RuntimeError(
                f"{app} has no built frontend; run `make setup` (or `npm ci && npm run build` in frontend_dist) "
                "before building the podium wheel"
            )
        build_data["force_include"][str(app)] = "podium/_frontend/app"
