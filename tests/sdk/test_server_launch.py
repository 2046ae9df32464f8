"""`launch()`: settings from kwargs, env vars and defaults; port choice; printing; blocking; `close()`;
`mount_gradio_app`; and how quickly `python app.py` serves (reported, never asserted).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

import podium as gr
from podium.blocks import Blocks
from podium.server.launch import PortInUse, bind_first_free
from podium.server.settings import DEFAULT_MAX_FILE_SIZE, ServerSettings

SDK = str(Path(__file__).resolve().parents[2] / "sdk")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def two_free_ports() -> int:
    """A port P such that P and P + 1 are both free right now."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


def build_app() -> Blocks:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Name")
        box.submit(lambda n: f"Hello {n}", box, box, api_name="greet")
    return demo


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- settings -----------------------------------------------------------------------------------------


def test_defaults() -> None:
    s = ServerSettings.from_launch_kwargs({}, environ={})
    assert (s.server_name, s.server_port, s.port_explicit) == ("127.0.0.1", 7860, False)
    assert s.max_file_size == DEFAULT_MAX_FILE_SIZE == 100 * 1024 * 1024
    assert s.heartbeat_interval == 15.0
    assert s.max_threads == 40
    assert s.default_concurrency_limit == 1
    assert s.root_path == ""
    assert s.strict_cors is True


def test_gradio_env_vars_are_read() -> None:
    env = {
        "GRADIO_SERVER_NAME": "0.0.0.0",
        "GRADIO_SERVER_PORT": "9000",
        "GRADIO_ROOT_PATH": "/app/",
        "GRADIO_ALLOWED_PATHS": "/data, /more",
        "GRADIO_BLOCKED_PATHS": "/data/secret",
        "GRADIO_TEMP_DIR": "/tmp/x",
        "GRADIO_MAX_FILE_SIZE": "5mb",
        "GRADIO_DEFAULT_CONCURRENCY_LIMIT": "3",
        "GRADIO_HEARTBEAT_INTERVAL": "2.5",
        "GRADIO_SHOW_ERROR": "true",
        "GRADIO_NUM_PORTS": "5",
        "GRADIO_ANALYTICS_ENABLED": "True",
    }
    s = ServerSettings.from_launch_kwargs({}, environ=env)
    assert (s.server_name, s.server_port, s.port_explicit) == ("0.0.0.0", 9000, True)
    assert s.root_path == "/app"
    assert s.allowed_paths == ["/data", "/more"]
    assert s.blocked_paths == ["/data/secret"]
    assert s.temp_dir == "/tmp/x"
    assert s.max_file_size == 5 * 1024 * 1024
    assert s.default_concurrency_limit == 3
    assert s.heartbeat_interval == 2.5
    assert s.show_error is True
    assert s.num_ports == 5


def test_podium_env_vars_win_over_gradio_ones() -> None:
    env = {"GRADIO_SERVER_PORT": "9000", "PODIUM_SERVER_PORT": "9100",
           "GRADIO_MAX_FILE_SIZE": "1mb", "PODIUM_MAX_FILE_SIZE": "2mb",
           "GRADIO_DEFAULT_CONCURRENCY_LIMIT": "2", "PODIUM_DEFAULT_CONCURRENCY_LIMIT": "none"}
    s = ServerSettings.from_launch_kwargs({}, environ=env)
    assert s.server_port == 9100
    assert s.max_file_size == 2 * 1024 * 1024
    assert s.default_concurrency_limit is None


def test_launch_kwargs_win_over_env_vars() -> None:
    env = {"PODIUM_SERVER_PORT": "9100", "PODIUM_SERVER_NAME": "0.0.0.0", "PODIUM_MAX_FILE_SIZE": "2mb",
           "PODIUM_ALLOWED_PATHS": "/env"}
    s = ServerSettings.from_launch_kwargs(
        {"server_port": 9200, "server_name": "localhost", "max_file_size": "1kb", "allowed_paths": ["/kw"]},
        environ=env,
    )
    assert (s.server_port, s.server_name, s.max_file_size) == (9200, "localhost", 1024)
    assert s.allowed_paths == ["/kw", "/env"]  # both lists apply, as in Gradio


def test_empty_env_var_counts_as_unset() -> None:
    s = ServerSettings.from_launch_kwargs({}, environ={"PODIUM_SERVER_PORT": "", "GRADIO_SERVER_PORT": "9000"})
    assert s.server_port == 9000


