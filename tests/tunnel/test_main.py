"""`python -m podium_tunnel`: its command line, and serve + http end to end as real subprocesses."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import signal
import sys
from collections.abc import AsyncIterator

import pytest

from podium_tunnel.__main__ import build_parser, main, parse_address
from podium_tunnel.policy import MAX_LIFETIME_S


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:7000", ("0.0.0.0", 7000)),
        ("share.example.com:443", ("share.example.com", 443)),
        ("[::1]:7000", ("::1", 7000)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
    ],
)
def test_parse_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["7000", ":7000", "host:", "host:port", "host:70000", "host:-1"])
def test_parse_address_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not HOST:PORT"):
        parse_address(text)


def test_serve_arguments_and_defaults() -> None:
    args = build_parser().parse_args(
        ["serve", "--subdomain-host", "share.example.com", "--public-url", "https://share.example.com"]
    )
    assert args.command == "serve"
    assert args.bind == ("0.0.0.0", 7000) and args.vhost == ("127.0.0.1", 7080)
    assert args.token == "" and args.max_lifetime == MAX_LIFETIME_S
    assert args.tls_cert is None and args.tls_key is None and args.tls_force is False
    args = build_parser().parse_args(
        ["serve", "--bind", "127.0.0.1:0", "--vhost", "[::1]:9", "--subdomain-host", "s", "--public-url", "http://s",
         "--token", "T", "--max-lifetime", "60", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-force"]
    )  # fmt: skip
    assert (args.bind, args.vhost, args.token, args.max_lifetime) == (("127.0.0.1", 0), ("::1", 9), "T", 60.0)
    assert (args.tls_cert, args.tls_key, args.tls_force) == ("c.pem", "k.pem", True)


def test_http_arguments_and_defaults() -> None:
    args = build_parser().parse_args(
        ["http", "--server", "share.example.com:7000", "--local-port", "7860", "--name", "n"]
    )
    assert args.command == "http"
    assert args.server == ("share.example.com", 7000)
    assert (args.local_port, args.local_host, args.name, args.subdomain, args.token, args.tls) == (
        7860,
        "127.0.0.1",
        "n",
        "",
        "",
        False,
    )
    args = build_parser().parse_args(
        ["http", "--server", "h:1", "--local-port", "1", "--local-host", "::1", "--name", "n", "--subdomain", "abc",
         "--token", "T", "--tls"]
    )  # fmt: skip
    assert (args.local_host, args.subdomain, args.token, args.tls) == ("::1", "abc", "T", True)
    assert (args.use_encryption, args.use_compression) == (False, False)
    args = build_parser().parse_args(["http", "--server", "h:1", "--local-port", "1", "--name", "n", "--ue", "--uc"])
    assert (args.use_encryption, args.use_compression) == (True, True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required"),
        (["serve", "--public-url", "http://s"], "--subdomain-host"),
        (
            ["serve", "--subdomain-host", "s", "--public-url", "u", "--max-lifetime", str(MAX_LIFETIME_S + 1)],
            "at most 7 days",
        ),
        (["serve", "--subdomain-host", "s", "--public-url", "u", "--max-lifetime", "0"], "at most 7 days"),
        (["serve", "--subdomain-host", "s", "--public-url", "u", "--max-lifetime", "soon"], "not a number"),
        (["serve", "--subdomain-host", "s", "--public-url", "u", "--tls-key", "k.pem"], "--tls-key needs --tls-cert"),
        (["http", "--server", "h:1", "--name", "n"], "--local-port"),
        (["http", "--server", "h:1", "--local-port", "0", "--name", "n"], "not a TCP port"),
        (["http", "--server", "h", "--local-port", "1", "--name", "n"], "is not HOST:PORT"),
        (["http", "--server", "h:1", "--local-port", "1"], "--name"),
    ],
)
def test_bad_command_lines_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


# --- end to end: two real processes and a local app ---

HAVE_CLIENT = importlib.util.find_spec("podium_tunnel.client") is not None
needs_client = pytest.mark.skipif(not HAVE_CLIENT, reason="podium_tunnel.client (TunnelClient) is not written yet")


async def start_cli(*argv: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "podium_tunnel", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def read_line_matching(proc: asyncio.subprocess.Process, pattern: str, timeout: float = 60) -> re.Match[str]:
    """The first stdout line matching `pattern` (fails with the process's stderr when it exits first)."""
    assert proc.stdout is not None and proc.stderr is not None

    async def scan() -> re.Match[str]:
        assert proc.stdout is not None and proc.stderr is not None
        seen = []
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                err = (await proc.stderr.read()).decode(errors="replace")
                raise AssertionError(f"exited ({await proc.wait()}) before {pattern!r}; stdout {seen}; stderr:\n{err}")
            line = raw.decode().rstrip("\n")
            seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    return await asyncio.wait_for(scan(), timeout)


async def stop_cli(proc: asyncio.subprocess.Process) -> int:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(proc.wait(), 30)
        except asyncio.TimeoutError:
            proc.kill()
    return await proc.wait()


@pytest.fixture
async def local_app() -> AsyncIterator[int]:
    """A tiny HTTP/1.1 app on a free port that answers every request with its Host header and path."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            host = next((h.split(":", 1)[1].strip() for h in header_lines if h.lower().startswith("host:")), "")
            body = f"hello from the laptop: {request_line.split()[1]} via {host}".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n")
            writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def http_get(port: int, host: str, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(-1), 60)
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


HAVE_SNAPPY = importlib.util.find_spec("podium_tunnel.snappy") is not None


@needs_client
@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize(
    "flags",
    [
        pytest.param([], id="plain"),
        pytest.param(
            ["--ue", "--uc"],
            id="encrypted-compressed",
            marks=pytest.mark.skipif(not HAVE_SNAPPY, reason="podium_tunnel.snappy is not written yet"),
        ),
    ],
)
async def test_serve_and_http_end_to_end(local_app: int, flags: list[str]) -> None:
    serve = await start_cli(
        "serve", "--bind", "127.0.0.1:0", "--vhost", "127.0.0.1:0",
        "--subdomain-host", "share.test", "--public-url", "http://share.test:8080",
    )  # fmt: skip
    http = None
    try:
        started = await read_line_matching(serve, r"tunnels on 127\.0\.0\.1:(\d+), visitors on 127\.0\.0\.1:(\d+)")
        tunnel_port, vhost_port = int(started[1]), int(started[2])
        http = await start_cli(
            "http", "--server", f"127.0.0.1:{tunnel_port}", "--local-port", str(local_app),
            "--name", "e2e-app", "--subdomain", "myapp", *flags,
        )  # fmt: skip
        success = await read_line_matching(http, r"^start proxy success: (.+)$")
        assert "myapp.share.test" in success[1]
        status, body = await http_get(vhost_port, "myapp.share.test:8080", "/hello?x=1")
        assert (status, body) == (200, b"hello from the laptop: /hello?x=1 via myapp.share.test:8080")
        status, _ = await http_get(vhost_port, "nobody.share.test", "/")
        assert status == 404
        assert await stop_cli(http) == 0
        http = None
    finally:
        if http is not None:
            await stop_cli(http)
        assert await stop_cli(serve) == 0


@needs_client
@pytest.mark.slow
@pytest.mark.anyio
async def test_http_prints_login_failed_and_exits_1_when_the_server_refuses() -> None:
    serve = await start_cli(
        "serve", "--bind", "127.0.0.1:0", "--vhost", "127.0.0.1:0", "--token", "right",
        "--subdomain-host", "share.test", "--public-url", "http://share.test",
    )  # fmt: skip
    try:
        started = await read_line_matching(serve, r"tunnels on 127\.0\.0\.1:(\d+)")
        http = await start_cli(
            "http", "--server", f"127.0.0.1:{started[1]}", "--local-port", "9", "--name", "n", "--token", "wrong",
        )  # fmt: skip
        failed = await read_line_matching(http, r"^login to server failed: (.+)$")
        assert failed[1]
        assert await asyncio.wait_for(http.wait(), 60) == 1
    finally:
        assert await stop_cli(serve) == 0
