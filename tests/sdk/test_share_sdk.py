"""Share links in the SDK (podium.share, launch(share=True)) against a stand-in share API and a real tunnel server
(tests/share_standin.py): which platform and token are used, the API's refusals as messages, the proxy settings,
the public URL answering through the tunnel server's vhost, the lifecycle messages, and failures that leave the
app local. Credentials live in PODIUM_HOME=tmp_path.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from share_standin import Refusal, ShareStandIn

import podium as gr
from podium import platform_auth
from podium.share import (
    Share,
    ShareError,
    describe_expiry,
    open_share,
    proxy_for,
    request_link,
    resolve_share_server,
)
from podium_tunnel.client import TunnelEvent
from podium_tunnel.policy import OpenPolicy, ProxyGrant, ProxyRequest, Rejected


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PODIUM_SHARE_SERVER", "PODIUM_SERVER", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PODIUM_HOME", str(tmp_path / "home"))


@pytest.fixture
def standin() -> Iterator[ShareStandIn]:
    served = ShareStandIn()
    yield served
    served.close()


def _sign_in(server: str, token: str) -> None:
    platform_auth.save_token(server, token, platform_auth.WhoAmI("alice", "", "token", None, None, False, "t1"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _demo() -> gr.Blocks:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Name")
        box.submit(lambda n: f"Hello {n}", box, box, api_name="greet")
    return demo


def _wait_until(check: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


# --- which platform, which token ----------------------------------------------------------------------------

def test_server_comes_from_the_argument_then_env_then_podium_login(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ShareError, match="PODIUM_SHARE_SERVER"):
        resolve_share_server(None)
    _sign_in("http://stored.example:8700", "pdm_x")
    assert resolve_share_server(None) == "http://stored.example:8700"
    monkeypatch.setenv("PODIUM_SERVER", "https://podium.example.org/")
    assert resolve_share_server(None) == "https://podium.example.org"
    monkeypatch.setenv("PODIUM_SHARE_SERVER", "127.0.0.1:8700")
    assert resolve_share_server(None) == "http://127.0.0.1:8700"  # no scheme means http
    assert resolve_share_server("share.example.org:9000") == "http://share.example.org:9000"
    with pytest.raises(ShareError, match="not an http"):
        resolve_share_server("ftp://x")


def test_request_link_sends_the_stored_token_lifetime_and_label(standin: ShareStandIn) -> None:
    link = request_link(standin.url, token="pdm_secret", lifetime_s=3600, label="demo")
    recorded = standin.requests[-1]
    assert (recorded.method, recorded.path, recorded.authorization) == ("POST", "/api/share/links", "Bearer pdm_secret")
    assert recorded.body == {"lifetime_s": 3600, "label": "demo"}
    assert link.url.startswith(f"http://{link.subdomain}.share.localhost") and link.label == "demo"
    assert link.expires_at.tzinfo is not None
    assert timedelta(minutes=59) < link.expires_at - datetime.now(timezone.utc) <= timedelta(hours=1)
    assert link.tunnel.port == standin.tunnel.bind_port and not link.tunnel.tls
    request_link(standin.url, token=None)
    assert standin.requests[-1].authorization is None and standin.requests[-1].body == {}


def test_refusals_become_messages_that_say_what_to_do(standin: ShareStandIn) -> None:
    standin.refuse = Refusal(429, {"error": {"message": "too many share links from this address"}},
                             {"Retry-After": "1800"})
    with pytest.raises(ShareError) as caught:
        request_link(standin.url, token=None)
    assert "too many share links" in str(caught.value) and "in 30 minutes" in str(caught.value)
    assert "podium login" in str(caught.value)
    standin.refuse = Refusal(422, {"error": {"message": "a share link lives at most 7 days"}})
    with pytest.raises(ShareError, match="answered 422: a share link lives at most 7 days"):
        request_link(standin.url, token=None, lifetime_s=10**7)
    standin.refuse = Refusal(401, {"error": {"message": "invalid token"}})
    with pytest.raises(ShareError, match="podium login --server"):
        request_link(standin.url, token="pdm_old")
    standin.refuse = Refusal(404, {"detail": "Not Found"})
    with pytest.raises(ShareError, match="has no share service"):
        request_link(standin.url, token=None)
    server = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(ShareError, match=f"no share service at {server}; start the platform with `make up`"):
        request_link(server, token=None)


def test_proxy_comes_from_https_proxy_unless_no_proxy_names_the_host() -> None:
    env = {"HTTPS_PROXY": "http://proxy.corp:3128"}
    assert proxy_for("share.example.org", env) == "http://proxy.corp:3128"
    assert proxy_for("share.example.org", {"https_proxy": "http://p:1"}) == "http://p:1"
    assert proxy_for("share.example.org", {}) is None
    for no_proxy in ("example.org", ".example.org", "localhost, share.example.org:7000", "*"):
        assert proxy_for("share.example.org", {**env, "NO_PROXY": no_proxy}) is None, no_proxy
    assert proxy_for("share.example.org", {**env, "no_proxy": "other.org,ample.org"}) == "http://proxy.corp:3128"


def test_expiry_in_words() -> None:
    now = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert describe_expiry(now + timedelta(days=7, seconds=-2), now) == "2025-06-08 11:59 UTC (in 7 days)"
    assert describe_expiry(now + timedelta(hours=12), now).endswith("(in 12 hours)")
    assert describe_expiry(now + timedelta(minutes=90), now).endswith("(in 90 minutes)")


# --- the tunnel ---------------------------------------------------------------------------------------------

def test_open_share_serves_the_local_app_through_the_vhost(standin: ShareStandIn) -> None:
    _sign_in(standin.url, "pdm_mine")
    demo = _demo()
    _, local_url, _ = demo.launch(prevent_thread_lock=True, server_port=0, quiet=True)
    try:
        port = demo.server.port  # type: ignore[union-attr]
        with open_share(port, server=standin.url, label="mine", quiet=True) as share:
            assert standin.requests[-1].authorization == "Bearer pdm_mine"
            link = standin.links[share.id]
            answer = httpx.get(f"http://127.0.0.1:{standin.vhost_port}/config",
                               headers={"Host": standin.host_of(link)}, timeout=30)
            assert answer.status_code == 200 and "components" in answer.json()
            assert share.url == link["url"] and share.expires_at.tzinfo is not None
        assert share.stopped.is_set()
        assert _wait_until(lambda: not standin.tunnel.proxies())
    finally:
        demo.close(verbose=False)


def test_launch_with_share_returns_and_prints_the_public_url(
    standin: ShareStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = _demo()
    _, _, share_url = demo.launch(prevent_thread_lock=True, server_port=0, share=True,
                                  share_server_address=standin.url)
    try:
        assert share_url is not None and demo.share_url == share_url
        out = capsys.readouterr().out
        assert f"* Running on public URL: {share_url}\n" in out
        assert "* This share link expires on " in out and "(in 7 days)" in out
        link = next(iter(standin.links.values()))
        assert link["url"] == share_url
        answer = httpx.get(f"http://127.0.0.1:{standin.vhost_port}/config", headers={"Host": standin.host_of(link)},
                           timeout=30)
        assert answer.status_code == 200
    finally:
        demo.close(verbose=False)
    # Closing the app closes its tunnel: the share server drops the route.
    assert _wait_until(lambda: not standin.tunnel.proxies())


def test_launch_reads_podium_share_server(standin: ShareStandIn, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PODIUM_SHARE_SERVER", standin.url.removeprefix("http://"))
    demo = _demo()
    _, _, share_url = demo.launch(prevent_thread_lock=True, server_port=0, share=True, quiet=True)
    try:
        assert share_url is not None
        out = capsys.readouterr().out
        assert out == f"* Running on public URL: {share_url}\n"  # quiet: the URL only, as Gradio prints it
    finally:
        demo.close(verbose=False)


def test_a_refused_link_is_printed_and_the_app_stays_local(
    standin: ShareStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.refuse = Refusal(429, {"error": {"message": "too many share links from this address"}},
                             {"Retry-After": "60"})
    demo = _demo()
    _, local_url, share_url = demo.launch(prevent_thread_lock=True, server_port=0, share=True,
                                          share_server_address=standin.url)
    try:
        assert share_url is None and demo.share_url is None
        out = capsys.readouterr().out
        assert "* Could not create a share link: " in out and "too many share links" in out
        assert httpx.get(local_url + "config", timeout=30).status_code == 200
    finally:
        demo.close(verbose=False)


def test_an_unreachable_share_service_is_printed_and_the_app_stays_local(
    capsys: pytest.CaptureFixture[str]
) -> None:
    demo = _demo()
    _, local_url, share_url = demo.launch(prevent_thread_lock=True, server_port=0, share=True,
                                          share_server_address=f"127.0.0.1:{_closed_port()}")
    try:
        assert share_url is None
        assert "* Could not create a share link: no share service at http://127.0.0.1:" in capsys.readouterr().out
        assert httpx.get(local_url + "config", timeout=30).status_code == 200
    finally:
        demo.close(verbose=False)


class _RefusingPolicy(OpenPolicy):
    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
        raise Rejected("this share link has expired")


def test_a_tunnel_the_share_server_refuses_is_a_share_error() -> None:
    standin = ShareStandIn(policy=_RefusingPolicy())
    try:
        with pytest.raises(ShareError, match="the share server refused the tunnel: this share link has expired"):
            open_share(_closed_port(), server=standin.url, quiet=True)
    finally:
        standin.close()


def test_revoking_a_served_link_stops_it_with_a_message(
    standin: ShareStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    share = open_share(_closed_port(), server=standin.url)
    try:
        standin.call(standin.tunnel.close_proxy(standin.links[share.id]["subdomain"], "revoked by its owner"))
        assert share.stopped.wait(30)
        assert f"* The share link {share.url} stopped: " in capsys.readouterr().out
    finally:
        share.close()


def test_lifecycle_messages(standin: ShareStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    link = request_link(standin.url, token=None)
    share = Share(link)
    share.handle_event(TunnelEvent("connected", "connected"))
    share.handle_event(TunnelEvent("disconnected", "the tunnel server closed the connection"))
    share.handle_event(TunnelEvent("reconnecting", "reconnecting in 1 s: connection refused", 1.0))
    share.handle_event(TunnelEvent("reconnecting", "reconnecting in 2 s: connection refused", 2.0))
    share.handle_event(TunnelEvent("connected", "connected"))
    share.handle_event(TunnelEvent("killed", "the share server ended this tunnel (expired or revoked)"))
    assert capsys.readouterr().out.splitlines() == [
        "* The share link lost its connection; reconnecting in 1 s: connection refused",
        "* The share link is still offline; reconnecting in 2 s: connection refused",
        f"* The share link is back: {link.url}",
        f"* The share link {link.url} stopped: the share server ended this tunnel (expired or revoked)",
    ]
    assert share.stopped.is_set() and share.stop_reason is not None
    quiet = Share(link, quiet=True)
    quiet.handle_event(TunnelEvent("reconnecting", "reconnecting in 1 s: x", 1.0))
    assert capsys.readouterr().out == ""


# --- the tunnel's own process -----------------------------------------------------------------------------------

PARENT = """
import sys, time
from podium.share import open_share
share = open_share(int(sys.argv[1]), server=sys.argv[2], quiet=True)
print("URL", share.url, flush=True)
time.sleep(600)
"""


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def test_the_tunnel_process_keeps_the_token_off_its_command_line_and_ends_with_its_parent(
    standin: ShareStandIn, tmp_path: Path
) -> None:
    """The SDK runs the tunnel in `python -m podium.share_tunnel`; killing the app (SIGKILL: no clean-up) closes
    the child's stdin, so the child closes the tunnel and exits instead of serving a dead app's link."""
    import signal
    import subprocess
    import sys

    demo = _demo()
    demo.launch(prevent_thread_lock=True, server_port=0, quiet=True)
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(demo.server.port), standin.url],  # type: ignore[union-attr]
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        assert line.startswith("URL "), line
        link = next(iter(standin.links.values()))
        answer = httpx.get(f"http://127.0.0.1:{standin.vhost_port}/config", headers={"Host": standin.host_of(link)},
                           timeout=30)
        assert answer.status_code == 200
        children = _children(parent.pid)
        assert len(children) == 1
        command_line = Path(f"/proc/{children[0]}/cmdline").read_bytes().split(b"\0")
        assert b"podium.share_tunnel" in command_line
        assert not any(link["token"].encode() in part for part in command_line)

        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        assert _wait_until(lambda: not Path(f"/proc/{children[0]}").exists()
                           or "Z" in Path(f"/proc/{children[0]}/stat").read_text().rsplit(")", 1)[1].split()[:1])
        assert _wait_until(lambda: not standin.tunnel.proxies())
    finally:
        if parent.poll() is None:
            parent.kill()
        demo.close(verbose=False)
