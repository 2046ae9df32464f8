"""Event listeners and what handlers receive: chains, gr.on, updates, dict returns, EventData, gr.Request."""

import time

import pytest
from gradio_client.exceptions import AppError


@pytest.fixture(scope="module")
def events_app(running_apps):
    return running_apps.get("events")


@pytest.fixture(scope="module")
def request_app(running_apps):
    return running_apps.get("request_info")


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def _dep(client, api_name):
    (dep,) = [d for d in client.config["dependencies"] if d["api_name"] == api_name]
    return dep


def _event_names(client, api_name):
    return [event for _, event in _dep(client, api_name)["targets"]]


def test_submit_change_and_input_handlers(events_app, make_client):
    client = make_client(events_app)
    assert client.predict("Ann", api_name="/greet") == "Hello Ann"
    assert client.predict("Ann", api_name="/count_letters") == 3
    assert client.predict("Ann", api_name="/echo_input") == "typed:Ann"
    assert _event_names(client, "greet") == ["submit"]
    assert _event_names(client, "count_letters") == ["change"]
    assert _event_names(client, "echo_input") == ["input"]


def test_every_api_call_of_a_change_handler_runs(events_app, make_client):
    """trigger_mode ("always_last" for .change) is the browser's business: the server runs every call it gets."""
    client = make_client(events_app)
    try:
        first = client.submit("one", api_name="/slow_echo")
        assert events_app.slow_started.wait(timeout=60)
        later = [client.submit(text, api_name="/slow_echo") for text in ("two", "three")]
        wait_until(lambda: all(job.communicator.event_id is not None for job in later))
    finally:
        events_app.slow_gate.set()
    assert [job.result(timeout=60) for job in (first, *later)] == ["one", "two", "three"]


def test_default_trigger_modes(events_app, make_client):
    client = make_client(events_app)
    assert _dep(client, "count_letters")["trigger_mode"] == "always_last"  # .change
    assert _dep(client, "echo_input")["trigger_mode"] == "once"  # .input, like every event but .change/.key_up
    assert _dep(client, "greet")["trigger_mode"] == "once"


def test_chained_handlers_are_their_own_endpoints(events_app, make_client):
    client = make_client(events_app)
    assert client.predict("ann", api_name="/step_one") == "ANN"
    assert client.predict("ANN", api_name="/step_two") == "ANN!"
    assert client.predict("ANN", api_name="/on_success") == "ok:ANN"
    assert client.predict(api_name="/on_failure") == "recovered"
    with pytest.raises(AppError, match="step one failed"):
        client.predict("fail", api_name="/step_one")


def test_chains_in_the_config(events_app, make_client):
    client = make_client(events_app)
    first = _dep(client, "step_one")["id"]
    then, success, failure = (_dep(client, name) for name in ("step_two", "on_success", "on_failure"))
    assert then["trigger_after"] == success["trigger_after"] == failure["trigger_after"] == first
    assert (then["trigger_only_on_success"], then["trigger_only_on_failure"]) == (False, False)
    assert (success["trigger_only_on_success"], success["trigger_only_on_failure"]) == (True, False)
    assert (failure["trigger_only_on_success"], failure["trigger_only_on_failure"]) == (False, True)


def test_load_event(events_app, make_client):
    client = make_client(events_app)
    assert client.predict(api_name="/on_load") == "page loaded"
    assert _dep(client, "on_load")["targets"] == [[client.config["layout"]["id"], "load"]]


def test_callable_value_runs_on_load_as_a_public_endpoint(events_app, make_client):
    client = make_client(events_app)
    (stamp,) = [c["id"] for c in client.config["components"] if c.get("props", {}).get("label") == "Stamp"]
    (loader,) = [d for d in client.config["dependencies"] if d["outputs"] == [stamp]]
    assert [event for _, event in loader["targets"]] == ["load"]
    assert (loader["api_name"], loader["api_visibility"]) == ("lambda", "public")  # as Gradio 6.31 names it
    assert client.predict(api_name="/lambda") == "dynamic value"


def test_gr_on_with_several_triggers(events_app, make_client):
    client = make_client(events_app)
    assert client.predict("Bo", api_name="/either") == "either:Bo"
    assert _event_names(client, "either") == ["click", "submit"]


def test_unqueued_handler_is_called_through_the_queue_by_the_client(events_app, make_client):
    client = make_client(events_app)
    assert _dep(client, "greet_unqueued")["queue"] is False
    assert client.predict("Q", api_name="/greet_unqueued") == "Hello Q"


def test_gr_update_return(events_app, make_client):
    result = make_client(events_app).predict("x", api_name="/hide")
    assert result == {"__type__": "update", "value": "hidden x", "visible": False}


def test_component_instance_return_becomes_an_update(events_app, make_client):
    result = make_client(events_app).predict("x", api_name="/relabel")
    assert result == {"__type__": "update", "value": "new x", "label": "Renamed"}


def test_dict_return_keyed_by_component(events_app, make_client):
    first, second, third = make_client(events_app).predict("xyz", api_name="/fill_by_dict")
    assert (first, second) == ("first xyz", 3)
    assert third == {"__type__": "update"}  # left out of the dict: unchanged


def test_event_data_from_the_python_client_is_empty(events_app, make_client):
    result = make_client(events_app).predict("x", api_name="/who_fired")
    assert result == {"name": "x", "has_target": False, "data": None}


def test_select_data_sent_by_the_browser(events_app, make_client, call_like_the_browser):
    """`gradio_client` never sends event_data, so this calls the queue as the JS client does."""
    components = make_client(events_app).config["components"]
    (choice_id,) = [c["id"] for c in components if c.get("props", {}).get("label") == "Choice"]
    messages = call_like_the_browser(
        events_app,
        "pick",
        ["b"],
        event_data={"index": 1, "value": "b", "selected": True},
        trigger_id=choice_id,
    )
    completed = messages[-1]
    assert completed["msg"] == "process_completed"
    assert completed["success"] is True
    assert completed["output"]["data"] == [{"choice": "b", "index": 1, "value": "b", "selected": True}]


def test_request_headers_reach_the_handler(request_app, make_client):
    client = make_client(request_app, headers={"x-compat-token": "abc123"})
    assert client.predict("hi", api_name="/echo_header") == "hi:abc123"


def test_request_session_hash_is_the_clients(request_app, make_client):
    client = make_client(request_app)
    assert client.predict(api_name="/session") == client.session_hash
    client.reset_session()
    assert client.predict(api_name="/session") == client.session_hash


def test_request_client_and_user(request_app, make_client):
    info = make_client(request_app).predict(api_name="/client_info")
    assert info == {"host": "127.0.0.1", "username": None, "user": "api"}


def test_request_is_injected_even_with_a_default(request_app, make_client):
    assert make_client(request_app).predict("x", api_name="/with_default") == "x:True"


def test_request_parameter_is_not_an_api_parameter(request_app, make_client):
    info = make_client(request_app).view_api(return_format="dict", print_info=False)
    assert [p["parameter_name"] for p in info["named_endpoints"]["/echo_header"]["parameters"]] == ["text"]
    assert info["named_endpoints"]["/session"]["parameters"] == []
