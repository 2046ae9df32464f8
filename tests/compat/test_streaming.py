"""Generators streamed to `submit()` jobs, async handlers, and cancelling a running generator."""

import time

import pytest
from gradio_client.utils import Status


@pytest.fixture(scope="module")
def streaming_app(running_apps):
    return running_apps.get("streaming")


@pytest.fixture(scope="module")
def cancel_app(running_apps):
    return running_apps.get("cancel_app")


def wait_until(condition, timeout=60.0):
    """Poll `condition` until it holds; fail (never hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def test_iterating_a_job_yields_every_step(streaming_app, make_client):
    job = make_client(streaming_app).submit(5, api_name="/count")
    assert list(job) == ["0", "01", "012", "0123", "01234"]
    assert job.result(timeout=60) == "01234"
    assert job.outputs() == ["0", "01", "012", "0123", "01234"]
    assert job.status().code == Status.FINISHED
    assert job.status().success is True


def test_status_is_iterating_between_yields(streaming_app, make_client):
    job = make_client(streaming_app).submit(api_name="/paced")
    try:
        wait_until(lambda: job.outputs() == ["a"])
        assert job.status().code == Status.ITERATING
        assert not job.done()
    finally:
        streaming_app.resume.set()
    assert job.result(timeout=60) == "ab"
    assert job.outputs() == ["a", "ab"]
    assert job.status().code == Status.FINISHED


def test_predict_on_a_generator_returns_the_last_value(streaming_app, make_client):
    assert make_client(streaming_app).predict(3, api_name="/count") == "012"


def test_default_argument_of_a_generator(streaming_app, make_client):
    assert make_client(streaming_app).predict(api_name="/count") == "012"  # n defaults to 3


def test_async_generator(streaming_app, make_client):
    job = make_client(streaming_app).submit(3, api_name="/count_async")
    assert job.result(timeout=60) == "step 2"
    assert job.outputs() == ["step 0", "step 1", "step 2"]


def test_async_handler(streaming_app, make_client):
    assert make_client(streaming_app).predict(2, 3, api_name="/add_async") == 5
    assert make_client(streaming_app).predict(a=1.5, b=1, api_name="/add_async") == 2.5


def test_growing_list_is_rebuilt_from_diffs(streaming_app, make_client):
    job = make_client(streaming_app).submit(3, api_name="/grow_list")
    job.result(timeout=60)
    assert job.outputs() == [
        [{"i": 0, "square": 0}],
        [{"i": 0, "square": 0}, {"i": 1, "square": 1}],
        [{"i": 0, "square": 0}, {"i": 1, "square": 1}, {"i": 2, "square": 4}],
    ]


def test_changing_dict_is_rebuilt_from_diffs(streaming_app, make_client):
    job = make_client(streaming_app).submit(3, api_name="/reshape_dict")
    assert job.result(timeout=60) == {"count": 3, "last": "v2"}
    assert job.outputs() == [{"count": 1, "last": "v0"}, {"count": 2, "last": "v1"}, {"count": 3, "last": "v2"}]


def test_every_kind_of_change_between_yields(streaming_app, make_client):
    job = make_client(streaming_app).submit(api_name="/edge_cases")
    job.result(timeout=60)
    assert job.outputs() == [
        {"text": "abc", "items": [1, 2, 3], "nested": {"a": [1, {"b": 2}], "gone": True}},
        {"text": "abc", "items": [1, 2, 3], "nested": {"a": [1, {"b": 2}], "gone": True}},
        {"text": "a", "items": [1, 3], "nested": {"a": [1, {"b": 3}, 4]}},
        {"text": "a\u00e9\u2713", "items": [], "nested": {"a": "now a string"}},
        {"text": None, "items": [{"deep": [None, 0.5]}], "nested": {}},
    ]


def test_generator_yielding_updates(streaming_app, make_client):
    job = make_client(streaming_app).submit(3, api_name="/with_updates")
    job.result(timeout=60)
    assert job.outputs() == [
        {"__type__": "update", "value": "0", "visible": True},
        {"__type__": "update", "value": "1", "visible": False},
        {"__type__": "update", "value": "2", "visible": True},
    ]


def test_generator_with_two_outputs(streaming_app, make_client):
    job = make_client(streaming_app).submit(3, api_name="/two_outputs")
    assert job.result(timeout=60) == ("2", 20)
    assert job.outputs() == [("0", 0), ("1", 10), ("2", 20)]


def test_two_streams_on_one_client(streaming_app, make_client):
    client = make_client(streaming_app)
    first = client.submit(4, api_name="/count")
    second = client.submit(3, api_name="/count_async")
    assert first.result(timeout=60) == "0123"
    assert second.result(timeout=60) == "step 2"
    assert first.outputs() == ["0", "01", "012", "0123"]
    assert second.outputs() == ["step 0", "step 1", "step 2"]


def test_generator_endpoints_are_marked_in_the_config(streaming_app, make_client):
    deps = {d["api_name"]: d for d in make_client(streaming_app).config["dependencies"]}
    assert deps["count"]["types"]["generator"] is True
    assert deps["count_async"]["types"]["generator"] is True
    assert deps["add_async"]["types"]["generator"] is False


def test_cancel_a_long_generator(cancel_app, make_client):
    job = make_client(cancel_app).submit(100000, api_name="/tick")
    wait_until(lambda: len(job.outputs()) >= 2)
    assert job.cancel() is True
    assert job.status().code == Status.CANCELLED
    wait_until(job.done)
    # the server closed the generator instead of running it for 100000 ticks
    assert cancel_app.finished.wait(timeout=60)


def test_cancel_a_job_that_waits_in_the_queue(cancel_app, make_client):
    client, other = make_client(cancel_app), make_client(cancel_app)
    try:
        running = client.submit("one", api_name="/held")
        assert cancel_app.held_started.wait(timeout=60)
        waiting = other.submit("two", api_name="/held")
        wait_until(lambda: waiting.communicator.event_id is not None)
        assert waiting.cancel() is True
        wait_until(waiting.done)
    finally:
        cancel_app.held_gate.set()
    assert running.result(timeout=60) == "one"
    assert client.predict("three", api_name="/held") == "three"  # runs after where "two" would have
    assert cancel_app.held_runs == ["one", "three"]


def test_app_still_serves_after_a_cancel(cancel_app, make_client):
    client = make_client(cancel_app)
    job = client.submit(100000, api_name="/tick")
    wait_until(lambda: len(job.outputs()) >= 1)
    job.cancel()
    wait_until(job.done)
    assert client.predict(3, api_name="/tick") == 2


def test_cancels_wiring_in_the_config(cancel_app, make_client):
    deps = make_client(cancel_app).config["dependencies"]
    tick = next(d for d in deps if d["api_name"] == "tick")
    cancellers = [d for d in deps if tick["id"] in d["cancels"]]
    assert len(cancellers) == 1
    assert cancellers[0]["api_visibility"] == "private"  # fn=None: nothing to call through the API


def test_stop_button_is_not_an_endpoint(cancel_app, make_client):
    """The Stop button's `fn=None` handler must not be listed nor counted as an endpoint."""
    deps = make_client(cancel_app).config["dependencies"]
    assert sum(d["api_visibility"] == "public" for d in deps) == 2
    client = make_client(cancel_app)
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/tick", "/held"}
    with pytest.raises(ValueError, match="multiple endpoints"):
        client.predict(3)
