"""Queue behaviour seen by the client: concurrency limits and groups, queue full, batching.

No test asserts on timings: overlap is proven with a barrier, "queue full" is reached by holding a handler on
a gate, and every wait has a timeout.
"""

import time

import pytest
from gradio_client.utils import QueueError, Status


@pytest.fixture(scope="module")
def concurrency_app(running_apps):
    return running_apps.get("concurrency")


@pytest.fixture(scope="module")
def queue_app(running_apps):
    return running_apps.get("queue_full")


@pytest.fixture(scope="module")
def batch_app(running_apps):
    return running_apps.get("batching")


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def test_concurrency_limit_two_runs_two_jobs_at_once(concurrency_app, make_client):
    client = make_client(concurrency_app)
    first = client.submit("a", api_name="/meet")
    second = client.submit("b", api_name="/meet")
    assert {first.result(timeout=90), second.result(timeout=90)} == {"met a", "met b"}


def test_concurrency_limit_two_for_async_handlers(concurrency_app, make_client):
    first = make_client(concurrency_app).submit("a", api_name="/meet_async")
    second = make_client(concurrency_app).submit("b", api_name="/meet_async")
    assert {first.result(timeout=90), second.result(timeout=90)} == {"met async a", "met async b"}


def test_no_concurrency_limit(concurrency_app, make_client):
    jobs = [make_client(concurrency_app).submit(str(i), api_name="/meet_all") for i in range(4)]
    assert sorted(job.result(timeout=90) for job in jobs) == [f"all met {i}" for i in range(4)]


def test_shared_concurrency_id_runs_one_at_a_time(concurrency_app, make_client):
    client = make_client(concurrency_app)
    jobs = [client.submit(str(i), api_name="/first_in_group" if i % 2 else "/second_in_group") for i in range(6)]
    results = [job.result(timeout=90) for job in jobs]
    assert results == [("first" if i % 2 else "second") + f" {i}" for i in range(6)]
    assert concurrency_app.group_max_active == 1


def test_default_concurrency_limit_is_one(concurrency_app, make_client):
    jobs = [make_client(concurrency_app).submit(str(i), api_name="/solo") for i in range(4)]
    assert [job.result(timeout=90) for job in jobs] == [f"solo {i}" for i in range(4)]
    assert concurrency_app.solo_max_active == 1


def test_one_client_stream_carries_many_jobs(concurrency_app, make_client):
    """Jobs of one Client share one `queue/data` stream: it must stay open until the last of them completes."""
    client = make_client(concurrency_app)
    jobs = [client.submit(f"job{i}", api_name="/wait_for_release") for i in range(8)]
    try:
        wait_until(lambda: all(job.communicator.event_id is not None for job in jobs))
    finally:
        concurrency_app.release.set()
    assert [job.result(timeout=60) for job in jobs] == [f"released job{i}" for i in range(8)]


def test_queue_full_raises_queue_error(queue_app, make_client):
    client = make_client(queue_app)
    try:
        running = client.submit("one", api_name="/hold")
        assert queue_app.started.wait(timeout=60), "the first job never started"
        waiting = client.submit("two", api_name="/hold")
        wait_until(lambda: waiting.communicator.event_id is not None)  # joined: it now waits in the queue
        wait_until(lambda: waiting.status().code == Status.IN_QUEUE)
        assert waiting.status().rank == 0
        wait_until(lambda: running.status().code == Status.PROCESSING)
        refused = client.submit("three", api_name="/hold")
        with pytest.raises(QueueError):
            refused.result(timeout=60)
    finally:
        queue_app.gate.set()
    assert running.result(timeout=60) == "released one"
    assert waiting.result(timeout=60) == "released two"


def test_batch_function_single_call(batch_app, make_client):
    assert make_client(batch_app).predict("ab", 3, api_name="/double_all") == ("abab", 6)


def test_waiting_events_are_batched(batch_app, make_client):
    client = make_client(batch_app)
    batch_app.gate.clear()
    batch_app.started.clear()
    before = len(batch_app.batch_sizes)
    try:
        first = client.submit("t0", 0, api_name="/double_all")
        assert batch_app.started.wait(timeout=60), "the first batch never started"
        waiting = [client.submit(f"t{i}", i, api_name="/double_all") for i in range(1, 6)]
        wait_until(lambda: all(job.communicator.event_id is not None for job in waiting))
    finally:
        batch_app.gate.set()
    results = [first.result(timeout=60)] + [job.result(timeout=60) for job in waiting]
    assert results == [(f"t{i}t{i}", 2 * i) for i in range(6)]
    sizes = batch_app.batch_sizes[before:]
    assert sizes[0] == 1
    assert sum(sizes) == 6
    assert max(sizes) <= 4  # max_batch_size
    assert len(sizes) < 6  # the five events that waited ran in fewer calls than one each


def test_batch_view_api_shows_single_values(batch_app, make_client):
    info = make_client(batch_app).view_api(return_format="dict", print_info=False)
    endpoint = info["named_endpoints"]["/double_all"]
    assert [p["parameter_name"] for p in endpoint["parameters"]] == ["texts", "numbers"]
    assert [p["python_type"]["type"] for p in endpoint["parameters"]] == ["str", "float"]
    (dep,) = make_client(batch_app).config["dependencies"]
    assert (dep["batch"], dep["max_batch_size"]) == (True, 4)