def test_bad_env_port_has_a_clear_error() -> None:
    with pytest.raises(ValueError, match="SERVER_PORT"):
        ServerSettings.from_launch_kwargs({}, environ={"GRADIO_SERVER_PORT": "eighty"})


def test_bad_max_file_size_has_a_clear_error() -> None:
    with pytest.raises(ValueError, match="size"):
        ServerSettings.from_launch_kwargs({"max_file_size": "lots"}, environ={})


def test_max_file_size_none_means_no_limit() -> None:
    assert ServerSettings.from_launch_kwargs({"max_file_size": None}, environ={}).max_file_size is None


def test_unknown_kwargs_warn_and_are_ignored() -> None:
    with pytest.warns(UserWarning, match="no_such_option"):
        s = ServerSettings.from_launch_kwargs({"no_such_option": 1, "inbrowser": True}, environ={})
    assert s.server_port == 7860


def test_known_but_inert_kwargs_do_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    ServerSettings.from_launch_kwargs({"inbrowser": True, "debug": False, "ssr_mode": False}, environ={})
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


# --- ports ------------------------------------------------------------------------------------------------


def test_port_fallback_takes_the_next_free_port() -> None:
    port = two_free_ports()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        settings = ServerSettings(server_port=port, port_explicit=False, num_ports=10)
        with closing(bind_first_free(settings)) as sock:
            assert sock.getsockname()[1] == port + 1


def test_an_explicit_port_that_is_taken_fails_clearly() -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(PortInUse, match="server_port"):
            build_app().launch(prevent_thread_lock=True, server_port=port, quiet=True)


def test_default_port_is_in_gradios_range() -> None:
    demo = build_app()
    _, local_url, _ = demo.launch(prevent_thread_lock=True, quiet=True)
    try:
        port = int(local_url.rstrip("/").rsplit(":", 1)[1])
        assert 7860 <= port <= 7959
    finally:
        demo.close(verbose=False)


def test_close_frees_the_port() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 200
    demo.close(verbose=False)
    assert not port_accepts(port)
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
    second = build_app()
    second.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 200
    finally:
        second.close(verbose=False)


def test_close_ends_open_streams() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    received: list[bytes] = []

    def listen() -> None:
        with httpx.stream("GET", f"http://127.0.0.1:{port}/gradio_api/heartbeat/abc", timeout=10) as response:
            for chunk in response.iter_raw():
                received.append(chunk)

    listener = threading.Thread(target=listen)
    listener.start()
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    demo.close(verbose=False)
    listener.join(5)
    assert not listener.is_alive()
    assert time.monotonic() - started < 3
    assert received[0] == b"data: ALIVE\n\n"


def test_close_twice_is_harmless() -> None:
    demo = build_app()
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    server = demo.server
    demo.close(verbose=False)
    server.close()


# --- what launch() returns and prints ------------------------------------------------------------------


def test_launch_returns_app_and_urls(capsys: pytest.CaptureFixture[str]) -> None:
    demo = build_app()
    port = free_port()
    result = demo.launch(prevent_thread_lock=True, server_port=port)
    try:
        app, local_url, share_url = result
        assert local_url == f"http://127.0.0.1:{port}/"
        assert share_url is None
        assert demo.local_url == local_url
        assert app is demo.app  # type: ignore[attr-defined]
        assert f"* Running on local URL:  http://127.0.0.1:{port}\n" in capsys.readouterr().out
    finally:
        demo.close(verbose=False)


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    demo = build_app()
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    demo.close(verbose=False)
    assert capsys.readouterr().out == ""


def test_share_without_a_share_server_keeps_the_app_local(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("PODIUM_SHARE_SERVER", "PODIUM_SERVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PODIUM_HOME", str(tmp_path))  # no stored `podium login` server either
    demo = build_app()
    port = free_port()
    _, _, share_url = demo.launch(prevent_thread_lock=True, server_port=port, share=True)
    try:
        assert share_url is None and demo.share_url is None
        assert "* Could not create a share link: No share server is set" in capsys.readouterr().out
        assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 200
    finally:
        demo.close(verbose=False)


def test_launch_options_for_the_page_are_stored_on_blocks() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, css="body{color:red}", head="<meta>",
                js="() => 1", theme="soft")
    try:
        config = httpx.get(f"http://127.0.0.1:{port}/config").json()
        assert (config["css"], config["head"], config["js"]) == ("body{color:red}", "<meta>", "() => 1")
        assert httpx.get(f"http://127.0.0.1:{port}/theme.css").text == "body{color:red}"
    finally:
        demo.close(verbose=False)


