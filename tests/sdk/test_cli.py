"""The `podium` command line, run as a real subprocess the way a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import podium

PODIUM = Path(sys.executable).with_name("podium")


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
