"""`podium spaces check`, run as a real subprocess on temporary Space folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PODIUM = Path(sys.executable).with_name("podium")


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PODIUM), "spaces", "check", *args], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def write(folder: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(content)
    return folder


README = "---\ntitle: Demo\nsdk: gradio\npython_version: 3.11\nsuggested_hardware: cpu-basic\ncolorFrom: red\n---\n"


def test_valid_space(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": README, "app.py": "print(1)\n", ".gitignore": "*.log\n", "x.log": "", "y.log": ""})
    result = check(str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "title: Demo" in out and "sdk: gradio" in out and "python_version: 3.11" in out
    assert "suggested_hardware: cpu-basic" in out
    assert "bundle: 3 files" in out
    assert "ignored: 2 files and folders (--verbose lists them and why)" in out
    assert "x.log" not in out
    assert out.rstrip().endswith("OK: the folder is a valid Space")
    assert "README.md:6: 'colorFrom' is not used by Podium" in result.stderr


def test_verbose_lists_files_and_why_paths_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "", ".gitignore": "*.log\n", "x.log": "", "__pycache__/a.pyc": ""})
    result = check("--verbose", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "x.log  (.gitignore:1: *.log)" in result.stdout
    assert "__pycache__/  (always skipped: Python bytecode cache)" in result.stdout
    assert "644            0 app.py" in result.stdout


def test_default_folder_is_the_current_one(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": ""})
    result = check(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Space folder: {tmp_path}" in result.stdout
    assert "sdk: podium" in result.stdout


def test_no_app_file(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "---\napp_file: main.py\n---\n"})
    result = check(str(tmp_path))
    assert result.returncode == 1
    assert "NO_APP_FILE: The app file 'main.py' does not exist" in result.stderr


def test_app_file_ignored_is_no_app_file(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "", ".podiumignore": "*.py\n"})
    result = check(str(tmp_path))
    assert result.returncode == 1
    assert "NO_APP_FILE" in result.stderr and "add `!app.py` to .podiumignore" in result.stderr


def test_config_error(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "---\ntitle: x\nsleep_time: 5\n---\n", "app.py": ""})
    result = check(str(tmp_path))
    assert result.returncode == 1
    assert "CONFIG_ERROR: README.md:3: sleep_time must be at least 60 seconds" in result.stderr
    assert result.stdout == ""


def test_bundle_error_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "space", {"app.py": ""})
    write(tmp_path, {"secret.txt": "s"})
    (tmp_path / "space" / "leak").symlink_to(tmp_path / "secret.txt")
    result = check(str(tmp_path / "space"))
    assert result.returncode == 1
    assert "leak is a symlink to" in result.stderr and "outside the Space folder" in result.stderr


def test_not_a_folder(tmp_path: Path) -> None:
    result = check(str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "is not a folder" in result.stderr


def test_spaces_without_subcommand_prints_help() -> None:
    result = subprocess.run([str(PODIUM), "spaces"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "check" in result.stdout