def test_root_path_is_part_of_the_root() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, root_path="/behind/proxy")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/config").json()["root"] == f"http://127.0.0.1:{port}/behind/proxy"
    finally:
        demo.close(verbose=False)


def test_absolute_root_path_is_the_root() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, root_path="https://apps.example.com/demo/")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/config").json()["root"] == "https://apps.example.com/demo"
    finally:
        demo.close(verbose=False)


def test_favicon_path_is_served(tmp_path: Path) -> None:
    icon = tmp_path / "icon.png"
    icon.write_bytes(b"\x89PNG fake")
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, favicon_path=str(icon))
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/favicon.ico")
        assert response.status_code == 200
        assert response.content == b"\x89PNG fake"
    finally:
        demo.close(verbose=False)


def test_queue_settings_reach_the_engine() -> None:
    demo = build_app()
    demo.queue(max_size=7, default_concurrency_limit=3)
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, max_threads=5)
    try:
        engine = demo.app.state.podium.engine  # type: ignore[attr-defined]
        assert (engine.max_queue_size, engine.default_concurrency_limit, engine.max_threads) == (7, 3, 5)
    finally:
        demo.close(verbose=False)


# --- a real `python app.py` -------------------------------------------------------------------------------

APP_SCRIPT = """
import time
START = time.perf_counter()
import podium as gr
with gr.Blocks() as demo:
    box = gr.Textbox(label="Name")
    box.submit(lambda n: "Hello " + n, box, box, api_name="greet")
demo.launch(server_port={port})
"""


def test_python_app_py_blocks_until_ctrl_c(tmp_path: Path, report: Callable[[str], None]) -> None:
    port = free_port()
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(APP_SCRIPT.format(port=port)))
    env = {**os.environ, "PYTHONPATH": SDK}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        ready = time.perf_counter() - started
        assert line.strip() == f"* Running on local URL:  http://127.0.0.1:{port}"
        assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 200
        time.sleep(0.2)
        assert proc.poll() is None, "launch() must keep the main thread alive"
        report(f"python app.py -> serving: {ready * 1000:.0f} ms (interpreter start included)")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not port_accepts(port)


# --- mount_gradio_app ------------------------------------------------------------------------------------


@pytest.fixture
def outer_app_url() -> Iterator[str]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from podium.server.mount import mount_gradio_app

    async def home(request: object) -> PlainTextResponse:
        return PlainTextResponse("outer")

    outer = Starlette(routes=[Route("/", home)])
    mount_gradio_app(outer, build_app(), path="/demo")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(outer, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_mounted_app_serves_under_its_path(outer_app_url: str) -> None:
    assert httpx.get(outer_app_url + "/").text == "outer"
    config = httpx.get(outer_app_url + "/demo/config").json()
    assert config["root"] == outer_app_url + "/demo"
    with httpx.Client(base_url=outer_app_url + "/demo", timeout=10) as http:
        event_id = http.post("/gradio_api/call/greet", json={"data": ["M"]}).json()["event_id"]
        assert http.get(f"/gradio_api/call/greet/{event_id}").text == 'event: complete\ndata: ["Hello M"]\n\n'


def test_mounted_app_works_with_the_real_client(outer_app_url: str) -> None:
    from gradio_client import Client

    client = Client(outer_app_url + "/demo/", verbose=False)
    assert client.predict("C", api_name="/greet") == "Hello C"


# --- cache clean-up and show_api ------------------------------------------------------------------------


def test_delete_cache_removes_old_uploads(tmp_path: Path) -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, delete_cache=(0.3, 2),
                temp_dir=str(tmp_path / "cache"))
    try:
        base = f"http://127.0.0.1:{port}"
        (file_id,) = httpx.post(base + "/gradio_api/upload", files=[("files", ("old.txt", b"old"))]).json()
        assert httpx.get(f"{base}/gradio_api/file={file_id}").status_code == 200
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/gradio_api/file={file_id}").status_code == 403:
                    break
            except httpx.HTTPError:  # the file was deleted while it was being sent
                pass
            time.sleep(0.1)
        assert httpx.get(f"{base}/gradio_api/file={file_id}").status_code == 403
    finally:
        demo.close(verbose=False)


