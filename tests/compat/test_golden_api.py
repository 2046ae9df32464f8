"""Every app describes itself to `gradio_client` exactly as Gradio 6.31 does (`golden/`, see `record_golden.py`)."""

import json
import os

import pytest
from golden_api import GOLDEN_DIR, app_names, normalize_view_api

ON_PODIUM = os.environ.get("COMPAT_BACKEND", "podium") == "podium"
# Apps whose description differs because of a known Podium bug (each also has a focused test).
KNOWN_PODIUM_BUGS: dict[str, str] = {}


def _apps():
    return [
        pytest.param(name, marks=pytest.mark.xfail(ON_PODIUM, reason=KNOWN_PODIUM_BUGS[name], strict=True))
        if name in KNOWN_PODIUM_BUGS
        else name
        for name in app_names()
    ]


@pytest.mark.parametrize("name", _apps())
def test_view_api_matches_gradio(name, running_apps, make_client):
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text())
    app = running_apps.get(name)
    client = make_client(app, auth=getattr(app, "LAUNCH_KWARGS", {}).get("auth"))
    actual = normalize_view_api(client.view_api(return_format="dict", print_info=False))
    assert sorted(actual["named_endpoints"]) == sorted(expected["named_endpoints"])
    for endpoint, description in expected["named_endpoints"].items():
        assert actual["named_endpoints"][endpoint] == description, endpoint
    assert actual == expected
