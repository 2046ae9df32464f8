"""The part of `Client.view_api(return_format="dict")` that `gradio_client` acts on, in a stable form.

`golden/<app>.json` holds it as recorded from the real Gradio 6.31 (`record_golden.py`); `test_golden_api.py`
checks that Podium serves the same for every app.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).parent / "golden"
APPS_DIR = Path(__file__).parent / "apps"
_AUTO_LABEL = re.compile(r"^(value|parameter)_\d+$")  # fallbacks that embed a component id


def app_names() -> list[str]:
    return sorted(path.stem for path in APPS_DIR.glob("*.py"))


def _label(label: Any) -> Any:
    return "<auto>" if isinstance(label, str) and _AUTO_LABEL.match(label) else label


def normalize_view_api(info: dict[str, Any]) -> dict[str, Any]:
    """Endpoint names, and per parameter/return the fields the client reads for calls and `view_api()`."""
    endpoints: dict[str, Any] = {}
    for name, endpoint in sorted(info["named_endpoints"].items()):
        endpoints[name] = {
            "parameters": [
                {
                    "label": _label(p["label"]),
                    "parameter_name": p["parameter_name"],
                    "parameter_has_default": p["parameter_has_default"],
                    "parameter_default": p["parameter_default"],
                    "python_type": p["python_type"]["type"],
                    "component": p["component"],
                }
                for p in endpoint["parameters"]
            ],
            "returns": [
                {"label": _label(r["label"]), "python_type": r["python_type"]["type"], "component": r["component"]}
                for r in endpoint["returns"]
            ],
        }
    return {"named_endpoints": endpoints, "unnamed_endpoints": info["unnamed_endpoints"]}