def test_start_clears_files_a_previous_run_left_past_their_ttl(tmp_path: Path) -> None:
    """A crashed or killed run leaves uploads behind; the next start deletes the expired ones at once."""
    from podium.files.cache import FileCache

    cache_dir = tmp_path / "cache"
    left_over = FileCache(cache_dir)
    old_id = left_over.save_bytes(b"old", "old.txt")
    fresh_id = left_over.save_bytes(b"fresh", "fresh.txt")
    long_ago = time.time() - 7200
    os.utime(left_over.path_of(old_id).parent, (long_ago, long_ago))
    demo = build_app()
    port = free_port()
    # the periodic clean-up runs only every hour: only a clean-up at start can remove the old file in time
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, delete_cache=(3600, 3600),
                temp_dir=str(cache_dir))
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and httpx.get(f"{base}/gradio_api/file={old_id}").status_code != 403:
            time.sleep(0.05)
        assert httpx.get(f"{base}/gradio_api/file={old_id}").status_code == 403
        assert httpx.get(f"{base}/gradio_api/file={fresh_id}").status_code == 200
    finally:
        demo.close(verbose=False)


def test_show_api_false_hides_the_api_link() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, show_api=False)
    try:
        assert "api" not in httpx.get(f"http://127.0.0.1:{port}/config").json()["footer_links"]
    finally:
        demo.close(verbose=False)


def test_bad_server_port_has_a_clear_error() -> None:
    for port in ("http", 70000, -1):
        with pytest.raises(ValueError, match="server_port"):
            ServerSettings.from_launch_kwargs({"server_port": port}, environ={})


def test_fastapi_app_kwargs_warn_instead_of_crashing() -> None:
    demo = build_app()
    port = free_port()
    with pytest.warns(UserWarning, match="docs_url"):
        demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, app_kwargs={"docs_url": None})
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/config").status_code == 200
    finally:
        demo.close(verbose=False)


def test_close_tells_open_queue_streams_the_server_stopped() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()

        def slow(x: str) -> Iterator[str]:
            for i in range(500):
                time.sleep(0.01)
                yield str(i)

        box.submit(slow, box, box, api_name="slow")
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    base = f"http://127.0.0.1:{port}"
    httpx.post(base + "/gradio_api/queue/join", json={"data": ["x"], "fn_index": 0, "session_hash": "stop"})
    frames: list[bytes] = []

    def listen() -> None:
        with httpx.stream("GET", base + "/gradio_api/queue/data", params={"session_hash": "stop"}, timeout=10) as r:
            buffer = b""
            for chunk in r.iter_raw():
                buffer += chunk
                *complete, buffer = buffer.split(b"\n\n")
                frames.extend(complete)

    listener = threading.Thread(target=listen)
    listener.start()
    deadline = time.monotonic() + 5
    while len(frames) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    demo.close(verbose=False)
    listener.join(5)
    assert not listener.is_alive()
    last = json.loads(frames[-1].removeprefix(b"data: "))
    assert last["msg"] == "unexpected_error" and last["event_id"] is None
    assert last["message"] == "Server stopped unexpectedly."


def test_an_async_handler_can_close_its_own_app() -> None:
    holder: dict[str, Blocks] = {}

    async def shutdown(x: str) -> str:
        holder["demo"].close(verbose=False)
        return "bye"

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(shutdown, box, box, api_name="shutdown")
    holder["demo"] = demo
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    started = time.monotonic()
    try:
        httpx.post(f"http://127.0.0.1:{port}/gradio_api/run/shutdown", json={"data": ["x"]}, timeout=10)
    except httpx.HTTPError:
        pass  # the server may go away before it answers
    deadline = time.monotonic() + 5
    while port_accepts(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not port_accepts(port)
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not __import__("shutil").which("openssl"), reason="needs the openssl command")
def test_ssl(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True, timeout=60,
    )
    demo = build_app()
    port = free_port()
    _, local_url, _ = demo.launch(prevent_thread_lock=True, server_port=port, quiet=True,
                                  ssl_keyfile=str(key), ssl_certfile=str(cert))
    try:
        assert local_url == f"https://127.0.0.1:{port}/"
        assert httpx.get(local_url + "config", verify=False).json()["root"] == f"https://127.0.0.1:{port}"
    finally:
        demo.close(verbose=False)
