"""gr.Error / plain exceptions as `AppError`, gr.Info / gr.Warning as log messages, and gr.Progress."""

import time

import pytest
from gradio_client.exceptions import AppError
from gradio_client.utils import Status


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def errors_app(running_apps):
    return running_apps.get("errors_notices")


@pytest.fixture(scope="module")
def progress_app(running_apps):
    return running_apps.get("progress_app")


def test_gr_error_message_reaches_the_client(errors_app, make_client):
    with pytest.raises(AppError) as raised:
        make_client(errors_app).predict("boom", api_name="/fail_with_message")
    assert raised.value.message == "custom failure: boom"
    assert str(raised.value) == "custom failure: boom"
    assert raised.value.title == "Error"


def test_gr_error_title_and_duration(errors_app, make_client):
    with pytest.raises(AppError) as raised:
        make_client(errors_app).predict("x", api_name="/fail_with_title")
    assert (raised.value.message, raised.value.title, raised.value.duration) == ("with a title", "Oops", 5)


def test_gr_error_from_an_async_handler(errors_app, make_client):
    with pytest.raises(AppError, match="async failure: a"):
        make_client(errors_app).predict("a", api_name="/fail_async")


def test_plain_exception_is_hidden_without_show_error(errors_app, make_client):
    with pytest.raises(AppError) as raised:
        make_client(errors_app).predict("x", api_name="/fail_plainly")
    assert "has not enabled verbose error reporting" in str(raised.value)
    assert "hidden detail" not in str(raised.value)


def test_the_app_keeps_working_after_errors(errors_app, make_client):
    client = make_client(errors_app)
    with pytest.raises(AppError):
        client.predict("x", api_name="/fail_plainly")
    assert client.predict("y", api_name="/notify") == "notified y"


def test_info_and_warning_do_not_change_the_result(errors_app, make_client):
    job = make_client(errors_app).submit("z", api_name="/notify")
    assert job.result(timeout=60) == "notified z"
    assert job.status().code == Status.FINISHED


def test_info_and_warning_are_sent_as_log_messages(errors_app, call_like_the_browser):
    messages = call_like_the_browser(errors_app, "notify", ["z"])
    logs = [(m["level"], m["log"]) for m in messages if m["msg"] == "log"]
    assert logs == [("info", "info about z"), ("warning", "warning about z")]
    assert messages[-1]["msg"] == "process_completed"
    assert messages[-1]["output"]["data"] == ["notified z"]


def test_error_in_the_middle_of_a_generator(errors_app, make_client):
    job = make_client(errors_app).submit("g", api_name="/fail_midway")
    with pytest.raises(AppError, match="generator broke"):
        job.result(timeout=60)
    assert job.outputs() == ["g-1", "g-2"]


def test_error_payload_on_the_wire(errors_app, call_like_the_browser):
    completed = call_like_the_browser(errors_app, "fail_with_message", ["wire"])[-1]
    assert completed["msg"] == "process_completed"
    assert completed["success"] is False
    assert completed["output"]["error"] == "custom failure: wire"
    # gradio_client passes every other key of an error output to AppError(), which takes only these
    assert set(completed["output"]) - {"error"} <= {"duration", "visible", "title", "print_exception"}


def test_progress_calls(progress_app, make_client):
    assert make_client(progress_app).predict(4, api_name="/explicit") == 6  # 0 + 1 + 2 + 3


def test_progress_tqdm_wrapper(progress_app, make_client):
    assert make_client(progress_app).predict(3, api_name="/wrapped") == 3


def test_progress_tracking_real_tqdm(progress_app, make_client):
    assert make_client(progress_app).predict(5, api_name="/tracked") == 5


def test_progress_reaches_job_status(progress_app, make_client):
    progress_app.gate.clear()
    job = make_client(progress_app).submit(7, api_name="/held_progress")
    try:
        wait_until(lambda: job.status().code == Status.PROGRESS and job.status().progress_data)
        (unit,) = job.status().progress_data
        assert (unit.index, unit.length, unit.unit, unit.desc) == (1, 3, "steps", "holding")
    finally:
        progress_app.gate.set()
    assert job.result(timeout=60) == 7


def test_info_reaches_job_status(progress_app, make_client):
    progress_app.gate.clear()
    job = make_client(progress_app).submit(8, api_name="/held_info")
    try:
        wait_until(lambda: job.status().log == ("hold on", "info"))
        assert job.status().code == Status.LOG
    finally:
        progress_app.gate.set()
    assert job.result(timeout=60) == 8


def test_progress_parameter_is_not_an_api_parameter(progress_app, make_client):
    info = make_client(progress_app).view_api(return_format="dict", print_info=False)
    for name in ("/explicit", "/wrapped", "/tracked", "/held_progress", "/held_info"):
        assert [p["parameter_name"] for p in info["named_endpoints"][name]["parameters"]] == ["steps"]
