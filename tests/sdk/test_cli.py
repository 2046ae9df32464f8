"""The `podium` command line, run as a real subprocess the way a user runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import podium

PODIUM = Path(sys.executable).with_name("podium")
REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PODIUM), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_console_script_is_installed() -> None:
    assert PODIUM.exists(), f"{PODIUM} missing: run `make setup` (pip install -e sdk)"


def test_version_prints_package_version() -> None:
    result = run_cli("version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"podium {podium.__version__}"


def test_dash_dash_version_matches_version_command() -> None:
    assert run_cli("--version").stdout == run_cli("version").stdout


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: podium")
    for command in ("run", "version"):
        assert f"    {command} " in result.stdout


def test_no_command_prints_help_and_fails() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: podium" in result.stdout


def test_python_dash_m_podium_is_the_same_command() -> None:
    result = subprocess.run([sys.executable, "-m", "podium", "version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run_cli("version").stdout


def test_run_executes_the_file_as_main_with_server_settings(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "import os, sys\n"
        "import helper\n"  # a module next to the app, as `python app.py` would find it
        "print(__name__, sys.argv[0], helper.VALUE)\n"
        "print(os.environ['PODIUM_SERVER_PORT'], os.environ['GRADIO_SERVER_PORT'])\n"
        "print(os.environ['PODIUM_SERVER_NAME'], os.environ['GRADIO_SERVER_NAME'])\n"
    )
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("run", str(app), "--port", "8123", "--host", "0.0.0.0", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"__main__ {app} 42", "8123 8123", "0.0.0.0 0.0.0.0"]


def test_run_propagates_the_app_exit_status(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text("raise SystemExit(3)\n")
    assert run_cli("run", str(app)).returncode == 3


def test_run_reports_a_missing_file(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "missing.py"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, podium.cli\n"
        "heavy = {'starlette', 'uvicorn', 'httpx', 'fastapi', 'numpy'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the app exited with {process.returncode}: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url} within {timeout} s")


@pytest.mark.slow
def test_run_serves_the_hello_example_that_make_up_runs() -> None:
    """`podium run docs/examples/hello/app.py --port N` serves the app; its greet endpoint answers over REST."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [str(PODIUM), "run", str(REPO / "docs" / "examples" / "hello" / "app.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_serving(url, process)
        request = urllib.request.Request(
            url + "gradio_api/call/greet",
            data=json.dumps({"data": ["World", 3]}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            event_id = json.load(response)["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/greet/{event_id}", timeout=10) as response:
            stream = response.read().decode()
        assert 'event: complete\ndata: ["Hello, World!!!"]' in stream
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in output  # launch() printed the URL
