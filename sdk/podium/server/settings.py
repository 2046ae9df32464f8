"""`ServerSettings`: everything `launch()` needs, from its keyword arguments, then env vars, then defaults.

Every setting that Gradio reads from a `GRADIO_*` env var is also read from `PODIUM_*`; the `PODIUM_` one
wins when both are set. A keyword argument passed to `launch()` wins over both.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podium.files.sizes import parse_size

DEFAULT_SERVER_NAME = "127.0.0.1"
DEFAULT_SERVER_PORT = 7860
DEFAULT_NUM_PORTS = 100  # 7860..7959, like Gradio
DEFAULT_MAX_FILE_SIZE = 100 * 1024**2
DEFAULT_HEARTBEAT_INTERVAL = 15.0

AuthSpec = Callable[[str, str], Any] | Sequence[tuple[str, str]] | tuple[str, str] | None

# launch() arguments Podium accepts; anything else gets a warning.
_LAUNCH_KWARGS = frozenset(
    {
        "server_name", "server_port", "root_path", "auth", "auth_message", "max_file_size", "allowed_paths",
        "blocked_paths", "max_threads", "show_error", "ssl_keyfile", "ssl_certfile", "ssl_keyfile_password",
        "ssl_verify", "prevent_thread_lock", "quiet", "inbrowser", "share", "favicon_path", "show_api",
        "strict_cors", "theme", "css", "js", "head", "css_paths", "head_paths", "app_kwargs",
        "state_session_capacity", "delete_cache", "debug", "height", "width", "enable_monitoring",
        "share_server_address", "share_server_protocol", "share_server_tls_certificate", "auth_dependency",
        "node_server_name", "node_port", "ssr_mode", "pwa", "mcp_server", "i18n", "footer_links", "_frontend",
        "max_queue_size", "default_concurrency_limit", "heartbeat_interval", "temp_dir", "num_ports",
        "allowed_cors_origins",
    }
)
# Arguments that are accepted for compatibility and have no effect (no warning for these).
_IGNORED_KWARGS = frozenset(
    {
        "inbrowser", "debug", "height", "width", "enable_monitoring", "share_server_address",
        "share_server_protocol", "share_server_tls_certificate", "node_server_name", "node_port",
        "pwa", "mcp_server", "i18n", "_frontend",
    }
)


def env_value(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """`PODIUM_<name>` if set, else `GRADIO_<name>`, else None. Empty strings count as unset."""
    env = os.environ if environ is None else environ
    for prefix in ("PODIUM_", "GRADIO_"):
        value = env.get(prefix + name)
        if value is not None and value.strip() != "":
            return value.strip()
    return None


def _env_bool(name: str, environ: Mapping[str, str] | None) -> bool | None:
    value = env_value(name, environ)
    if value is None:
        return None
    return value.lower() in ("1", "true", "yes", "on")


def _env_paths(name: str, environ: Mapping[str, str] | None) -> list[str]:
    value = env_value(name, environ)
    return [p.strip() for p in value.split(",") if p.strip()] if value else []


def _env_number(name: str, environ: Mapping[str, str] | None, kind: Callable[[str], Any]) -> Any:
    value = env_value(name, environ)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ValueError(
            f"Environment variable PODIUM_{name} / GRADIO_{name} is {value!r}, which is not a valid "
            f"{kind.__name__}."
        ) from None


@dataclass
class ServerSettings:
    """How the app server runs. Build it with `ServerSettings.from_launch_kwargs(kwargs)`."""

    server_name: str = DEFAULT_SERVER_NAME
    server_port: int = DEFAULT_SERVER_PORT
    port_explicit: bool = False  # a port given by the user is used as is; otherwise the next free one is taken
    num_ports: int = DEFAULT_NUM_PORTS
    root_path: str = ""
    auth: AuthSpec = None
    auth_message: str | None = None
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE
    allowed_paths: list[str] = field(default_factory=list)
    blocked_paths: list[str] = field(default_factory=list)
    temp_dir: str | None = None
    max_threads: int = 40
    show_error: bool = False
    ssl_keyfile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile_password: str | None = None
    ssl_verify: bool = True
    prevent_thread_lock: bool = False
    quiet: bool = False
    share: bool = False
    favicon_path: str | None = None
    show_api: bool = True
    strict_cors: bool = True
    app_kwargs: dict[str, Any] = field(default_factory=dict)
    state_session_capacity: int = 10000
    delete_cache: tuple[int, int] | None = None
    default_concurrency_limit: int | None = 1
    max_queue_size: int | None = None
    heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL
    allowed_cors_origins: list[str] = field(default_factory=list)
    ssr_mode: bool = True  # the page at `/` comes with every component already rendered (Python SSR)
    # Deep links (docs/design/deep-links.md): the platform's API and token select its store, else the local one.
    deep_link_api: str | None = None
    deep_link_token: str | None = None
    deep_link_dir: str | None = None
    deep_link_ttl_days: float = 30.0
    deep_link_max_bytes: int = 524288
    deep_link_store_mb: float = 64.0

    @property
    def ssl_enabled(self) -> bool:
        return self.ssl_keyfile is not None and self.ssl_certfile is not None

    @classmethod
    def from_launch_kwargs(
        cls, kwargs: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> ServerSettings:
        """Settings from `launch()` keyword arguments, then `PODIUM_*`/`GRADIO_*` env vars, then defaults.

        Unknown keyword arguments raise a warning and are ignored.
        """
        kw = dict(kwargs or {})
        unknown = sorted(set(kw) - _LAUNCH_KWARGS)
        if unknown:
            warnings.warn(
                f"launch() does not support the argument(s) {', '.join(unknown)}; Podium ignores them.",
                UserWarning,
                stacklevel=3,
            )
        s = cls()

        def pick(name: str, env: Any) -> Any:
            value = kw.get(name)
            return value if value is not None else env

        s.server_name = pick("server_name", env_value("SERVER_NAME", environ)) or DEFAULT_SERVER_NAME
        port = pick("server_port", _env_number("SERVER_PORT", environ, int))
        s.port_explicit = port is not None
        try:
            s.server_port = int(port) if port is not None else DEFAULT_SERVER_PORT
        except (TypeError, ValueError):
            raise ValueError(f"server_port must be an integer port number, not {port!r}.") from None
        if not 0 <= s.server_port <= 65535:
            raise ValueError(f"server_port must be between 0 and 65535, not {s.server_port}.")
        s.num_ports = int(pick("num_ports", _env_number("NUM_PORTS", environ, int)) or DEFAULT_NUM_PORTS)
        root_path = pick("root_path", env_value("ROOT_PATH", environ)) or ""
        s.root_path = root_path.rstrip("/")
        if s.root_path and not s.root_path.startswith(("/", "http://", "https://")):
            s.root_path = "/" + s.root_path
        s.auth = kw.get("auth")
        s.auth_message = kw.get("auth_message")
        if "max_file_size" in kw:
            s.max_file_size = parse_size(kw["max_file_size"])
        else:
            env_size = env_value("MAX_FILE_SIZE", environ)
            s.max_file_size = parse_size(env_size) if env_size is not None else DEFAULT_MAX_FILE_SIZE
        s.allowed_paths = [str(p) for p in (kw.get("allowed_paths") or [])] + _env_paths("ALLOWED_PATHS", environ)
        s.blocked_paths = [str(p) for p in (kw.get("blocked_paths") or [])] + _env_paths("BLOCKED_PATHS", environ)
        s.temp_dir = pick("temp_dir", env_value("TEMP_DIR", environ))
        s.max_threads = int(kw.get("max_threads") or 40)
        show_error = pick("show_error", _env_bool("SHOW_ERROR", environ))
        s.show_error = bool(show_error) if show_error is not None else False
        s.ssl_keyfile = kw.get("ssl_keyfile")
        s.ssl_certfile = kw.get("ssl_certfile")
        s.ssl_keyfile_password = kw.get("ssl_keyfile_password")
        s.ssl_verify = bool(kw.get("ssl_verify", True))
        s.prevent_thread_lock = bool(kw.get("prevent_thread_lock", False))
        s.quiet = bool(kw.get("quiet", False))
        s.share = bool(kw.get("share", False))
        s.favicon_path = str(kw["favicon_path"]) if kw.get("favicon_path") else None
        s.show_api = bool(kw.get("show_api", True))
        s.strict_cors = bool(kw.get("strict_cors", True))
        s.app_kwargs = dict(kw.get("app_kwargs") or {})
        s.state_session_capacity = int(kw.get("state_session_capacity") or 10000)
        s.delete_cache = kw.get("delete_cache")
        s.allowed_cors_origins = list(kw.get("allowed_cors_origins") or [])
        if "default_concurrency_limit" in kw:
            s.default_concurrency_limit = kw["default_concurrency_limit"]
        else:
            env_limit = env_value("DEFAULT_CONCURRENCY_LIMIT", environ)
            if env_limit is not None:
                s.default_concurrency_limit = None if env_limit.lower() == "none" else int(env_limit)
        s.max_queue_size = kw.get("max_queue_size")
        interval = pick("heartbeat_interval", _env_number("HEARTBEAT_INTERVAL", environ, float))
        s.heartbeat_interval = float(interval) if interval is not None else DEFAULT_HEARTBEAT_INTERVAL
        ssr_mode = pick("ssr_mode", _env_bool("SSR_MODE", environ))
        s.ssr_mode = bool(ssr_mode) if ssr_mode is not None else True
        if s.heartbeat_interval <= 0:
            raise ValueError("The heartbeat interval must be a positive number of seconds.")
        s.deep_link_api = env_value("DEEP_LINK_API", environ)
        s.deep_link_token = env_value("DEEP_LINK_TOKEN", environ)
        s.deep_link_dir = env_value("DEEP_LINK_DIR", environ)
        for name, kind in (("ttl_days", float), ("max_bytes", int), ("store_mb", float)):
            value = _env_number(f"DEEP_LINK_{name.upper()}", environ, kind)
            if value is not None:
                if value <= 0:
                    raise ValueError(f"PODIUM_DEEP_LINK_{name.upper()} must be a positive number, not {value}.")
                setattr(s, f"deep_link_{name}", value)
        return s


__all__ = ["ServerSettings", "env_value"]
