"""`podium share PORT | ls | revoke ID` against a stand-in share API and a real tunnel server
(tests/share_standin.py). `podium share PORT` runs as a real process until SIGINT; `ls` and `revoke` run in-process
with the token `podium login` stored in PODIUM_HOME=tmp_path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from share_standin import ShareStandIn

import podium as gr
from podium import platform_auth
from podium.cli import main
from podium.share import ShareError
from podium.share_commands import parse_duration

SDK = str(Path(__file__).resolve().parents[2] / "sdk")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PODIUM_SHARE_SERVER", "PODIUM_SERVER", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PODIUM_HOME", str(tmp_path / "home"))


@pytest.fixture
def standin() -> Iterator[ShareStandIn]:
    served = ShareStandIn()
    yield served
    served.close()


def _sign_in(server: str, token: str) -> None:
    platform_auth.save_token(server, token, platform_auth.WhoAmI("alice", "", "token", None, None, False, "t1"))


def test_durations() -> None:
    assert parse_duration("90m") == 5400
    assert parse_duration("12h") == 43200
    assert parse_duration("3d") == 3 * 86400
    assert parse_duration("1d12h") == 36 * 3600
    assert parse_duration("1w") == 7 * 86400
    for bad, message in (("8d", "at most 7 days"), ("30s", "at least 1 minute"), ("7", "not a duration"),
                         ("soon", "not a duration"), ("", "not a duration")):
        with pytest.raises(ShareError, match=message):
            parse_duration(bad)


def test_share_port_prints_the_url_serves_the_app_and_stops_on_ctrl_c(standin: ShareStandIn, tmp_path: Path) -> None:
    demo = gr.Blocks()
    with demo:
        gr.Textbox(label="Name")
    demo.launch(prevent_thread_lock=True, server_port=0, quiet=True)
    port = demo.server.port  # type: ignore[union-attr]
    env = {**os.environ, "PYTHONPATH": SDK, "PYTHONUNBUFFERED": "1", "PODIUM_SHARE_SERVER": standin.url}
    child = subprocess.Popen([sys.executable, "-m", "podium", "share", str(port), "--expires", "2h", "--label", "cli"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(child.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
        reader.start()
        deadline = threading.Event()
        for _ in range(600):
            if any("Ctrl-C stops sharing" in line for line in lines) or child.poll() is not None:
                break
            deadline.wait(0.05)
        assert child.poll() is None, child.stderr.read()  # type: ignore[union-attr]
        link = next(iter(standin.links.values()))
        assert lines[0] == f"Sharing http://127.0.0.1:{port} at {link['url']}\n"
        assert "(in 2 hours)" in lines[1] and link["id"] in lines[1]
        assert standin.requests[-1].body == {"lifetime_s": 7200, "label": "cli"}
        answer = httpx.get(f"http://127.0.0.1:{standin.vhost_port}/config", headers={"Host": standin.host_of(link)},
                           timeout=30)
        assert answer.status_code == 200
        child.send_signal(signal.SIGINT)
        assert child.wait(30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        demo.close(verbose=False)


def test_share_port_failures_exit_1_with_the_message(standin: ShareStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["share", "7860", "--server", standin.url, "--expires", "9d"]) == 1
    assert "podium share: --expires 9d: a share link lives at most 7 days" in capsys.readouterr().err
    assert main(["share", "nonsense"]) == 2
    assert main(["share", "7860"]) == 1
    assert "No share server is set" in capsys.readouterr().err


def test_ls_and_revoke_use_the_stored_token(standin: ShareStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["share", "ls", "--server", standin.url]) == 1
    assert f"not signed in to {standin.url}; run `podium login --server {standin.url}`" in capsys.readouterr().err
    _sign_in(standin.url, "pdm_mine")
    assert main(["share", "ls", "--server", standin.url]) == 0
    assert capsys.readouterr().out == "No share links.\n"
    from podium.share import request_link

    link = request_link(standin.url, token="pdm_mine", label="demo")
    assert main(["share", "ls", "--server", standin.url, "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "URL", "STATUS", "EXPIRES", "LABEL"]
    assert out[1].split()[:3] == [link.id, link.url, "active"] and out[1].endswith("demo")
    listed = standin.requests[-1]
    assert (listed.method, listed.authorization, listed.query) == ("GET", "Bearer pdm_mine", "all=true")
    assert main(["share", "revoke", link.id, "--server", standin.url]) == 0
    assert capsys.readouterr().out == f"Revoked share link {link.id}\n"
    revoked = standin.requests[-1]
    assert (revoked.method, revoked.path, revoked.authorization) == (
        "DELETE", f"/api/share/links/{link.id}", "Bearer pdm_mine")
    assert main(["share", "revoke", link.id, "--server", standin.url]) == 1
    assert f"no share link '{link.id}' of yours" in capsys.readouterr().err
    assert main(["share", "revoke", "--server", standin.url]) == 2
