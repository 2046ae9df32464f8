"""A stock frps's HTTP server-plugin protocol, answered by a `Policy`.

frps (v0.52+) configured with an `[[httpPlugins]]` block POSTs `{"version": "0.1.0", "op": OP, "content": {...}}`
to the plugin for each op it lists and obeys the answer: `{"reject": false, "unchange": true}` allows as is,
`{"reject": true, "reject_reason": R}` refuses (R reaches the client), `{"reject": false, "unchange": false,
"content": {...}}` allows with the whole content replaced. `PluginHandler` maps the ops onto a `Policy`:

- Login -> `policy.login`; NewProxy -> `policy.new_proxy`, answered with the client's NewProxy content with the
  subdomain the policy granted (custom domains removed, so a client cannot claim someone else's host);
- NewWorkConn -> `policy.new_work_conn`, Ping -> `policy.ping`; both are also refused once every proxy the
  client holds is past its grant's `expires_at`, since a stock frps has no expiry of its own;
- CloseProxy -> `policy.proxy_closed` with the grant NewProxy gave (remembered here, in memory).

The web layer answers `PluginRequestError` with HTTP 400 and every other answer with HTTP 200 and the JSON.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from podium_tunnel.policy import LoginRequest, Policy, ProxyGrant, ProxyRequest, Rejected

logger = logging.getLogger(__name__)

DEFAULT_OPS: tuple[str, ...] = ("Login", "NewProxy", "NewWorkConn", "Ping", "CloseProxy")
PLUGIN_PROTOCOL_VERSION = "0.1.0"
MAX_REMEMBERED_GRANTS = 100_000  # a frps that never sends CloseProxy must not grow the map without bound

ALLOW: dict[str, Any] = {"reject": False, "unchange": True}


class PluginRequestError(ValueError):
    """The request is not a server-plugin call this module understands (the web layer answers 400)."""


class PluginHandler:
    """Answers one frps's plugin calls with `policy`; keeps the grants of live proxies for CloseProxy and expiry.

    Keep one handler per policy for the life of the server (`handle_plugin_request` does that for you).
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._grants: dict[tuple[str, str], ProxyGrant] = {}  # (run_id, proxy_name) -> grant

    def grants(self, run_id: str) -> list[ProxyGrant]:
        """The grants of the proxies client `run_id` holds now (as far as the plugin calls told)."""
        return [grant for (rid, _), grant in self._grants.items() if rid == run_id]

    async def handle(self, op: str, body: Any) -> dict[str, Any]:
        """The JSON answer to one plugin call. `op` is the query string's op ("" when unknown)."""
        body_op, content = _parse_body(op, body)
        handler = self._ops.get(body_op)
        if handler is None:
            return dict(ALLOW)  # an op newer than this module: allow, as frps would without the plugin
        try:
            return await handler(self, content)
        except Rejected as exc:
            return {"reject": True, "reject_reason": exc.reason}

    async def _login(self, content: Mapping[str, Any]) -> dict[str, Any]:
        request = LoginRequest(
            run_id=_str(content, "run_id"),  # empty on a first login: frps assigns the run id after the plugin
            client_address=_str(content, "client_address"),
            version=_str(content, "version"),
            hostname=_str(content, "hostname"),
            os=_str(content, "os"),
            arch=_str(content, "arch"),
            user=_str(content, "user"),
            privilege_key=_str(content, "privilege_key"),
            timestamp=_int(content, "timestamp"),
            pool_count=_int(content, "pool_count"),
            metas=_str_map(content, "metas"),
        )
        await self.policy.login(request)
        return dict(ALLOW)

    async def _new_proxy(self, content: Mapping[str, Any]) -> dict[str, Any]:
        user = _user(content)
        run_id = _str(user, "run_id")
        request = ProxyRequest(
            run_id=run_id,
            client_address="",  # frps does not send it with NewProxy
            user=_str(user, "user"),
            login_metas=_str_map(user, "metas"),
            proxy_name=_str(content, "proxy_name"),
            proxy_type=_str(content, "proxy_type"),
            subdomain=_str(content, "subdomain"),
            custom_domains=tuple(d for d in _str_list(content, "custom_domains") if d),
            locations=tuple(_str_list(content, "locations")),
            use_encryption=_bool(content, "use_encryption"),
            use_compression=_bool(content, "use_compression"),
            metas=_str_map(content, "metas"),
            raw=dict(content),
        )
        grant = await self.policy.new_proxy(request)
        self._remember(run_id, request.proxy_name, grant)
        new_content = dict(content)
        new_content["subdomain"] = grant.subdomain
        new_content["custom_domains"] = []
        return {"reject": False, "unchange": False, "content": new_content}

    async def _new_work_conn(self, content: Mapping[str, Any]) -> dict[str, Any]:
        run_id = _str(content, "run_id") or _str(_user(content), "run_id")
        self._refuse_if_expired(run_id)
        await self.policy.new_work_conn(run_id)
        return dict(ALLOW)

    async def _ping(self, content: Mapping[str, Any]) -> dict[str, Any]:
        run_id = _str(_user(content), "run_id")
        self._refuse_if_expired(run_id)
        await self.policy.ping(run_id)
        return dict(ALLOW)

    async def _close_proxy(self, content: Mapping[str, Any]) -> dict[str, Any]:
        run_id = _str(_user(content), "run_id")
        grant = self._grants.pop((run_id, _str(content, "proxy_name")), None)
        if grant is None:
            return dict(ALLOW)  # a proxy this process never granted (e.g. before a restart): nothing to release
        try:
            await self.policy.proxy_closed(run_id, grant)
        except Exception:  # frps ignores the answer; a policy bug must not turn into a 500 for it
            logger.exception("policy.proxy_closed failed for link %s", grant.link_id)
        return dict(ALLOW)

    def _remember(self, run_id: str, proxy_name: str, grant: ProxyGrant) -> None:
        key = (run_id, proxy_name)
        self._grants.pop(key, None)  # re-insert at the end: the oldest entries go first when full
        self._grants[key] = grant
        while len(self._grants) > MAX_REMEMBERED_GRANTS:
            del self._grants[next(iter(self._grants))]

    def _refuse_if_expired(self, run_id: str) -> None:
        grants = self.grants(run_id)
        if not grants:
            return
        now = self.policy.now()
        if all(g.expires_at is not None and g.expires_at <= now for g in grants):
            raise Rejected("this share link has expired; create a new one")

    _ops = {
        "Login": _login,
        "NewProxy": _new_proxy,
        "NewWorkConn": _new_work_conn,
        "Ping": _ping,
        "CloseProxy": _close_proxy,
    }


