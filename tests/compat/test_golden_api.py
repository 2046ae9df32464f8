"""Every app describes itself to `gradio_client` exactly as Gradio 6.31 does (`golden/`, see `record_golden.py`)."""

import json

import pytest
from golden_api import GOLDEN_DIR, app_names, normalize_view_api


@pytest.mark.parametrize("name", app_names())
def test_view_api_matches_gradio(name, running_apps, make_client):
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text())
    app = running_apps.get(name)
    client = make_client(app, auth=getattr(app, "LAUNCH_KWARGS", {}).get("auth"))
    actual = normalize_view_api(client.view_api(return_format="dict", print_info=False))
    assert sorted(actual["named_endpoints"]) == sorted(expected["named_endpoints"])
    for endpoint, description in expected["named_endpoints"].items():
        assert actual["named_endpoints"][endpoint] == description, endpoint
    assert actual == expected
