"""Per-session gr.State through the real `gradio_client`: kept across calls, reset by `reset_session()`."""

import pytest


@pytest.fixture(scope="module")
def state_app(running_apps):
    return running_apps.get("state_app")


def test_state_persists_across_calls_on_one_client(state_app, make_client):
    client = make_client(state_app)
    assert client.predict("s", api_name="/bump") == "s:1"
    assert client.predict("s", api_name="/bump") == "s:2"
    assert client.predict("t", api_name="/bump") == "t:3"


def test_reset_session_starts_a_fresh_state(state_app, make_client):
    client = make_client(state_app)
    client.predict("s", api_name="/bump")
    client.predict("s", api_name="/bump")
    client.reset_session()
    assert client.predict("s", api_name="/bump") == "s:1"


def test_clients_do_not_share_state(state_app, make_client):
    first, second = make_client(state_app), make_client(state_app)
    assert first.predict("a", api_name="/bump") == "a:1"
    assert first.predict("a", api_name="/bump") == "a:2"
    assert second.predict("b", api_name="/bump") == "b:1"


def test_mutable_initial_state_is_not_shared(state_app, make_client):
    first, second = make_client(state_app), make_client(state_app)
    assert first.predict("x", api_name="/remember") == ["x"]
    assert first.predict("y", api_name="/remember") == ["x", "y"]
    assert second.predict("z", api_name="/remember") == ["z"]


def test_state_is_left_out_of_the_api(state_app, make_client):
    info = make_client(state_app).view_api(return_format="dict", print_info=False)
    bump = info["named_endpoints"]["/bump"]
    assert [p["parameter_name"] for p in bump["parameters"]] == ["label"]
    assert [r["label"] for r in bump["returns"]] == ["Shown"]
    remember = info["named_endpoints"]["/remember"]
    assert [p["parameter_name"] for p in remember["parameters"]] == ["item"]
    assert [r["component"] for r in remember["returns"]] == ["Json"]


def test_state_is_skipped_in_the_config(state_app, make_client):
    config = make_client(state_app).config
    states = [c for c in config["components"] if c["type"] == "state"]
    assert len(states) == 2
    assert all(c["skip_api"] is True for c in states)
    assert config["connect_heartbeat"] is True


def test_state_values_never_reach_the_wire(state_app, call_like_the_browser):
    completed = call_like_the_browser(state_app, "bump", ["w", None])[-1]
    assert completed["success"] is True
    assert completed["output"]["data"] == ["w:1", None]
