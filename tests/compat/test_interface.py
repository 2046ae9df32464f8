"""gr.Interface and gr.TabbedInterface called through the real `gradio_client`."""

import pytest


@pytest.fixture(scope="module")
def greet_app(running_apps):
    return running_apps.get("interface_greet")


@pytest.fixture(scope="module")
def live_app(running_apps):
    return running_apps.get("interface_live")


@pytest.fixture(scope="module")
def tabbed_app(running_apps):
    return running_apps.get("tabbed")


def test_predict_without_api_name_uses_the_only_public_endpoint(greet_app, make_client):
    client = make_client(greet_app)
    assert client.predict("Zed", 3) == "Hello, Zed!!!"


def test_interface_endpoint_is_named_after_the_function(greet_app, make_client):
    client = make_client(greet_app)
    assert client.predict("Ann", 1, api_name="/greet") == "Hello, Ann!"


def test_keyword_arguments(greet_app, make_client):
    client = make_client(greet_app)
    assert client.predict(intensity=4, name="Kim", api_name="/greet") == "Hello, Kim!!!!"


def test_missing_argument_takes_the_component_default(greet_app, make_client):
    client = make_client(greet_app)
    assert client.predict("Bo", api_name="/greet") == "Hello, Bo!!"  # the slider's value=2


def test_view_api_describes_the_interface(greet_app, make_client):
    info = make_client(greet_app).view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/greet"}
    assert info["unnamed_endpoints"] == {}
    params = info["named_endpoints"]["/greet"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["name", "intensity"]
    assert [p["component"] for p in params] == ["Textbox", "Slider"]
    assert [p["python_type"]["type"] for p in params] == ["str", "float"]
    assert [p["parameter_has_default"] for p in params] == [False, True]
    assert params[1]["parameter_default"] == 2
    returns = info["named_endpoints"]["/greet"]["returns"]
    assert [(r["component"], r["python_type"]["type"]) for r in returns] == [("Textbox", "str")]


def test_title_description_article_and_examples_reach_the_config(greet_app, make_client):
    config = make_client(greet_app).config
    assert config["title"] == "Greeter"
    texts = " ".join(str(c.get("props", {}).get("value")) for c in config["components"])
    assert "Greeter" in texts
    assert "Says hello as loudly as you like." in texts
    assert "Part of Podium's Gradio compatibility suite." in texts
    datasets = [c for c in config["components"] if c["type"] == "dataset"]
    assert len(datasets) == 1
    assert datasets[0]["props"]["samples"] == [["Ann", 3], ["Bob", 1]]


def test_live_interface_from_string_shortcuts(live_app, make_client):
    client = make_client(live_app)
    summary, label = client.predict("hi", 75, 2, True, None, api_name="/describe")
    assert summary == {"text": "hi", "amount": 75, "count": 2, "flag": True, "choice": None}
    assert label == {
        "label": "high",
        "confidences": [{"label": "high", "confidence": 0.75}, {"label": "low", "confidence": 0.25}],
    }


def test_live_interface_runs_on_change_of_every_input(live_app, make_client):
    client = make_client(live_app)
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/describe"}
    params = info["named_endpoints"]["/describe"]["parameters"]
    assert [p["component"] for p in params] == ["Textbox", "Slider", "Number", "Checkbox", "Dropdown"]
    assert [r["component"] for r in info["named_endpoints"]["/describe"]["returns"]] == ["Json", "Label"]
    (dep,) = [d for d in client.config["dependencies"] if d["api_name"] == "describe"]
    assert [event for _, event in dep["targets"]] == ["change"] * 5
    # no api_name needed: it is the only public endpoint
    summary, _ = client.predict("x", 10, 1, False, None)
    assert summary["text"] == "x"


def test_tabbed_interface_exposes_each_interface(tabbed_app, make_client):
    client = make_client(tabbed_app)
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/shout", "/reverse"}
    assert client.predict("abc", api_name="/shout") == "ABC"
    assert client.predict("abc", api_name="/reverse") == "cba"


def test_tabbed_interface_has_two_endpoints_so_api_name_is_required(tabbed_app, make_client):
    client = make_client(tabbed_app)
    with pytest.raises(ValueError, match="multiple endpoints"):
        client.predict("abc")


@pytest.fixture(scope="module")
def state_interface(running_apps):
    return running_apps.get("interface_state")


@pytest.fixture(scope="module")
def stream_interface(running_apps):
    return running_apps.get("interface_stream")


def test_interface_state_shortcut(state_interface, make_client):
    client = make_client(state_interface)
    assert client.predict("a", api_name="/tally") == "a"
    assert client.predict("b") == "a b"
    client.reset_session()
    assert client.predict("c", api_name="/tally") == "c"


def test_interface_state_is_left_out_of_the_api(state_interface, make_client):
    info = make_client(state_interface).view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/tally"}
    assert [p["parameter_name"] for p in info["named_endpoints"]["/tally"]["parameters"]] == ["word"]
    assert [r["component"] for r in info["named_endpoints"]["/tally"]["returns"]] == ["Textbox"]


def test_interface_generator_with_additional_inputs(stream_interface, make_client):
    client = make_client(stream_interface)
    job = client.submit("ab", 2, api_name="/spell")
    assert job.result(timeout=60) == "abab"
    assert job.outputs() == ["a", "ab", "aba", "abab"]
    assert client.predict("xy") == "xy"  # repeat defaults to the slider's value


def test_interface_api_description_and_additional_inputs_in_view_api(stream_interface, make_client):
    info = make_client(stream_interface).view_api(return_format="dict", print_info=False)
    endpoint = info["named_endpoints"]["/spell"]
    assert endpoint["description"] == "Spell a word letter by letter."
    assert [(p["parameter_name"], p["component"]) for p in endpoint["parameters"]] == [
        ("word", "Textbox"),
        ("repeat", "Slider"),
    ]
    assert endpoint["parameters"][1]["parameter_default"] == 1
