"""api_name, api_visibility, automatic names, endpoint selection errors and the shape of view_api()."""

import time

import pytest


@pytest.fixture(scope="module")
def api_app(running_apps):
    return running_apps.get("api_visibility")


def test_only_public_endpoints_are_listed(api_app, make_client):
    info = make_client(api_app).view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/join", "/shout", "/shout_1", "/lambda"}
    assert info["unnamed_endpoints"] == {}


def test_automatic_api_names(api_app, make_client):
    client = make_client(api_app)
    assert client.predict("abc", api_name="/shout") == "ABC"
    assert client.predict("def", api_name="/shout_1") == "DEF"
    assert client.predict("abc", api_name="/lambda") == "cba"


def test_python_default_and_component_defaults(api_app, make_client):
    client = make_client(api_app)
    assert client.predict(api_name="/join") == "hello, world"
    assert client.predict("a", "b", api_name="/join") == "a, b"
    assert client.predict(second="you", api_name="/join") == "hello, you"


def test_call_by_fn_index(api_app, make_client):
    client = make_client(api_app)
    (join,) = [d for d in client.config["dependencies"] if d["api_name"] == "join"]
    assert client.predict("x", "y", fn_index=join["id"]) == "x, y"


def test_result_callbacks(api_app, make_client):
    seen = []
    job = make_client(api_app).submit("abc", api_name="/shout", result_callbacks=[seen.append])
    assert job.result(timeout=60) == "ABC"
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == ["ABC"]


def test_unicode_and_large_values_round_trip(api_app, make_client):
    client = make_client(api_app)
    assert client.predict("héllo wörld ✓ 🌍", api_name="/shout") == "HÉLLO WÖRLD ✓ 🌍"
    big = "ab" * 500_000
    assert client.predict(big, api_name="/shout") == big.upper()


def test_undocumented_endpoint_is_callable_but_not_listed(api_app, make_client):
    client = make_client(api_app)
    assert client.predict("x", api_name="/hidden") == "hidden x"
    assert "/hidden" not in client.view_api(return_format="dict", print_info=False)["named_endpoints"]


def test_private_endpoint_cannot_be_called(api_app, make_client):
    client = make_client(api_app)
    with pytest.raises(ValueError, match="Cannot find a function with `api_name`: /secret"):
        client.predict("x", api_name="/secret")
    (secret,) = [d for d in client.config["dependencies"] if d["api_name"] == "secret"]
    with pytest.raises(ValueError, match="Invalid function index"):
        client.predict("x", fn_index=secret["id"])


def test_unknown_api_name_raises_value_error(api_app, make_client):
    with pytest.raises(ValueError, match="Cannot find a function with `api_name`: /nope"):
        make_client(api_app).predict("x", api_name="/nope")


def test_no_api_name_with_several_endpoints_raises_value_error(api_app, make_client):
    with pytest.raises(ValueError, match="multiple endpoints"):
        make_client(api_app).predict("x")


def test_view_api_parameter_and_return_fields(api_app, make_client):
    client = make_client(api_app)
    join = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/join"]
    assert join["parameters"] == [
        {
            "label": "First",
            "parameter_name": "first",
            "parameter_has_default": True,
            "parameter_default": "hello",
            "type": join["parameters"][0]["type"],
            "python_type": {"type": "str", "description": ""},
            "component": "Textbox",
            "example_input": join["parameters"][0]["example_input"],
        },
        {
            "label": "Second",
            "parameter_name": "second",
            "parameter_has_default": True,
            "parameter_default": "world",
            "type": join["parameters"][1]["type"],
            "python_type": {"type": "str", "description": ""},
            "component": "Textbox",
            "example_input": join["parameters"][1]["example_input"],
        },
    ]
    assert join["parameters"][0]["type"]["type"] == "string"
    assert join["description"] == "Join two words with a separator."  # the handler's docstring
    assert [(r["label"], r["component"], r["python_type"]["type"]) for r in join["returns"]] == [
        ("Out", "Textbox", "str")
    ]
    # the text forms render without error and name the endpoints
    text = client.view_api(print_info=False, return_format="str")
    assert "/join" in text and "/secret" not in text and "/hidden" not in text
    assert "/join" in repr(client)


def test_config_marks_visibility(api_app, make_client):
    deps = {d["api_name"]: d for d in make_client(api_app).config["dependencies"]}
    assert deps["join"]["api_visibility"] == "public"
    assert deps["hidden"]["api_visibility"] == "undocumented"
    assert deps["secret"]["api_visibility"] == "private"
    assert all(d["backend_fn"] is True for d in deps.values())