_handlers: weakref.WeakKeyDictionary[Any, PluginHandler] = weakref.WeakKeyDictionary()
_strong_handlers: dict[int, tuple[Policy, PluginHandler]] = {}  # policies that cannot be weakly referenced


def handler_for(policy: Policy) -> PluginHandler:
    """The one `PluginHandler` of `policy` (created on first use, dropped with the policy)."""
    try:
        handler = _handlers.get(policy)
        if handler is None:
            handler = _handlers[policy] = PluginHandler(policy)
        return handler
    except TypeError:  # no weak references to this object: keep it for the life of the process
        entry = _strong_handlers.get(id(policy))
        if entry is None or entry[0] is not policy:
            entry = _strong_handlers[id(policy)] = (policy, PluginHandler(policy))
        return entry[1]


async def handle_plugin_request(policy: Policy, op: str, body: Any) -> dict[str, Any]:
    """Answer one frps plugin call (`op` from the query string, `body` the decoded JSON) with `policy`.

    Raises `PluginRequestError` when `body` is not a plugin call. The grants NewProxy hands out are remembered
    per policy object, so call this with the same policy object for the life of the server.
    """
    return await handler_for(policy).handle(op, body)


def toml_string(value: str) -> str:
    """`value` as a TOML basic string, quotes included."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _TOML_SHORT_ESCAPES:
            out.append(_TOML_SHORT_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_TOML_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def frps_plugin_config(name: str, addr: str, path: str, ops: Sequence[str] = DEFAULT_OPS) -> str:
    """The `[[httpPlugins]]` block of frps.toml (v0.52+) that sends `ops` to `addr` + `path`.

    `addr` is `host:port` (plain HTTP) or `https://host:port`; `path` starts with "/".
    """
    if not path.startswith("/"):
        raise ValueError(f"plugin path {path!r} must start with '/'")
    if not ops:
        raise ValueError("a server plugin needs at least one op (e.g. Login, NewProxy)")
    op_list = ", ".join(toml_string(op) for op in ops)
    return (
        "[[httpPlugins]]\n"
        f"name = {toml_string(name)}\n"
        f"addr = {toml_string(addr)}\n"
        f"path = {toml_string(path)}\n"
        f"ops = [{op_list}]\n"
    )


# --- reading the request: frps sends Go's JSON, where every empty field may be absent ---


def _parse_body(op: str, body: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise PluginRequestError("a server-plugin request body must be a JSON object")
    body_op = body.get("op")
    if not isinstance(body_op, str) or not body_op:
        raise PluginRequestError('a server-plugin request body needs "op" (a string)')
    if op and op != body_op:
        raise PluginRequestError(f"the query string's op {op!r} does not match the body's op {body_op!r}")
    content = body.get("content")
    if not isinstance(content, Mapping):
        raise PluginRequestError('a server-plugin request body needs "content" (a JSON object)')
    return body_op, content


def _user(content: Mapping[str, Any]) -> Mapping[str, Any]:
    user = content.get("user")
    if user is None:
        return {}
    if not isinstance(user, Mapping):
        raise PluginRequestError('"user" must be a JSON object')
    return user


def _str(content: Mapping[str, Any], key: str) -> str:
    value = content.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PluginRequestError(f'"{key}" must be a string')
    return value


def _int(content: Mapping[str, Any], key: str) -> int:
    value = content.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise PluginRequestError(f'"{key}" must be an integer')
    return value


def _bool(content: Mapping[str, Any], key: str) -> bool:
    value = content.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PluginRequestError(f'"{key}" must be true or false')
    return value


def _str_list(content: Mapping[str, Any], key: str) -> list[str]:
    value = content.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PluginRequestError(f'"{key}" must be a list of strings')
    return list(value)


def _str_map(content: Mapping[str, Any], key: str) -> dict[str, str]:
    value = content.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PluginRequestError(f'"{key}" must be an object of strings')
    return dict(value)
