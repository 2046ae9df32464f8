"""podium_tunnel.drivers: the frps/frpc TOML it writes, and how it starts, watches, stops and restarts a binary.

The process tests run a stand-in executable (a small Python script written into tmp_path and named by
PODIUM_FRPS_BIN / PODIUM_FRPC_BIN) that prints what frps/frpc print, fails or exits as told: the real frp
binaries cannot be installed on these machines. tests/tunnel/test_interop.py runs the real ones where present.
"""

from __future__ import annotations

import asyncio
import signal
import stat
import sys
from pathlib import Path

import pytest
import tomllib

from podium_tunnel.drivers import (
    DriverError,
    FrpcProcess,
    FrpsProcess,
    HttpProxySpec,
    find_binary,
    frpc_toml,
    frps_toml,
)
from podium_tunnel.plugin import DEFAULT_OPS

# The stand-in: argv is `-c CONFIG`; STANDIN_MODE (inherited from the test's environment) says what to do.
STANDIN = """\
import os, signal, sys, time, tomllib
mode = os.environ.get("STANDIN_MODE", "frps")
assert sys.argv[1] == "-c", sys.argv
config_path = sys.argv[2]
with open(config_path, "rb") as f:
    config = tomllib.load(f)
with open(os.environ["STANDIN_RUNS"], "a") as f:
    f.write(f"{os.getpid()} {config_path}\\n")
runs = len(open(os.environ["STANDIN_RUNS"]).read().splitlines())

def say(text):
    print("2024-01-01 00:00:00.000 [I] [standin.go:1] " + text, flush=True)

if mode == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
say("\\x1b[1;34mstarting\\x1b[0m")
if mode in ("frps", "ignore-term"):
    say("frps tcp listen on 127.0.0.1:7000")
    say("frps started successfully")
elif mode == "frpc":
    say("[0123456789abcdef] login to server success, get run id [0123456789abcdef]")
    for proxy in config.get("proxies", []):
        time.sleep(0.2)
        say("[0123456789abcdef] [" + proxy["name"] + "] start proxy success")
elif mode == "login-failed":
    say("login to server failed: session shutdown")
    sys.exit(1)
elif mode == "start-error":
    say("[0123456789abcdef] [web] start error: router config conflict")
elif mode == "exit":
    say("create server listener error, listen tcp 0.0.0.0:7000: bind: address already in use")
    sys.exit(3)
elif mode == "silent":
    pass
elif mode == "crash-once":
    say("frps started successfully")
    if runs == 1:
        time.sleep(0.3)
        sys.exit(2)
while True:
    time.sleep(1)
"""


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in executable, named by both PODIUM_FRPS_BIN and PODIUM_FRPC_BIN; returns its runs log."""
    script = tmp_path / "standin-frp"
    script.write_text(f"#!{sys.executable}\n{STANDIN}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    runs = tmp_path / "runs.log"
    runs.touch()
    monkeypatch.setenv("PODIUM_FRPS_BIN", str(script))
    monkeypatch.setenv("PODIUM_FRPC_BIN", str(script))
    monkeypatch.setenv("STANDIN_RUNS", str(runs))
    return runs


def run_lines(runs: Path) -> list[str]:
    return runs.read_text().splitlines()


# --- find_binary ---


def test_find_binary_prefers_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = tmp_path / "my-frps"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PODIUM_FRPS_BIN", str(exe))
    assert find_binary("frps") == str(exe)

    not_exe = tmp_path / "plain-file"
    not_exe.write_text("")
    monkeypatch.setenv("PODIUM_FRPS_BIN", str(not_exe))
    with pytest.raises(DriverError, match="PODIUM_FRPS_BIN=.*is not an executable file"):
        find_binary("frps")
    monkeypatch.setenv("PODIUM_FRPC_BIN", str(tmp_path / "missing"))
    with pytest.raises(DriverError, match="PODIUM_FRPC_BIN"):
        find_binary("frpc")


def test_find_binary_falls_back_to_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_FRPC_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_binary("frpc") is None
    exe = tmp_path / "frpc"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_binary("frpc") == str(exe)


# --- TOML ---


def test_frps_toml_key_by_key() -> None:
    text = frps_toml(
        bind_port=7000,
        vhost_http_port=7080,
        subdomain_host="share.example.com",
        auth_token='to"ken\\',
        tls_force=True,
        tcp_mux=False,
        custom_404_page="/srv/404 page.html",
        plugins=[
            ("podium", "127.0.0.1:8700", "/api/share/frps-plugin/s", ["Login", "NewProxy"]),
            ("all", "h:1", "/p", []),
        ],
        max_pool_count=9,
        bind_addr="127.0.0.1",
    )
    config = tomllib.loads(text)
    assert config.pop("bindAddr") == "127.0.0.1"
    assert config.pop("bindPort") == 7000
    assert config.pop("vhostHTTPPort") == 7080
    assert config.pop("subDomainHost") == "share.example.com"
    assert config.pop("custom404Page") == "/srv/404 page.html"
    assert config.pop("auth") == {"method": "token", "token": 'to"ken\\'}
    assert config.pop("transport") == {"tls": {"force": True}, "tcpMux": False, "maxPoolCount": 9}
    assert config.pop("log") == {"to": "console", "level": "info", "disablePrintColor": True}
    assert config.pop("httpPlugins") == [
        {"name": "podium", "addr": "127.0.0.1:8700", "path": "/api/share/frps-plugin/s", "ops": ["Login", "NewProxy"]},
        {"name": "all", "addr": "h:1", "path": "/p", "ops": list(DEFAULT_OPS)},
    ]
    assert config == {}


def test_frps_toml_defaults() -> None:
    config = tomllib.loads(frps_toml(bind_port=7000, vhost_http_port=80, subdomain_host="s.example"))
    assert config["bindAddr"] == "0.0.0.0"
    assert config["auth"]["token"] == ""
    assert config["transport"] == {"tls": {"force": False}, "tcpMux": True, "maxPoolCount": 5}
    assert "custom404Page" not in config and "httpPlugins" not in config


def test_frpc_toml_key_by_key() -> None:
    text = frpc_toml(
        server_addr="share.example.com",
        server_port=7000,
        auth_token="s3cret\n",
        tls_enable=True,
        tcp_mux=True,
        proxies=[
            HttpProxySpec("web", "127.0.0.1", 7860, subdomain="abc", use_encryption=True, use_compression=True),
            HttpProxySpec("api", "::1", 8000),
        ],
    )
    config = tomllib.loads(text)
    assert config.pop("serverAddr") == "share.example.com"
    assert config.pop("serverPort") == 7000
    assert config.pop("loginFailExit") is True
    assert config.pop("auth") == {"method": "token", "token": "s3cret\n"}
    assert config.pop("transport") == {"tls": {"enable": True}, "tcpMux": True}
    assert config.pop("log") == {"to": "console", "level": "info", "disablePrintColor": True}
    assert config.pop("proxies") == [
        {
            "name": "web",
            "type": "http",
            "localIP": "127.0.0.1",
            "localPort": 7860,
            "subdomain": "abc",
            "transport": {"useEncryption": True, "useCompression": True},
        },
        {
            "name": "api",
            "type": "http",
            "localIP": "::1",
            "localPort": 8000,
            "transport": {"useEncryption": False, "useCompression": False},
        },
    ]
    assert config == {}
    # frpc ≥0.50 turns TLS on unless told otherwise: the default must say false explicitly
    plain = tomllib.loads(frpc_toml(server_addr="h", server_port=1, proxies=[]))
    assert plain["transport"]["tls"] == {"enable": False}


def test_toml_rejects_non_integer_ports() -> None:
    with pytest.raises(TypeError):
        frps_toml(bind_port=True, vhost_http_port=80, subdomain_host="s")


# --- processes (stand-in executable) ---


@pytest.mark.anyio
async def test_frps_ready_then_stopped(standin: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STANDIN_MODE", "frps")
    config = frps_toml(bind_port=7000, vhost_http_port=7080, subdomain_host="s.example")
    frps = FrpsProcess(config)
    await frps.start(timeout=30)
    try:
        assert frps.returncode is None and frps.pid is not None
        assert frps.config_path is not None and frps.config_path.read_text() == config
        assert oct(frps.config_path.stat().st_mode & 0o777) == oct(0o600)
        assert [line.split()[0] for line in run_lines(standin)] == [str(frps.pid)]
        assert any("frps started successfully" in line for line in frps.lines)
        assert not any("\x1b" in line for line in frps.lines)  # colours stripped
        assert frps.ready_runs == 1
    finally:
        await frps.stop()
    assert frps.returncode == -signal.SIGTERM
    assert not frps.config_path.parent.exists()  # its own temporary directory is gone
    await frps.stop()  # idempotent


@pytest.mark.anyio
async def test_given_workdir_is_kept(standin: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STANDIN_MODE", "frps")
    async with FrpsProcess("x = 1\n", workdir=tmp_path / "conf") as frps:
        assert frps.config_path == tmp_path / "conf" / "frps.toml"
    assert (tmp_path / "conf" / "frps.toml").exists()
    with pytest.raises(DriverError, match="already started"):
        await frps.start()


@pytest.mark.anyio
async def test_frpc_waits_for_every_proxy(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "frpc")
    proxies = [HttpProxySpec("web", "127.0.0.1", 1), HttpProxySpec("api", "127.0.0.1", 2)]
    frpc = FrpcProcess(frpc_toml(server_addr="h", server_port=1, proxies=proxies), proxy_names=["web", "api"])
    await frpc.start(timeout=30)
    try:
        assert [line for line in frpc.lines if "start proxy success" in line][-1].endswith("[api] start proxy success")
    finally:
        await frpc.stop()


@pytest.mark.anyio
async def test_frpc_without_proxy_names_is_ready_at_login(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "frpc")
    async with FrpcProcess(frpc_toml(server_addr="h", server_port=1, proxies=[])) as frpc:
        assert frpc.ready_runs == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("login-failed", r"frpc reported 'login to server failed: session shutdown'"),
        ("start-error", r"frpc reported 'start error: router config conflict'"),
        ("exit", r"frpc exited with code 3 before it was ready(.|\n)*address already in use"),
    ],
)
async def test_frpc_failures_are_driver_errors_with_the_last_lines(
    standin: Path, monkeypatch: pytest.MonkeyPatch, mode: str, message: str
) -> None:
    monkeypatch.setenv("STANDIN_MODE", mode)
    frpc = FrpcProcess(frpc_toml(server_addr="h", server_port=1, proxies=[]), proxy_names=["web"])
    with pytest.raises(DriverError, match=message) as caught:
        await frpc.start(timeout=30)
    assert "its last output:" in str(caught.value)
    assert frpc.returncode is not None  # stopped, not left running


@pytest.mark.anyio
async def test_silent_binary_times_out(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "silent")
    frps = FrpsProcess("")
    with pytest.raises(DriverError, match="frps did not report readiness within 1 s"):
        await frps.start(timeout=1)
    assert frps.returncode == -signal.SIGTERM


@pytest.mark.anyio
async def test_stop_kills_a_binary_that_ignores_sigterm(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "ignore-term")
    frps = FrpsProcess("", stop_grace=0.5)
    await frps.start(timeout=30)
    await frps.stop()
    assert frps.returncode == -signal.SIGKILL


@pytest.mark.anyio
async def test_missing_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PODIUM_FRPS_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DriverError, match="frps is not installed: set PODIUM_FRPS_BIN or put frps on PATH"):
        await FrpsProcess("").start()
    with pytest.raises(DriverError, match="cannot run"):
        await FrpsProcess("", binary=str(tmp_path)).start()


@pytest.mark.anyio
async def test_a_crashed_binary_is_restarted(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "crash-once")
    frps = FrpsProcess("", restart_on_exit=True, restart_delay=0.1)
    await frps.start(timeout=30)
    try:
        first_pid = frps.pid
        for _ in range(600):  # the first run exits with code 2 soon after it is ready
            if frps.ready_runs == 2:
                break
            await asyncio.sleep(0.05)
        assert frps.ready_runs == 2 and frps.restarts == 1
        assert frps.pid != first_pid and frps.returncode is None
        pids = [line.split()[0] for line in run_lines(standin)]
        assert pids == [str(first_pid), str(frps.pid)]
    finally:
        await frps.stop()
    assert frps.returncode == -signal.SIGTERM
    await asyncio.sleep(0.3)  # longer than the restart delay: a stopped binary stays stopped
    assert len(run_lines(standin)) == 2


@pytest.mark.anyio
async def test_without_restart_on_exit_a_crash_is_final(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_MODE", "crash-once")
    frps = FrpsProcess("", restart_delay=0.05)
    await frps.start(timeout=30)
    try:
        for _ in range(600):
            if frps.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert frps.returncode == 2
        await asyncio.sleep(0.3)
        assert len(run_lines(standin)) == 1 and frps.restarts == 0
    finally:
        await frps.stop()
