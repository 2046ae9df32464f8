"""The frps server-plugin protocol answered by a Policy (podium_tunnel.plugin): exact JSON answers per op."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import tomllib

from podium_tunnel.plugin import (
    DEFAULT_OPS,
    PluginHandler,
    PluginRequestError,
    frps_plugin_config,
    handle_plugin_request,
    handler_for,
    toml_string,
)
from podium_tunnel.policy import (
    LoginRequest,
    OpenPolicy,
    ProxyGrant,
    ProxyRequest,
    Rejected,
    gradio_subdomain,
)

pytestmark = pytest.mark.anyio

USER = {"user": "alice", "metas": {"team": "ml"}, "run_id": "a1b2c3d4e5f60718"}

# What Gradio's frpc sends (v0.44 CLI: empty flags become [""]), as frps passes it to the plugin.
GRADIO_NEW_PROXY: dict[str, Any] = {
    "user": USER,
    "proxy_name": "tok-123",
    "proxy_type": "http",
    "use_encryption": True,
    "use_compression": True,
    "custom_domains": [""],
    "subdomain": "random",
    "locations": [""],
}


def call(op: str, content: Mapping[str, Any]) -> dict[str, Any]:
    return {"version": "0.1.0", "op": op, "content": dict(content)}


class Recorder(OpenPolicy):
    """OpenPolicy that records each call, refuses what it is told to, and runs on a settable clock."""

    def __init__(self, refuse: Sequence[str] = ()) -> None:
        self.clock = 1_000_000.0
        super().__init__(max_lifetime_s=3600, clock=lambda: self.clock)
        self.refuse = set(refuse)
        self.calls: list[tuple[str, Any]] = []

    def _check(self, op: str) -> None:
        if op in self.refuse:
            raise Rejected(f"no {op} for you")

    async def login(self, request: LoginRequest) -> None:
        self.calls.append(("login", request))
        self._check("login")

    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
        self.calls.append(("new_proxy", request))
        self._check("new_proxy")
        return ProxyGrant(subdomain="granted-sub", expires_at=self.clock + 3600, link_id="link-1")

    async def new_work_conn(self, run_id: str) -> None:
        self.calls.append(("new_work_conn", run_id))
        self._check("new_work_conn")

    async def ping(self, run_id: str) -> None:
        self.calls.append(("ping", run_id))
        self._check("ping")

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        self.calls.append(("proxy_closed", (run_id, grant)))
        if "proxy_closed" in self.refuse:
            raise RuntimeError("a buggy policy")


def dumps(answer: dict[str, Any]) -> str:
    return json.dumps(answer, sort_keys=True)


async def test_login_allowed_as_is_and_the_request_carries_every_field() -> None:
    policy = Recorder()
    content = {
        "version": "0.61.1",
        "hostname": "laptop",
        "os": "linux",
        "arch": "amd64",
        "user": "alice",
        "privilege_key": "24920decf83f6960b80f737a28eeafc1",
        "timestamp": 1700000000,
        "run_id": "",
        "metas": {"k": "v"},
        "pool_count": 2,
        "client_address": "203.0.113.5:50000",
        "client_spec": {},
    }
    answer = await PluginHandler(policy).handle("Login", call("Login", content))
    assert dumps(answer) == '{"reject": false, "unchange": true}'
    assert policy.calls == [
        (
            "login",
            LoginRequest(
                run_id="",
                client_address="203.0.113.5:50000",
                version="0.61.1",
                hostname="laptop",
                os="linux",
                arch="amd64",
                user="alice",
                privilege_key="24920decf83f6960b80f737a28eeafc1",
                timestamp=1700000000,
                pool_count=2,
                metas={"k": "v"},
            ),
        )
    ]


async def test_login_rejected_gives_the_reason() -> None:
    answer = await PluginHandler(Recorder(refuse=["login"])).handle("Login", call("Login", {"version": "0.44.0"}))
    assert dumps(answer) == '{"reject": true, "reject_reason": "no login for you"}'


async def test_new_proxy_replaces_the_whole_content_with_the_granted_subdomain() -> None:
    policy = Recorder()
    content = dict(GRADIO_NEW_PROXY, custom_domains=["", "evil.example.com"], headers={"X-A": "1"})
    answer = await PluginHandler(policy).handle("NewProxy", call("NewProxy", content))
    expected_content = dict(content, subdomain="granted-sub", custom_domains=[])
    assert answer == {"reject": False, "unchange": False, "content": expected_content}
    # `unchange` must be a JSON boolean: frps fails to decode the string "false" and refuses the proxy
    assert '"unchange": false' in dumps(answer)
    [(kind, request)] = policy.calls
    assert kind == "new_proxy"
    assert request == ProxyRequest(
        run_id="a1b2c3d4e5f60718",
        client_address="",
        user="alice",
        login_metas={"team": "ml"},
        proxy_name="tok-123",
        proxy_type="http",
        subdomain="random",
        custom_domains=("evil.example.com",),
        locations=("",),
        use_encryption=True,
        use_compression=True,
        metas={},
        raw=content,
    )


async def test_new_proxy_with_open_policy_derives_the_gradio_subdomain() -> None:
    answer = await handle_plugin_request(OpenPolicy(), "NewProxy", call("NewProxy", GRADIO_NEW_PROXY))
    assert answer["reject"] is False and answer["unchange"] is False
    assert answer["content"]["subdomain"] == gradio_subdomain("tok-123")
    assert answer["content"]["proxy_name"] == "tok-123"
    assert answer["content"]["user"] == USER


async def test_new_proxy_rejected() -> None:
    answer = await handle_plugin_request(
        OpenPolicy(), "NewProxy", call("NewProxy", dict(GRADIO_NEW_PROXY, proxy_type="tcp"))
    )
    assert answer == {"reject": True, "reject_reason": "proxy type 'tcp' is not served here; use an http proxy"}


async def test_work_conn_and_ping_go_to_the_policy_by_run_id() -> None:
    policy = Recorder()
    handler = PluginHandler(policy)
    work = {"user": USER, "run_id": "a1b2c3d4e5f60718", "timestamp": 1, "privilege_key": "x"}
    assert await handler.handle("NewWorkConn", call("NewWorkConn", work)) == {"reject": False, "unchange": True}
    ping = {"user": USER, "timestamp": 1, "privilege_key": "x"}
    assert await handler.handle("Ping", call("Ping", ping)) == {"reject": False, "unchange": True}
    assert policy.calls == [("new_work_conn", "a1b2c3d4e5f60718"), ("ping", "a1b2c3d4e5f60718")]

    refusing = PluginHandler(Recorder(refuse=["new_work_conn", "ping"]))
    assert await refusing.handle("NewWorkConn", call("NewWorkConn", work)) == {
        "reject": True,
        "reject_reason": "no new_work_conn for you",
    }
    assert await refusing.handle("Ping", call("Ping", ping)) == {"reject": True, "reject_reason": "no ping for you"}


async def test_work_conns_and_pings_are_refused_once_every_grant_of_the_client_expired() -> None:
    policy = Recorder()
    handler = PluginHandler(policy)
    await handler.handle("NewProxy", call("NewProxy", GRADIO_NEW_PROXY))
    work = call("NewWorkConn", {"user": USER, "run_id": USER["run_id"]})
    assert (await handler.handle("NewWorkConn", work))["reject"] is False
    policy.clock += 3600  # the grant's expires_at
    expired = {"reject": True, "reject_reason": "this share link has expired; create a new one"}
    assert await handler.handle("NewWorkConn", work) == expired
    assert await handler.handle("Ping", call("Ping", {"user": USER})) == expired
    # another client is not affected
    other = call("NewWorkConn", {"user": dict(USER, run_id="ffff"), "run_id": "ffff"})
    assert (await handler.handle("NewWorkConn", other))["reject"] is False


async def test_close_proxy_calls_proxy_closed_with_the_grant_new_proxy_gave() -> None:
    policy = Recorder()
    handler = PluginHandler(policy)
    await handler.handle("NewProxy", call("NewProxy", GRADIO_NEW_PROXY))
    assert handler.grants(USER["run_id"]) == [ProxyGrant("granted-sub", 1_000_000.0 + 3600, "link-1")]
    answer = await handler.handle("CloseProxy", call("CloseProxy", {"user": USER, "proxy_name": "tok-123"}))
    assert answer == {"reject": False, "unchange": True}
    assert policy.calls[-1] == (
        "proxy_closed",
        (USER["run_id"], ProxyGrant("granted-sub", 1_000_000.0 + 3600, "link-1")),
    )
    assert handler.grants(USER["run_id"]) == []
    # a second CloseProxy (or one for a proxy never granted here) is allowed and calls nothing
    count = len(policy.calls)
    assert (await handler.handle("CloseProxy", call("CloseProxy", {"user": USER, "proxy_name": "tok-123"})))[
        "reject"
    ] is False
    assert len(policy.calls) == count


async def test_close_proxy_survives_a_failing_policy() -> None:
    policy = Recorder(refuse=["proxy_closed"])
    handler = PluginHandler(policy)
    await handler.handle("NewProxy", call("NewProxy", GRADIO_NEW_PROXY))
    answer = await handler.handle("CloseProxy", call("CloseProxy", {"user": USER, "proxy_name": "tok-123"}))
    assert answer == {"reject": False, "unchange": True}


async def test_handle_plugin_request_keeps_one_handler_per_policy() -> None:
    policy = Recorder()
    assert handler_for(policy) is handler_for(policy)
    assert handler_for(policy) is not handler_for(Recorder())
    await handle_plugin_request(policy, "NewProxy", call("NewProxy", GRADIO_NEW_PROXY))
    await handle_plugin_request(policy, "CloseProxy", call("CloseProxy", {"user": USER, "proxy_name": "tok-123"}))
    assert [kind for kind, _ in policy.calls] == ["new_proxy", "proxy_closed"]


async def test_unknown_op_is_allowed_unchanged() -> None:
    answer = await handle_plugin_request(OpenPolicy(), "NewUserConn", call("NewUserConn", {"user": USER}))
    assert answer == {"reject": False, "unchange": True}
    assert await handle_plugin_request(OpenPolicy(), "", call("SomethingNew", {})) == {
        "reject": False,
        "unchange": True,
    }


@pytest.mark.parametrize(
    ("op", "body", "message"),
    [
        ("Login", [], "must be a JSON object"),
        ("Login", "text", "must be a JSON object"),
        ("Login", {"content": {}}, 'needs "op"'),
        ("Login", {"op": 3, "content": {}}, 'needs "op"'),
        ("Login", {"op": "Login"}, 'needs "content"'),
        ("Login", {"op": "Login", "content": []}, 'needs "content"'),
        ("Ping", {"op": "Login", "content": {}}, "does not match"),
        ("Login", {"op": "Login", "content": {"timestamp": "soon"}}, '"timestamp" must be an integer'),
        ("Login", {"op": "Login", "content": {"metas": {"a": 1}}}, '"metas" must be an object of strings'),
        ("NewProxy", {"op": "NewProxy", "content": {"user": "alice"}}, '"user" must be a JSON object'),
        ("NewProxy", {"op": "NewProxy", "content": {"proxy_name": 7}}, '"proxy_name" must be a string'),
        ("NewProxy", {"op": "NewProxy", "content": {"use_encryption": "yes"}}, "must be true or false"),
        ("NewProxy", {"op": "NewProxy", "content": {"custom_domains": "a.example"}}, "must be a list of strings"),
    ],
)
async def test_malformed_bodies_raise_plugin_request_error(op: str, body: Any, message: str) -> None:
    with pytest.raises(PluginRequestError, match=message):
        await handle_plugin_request(OpenPolicy(), op, body)
    assert issubclass(PluginRequestError, ValueError)


def test_frps_plugin_config_parses_back() -> None:
    text = frps_plugin_config("podium", "127.0.0.1:8700", '/api/share/frps-plugin/s3cr"et')
    assert tomllib.loads(text) == {
        "httpPlugins": [
            {
                "name": "podium",
                "addr": "127.0.0.1:8700",
                "path": '/api/share/frps-plugin/s3cr"et',
                "ops": list(DEFAULT_OPS),
            }
        ]
    }
    two = text + "\n" + frps_plugin_config("audit", "https://audit.example:443", "/hook", ops=["Login"])
    assert [p["name"] for p in tomllib.loads(two)["httpPlugins"]] == ["podium", "audit"]
    with pytest.raises(ValueError, match="must start with '/'"):
        frps_plugin_config("x", "h:1", "hook")
    with pytest.raises(ValueError, match="at least one op"):
        frps_plugin_config("x", "h:1", "/hook", ops=[])


@pytest.mark.parametrize(
    "value", ["", "plain", 'quo"te', "back\\slash", "tab\tnew\nline\r\x08\x0c", "\x00\x1f\x7f", "ünïcödé ☃"]
)
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"v = {toml_string(value)}") == {"v": value}
