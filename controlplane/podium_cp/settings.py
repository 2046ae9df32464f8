"""The control plane's settings, read from `PODIUM_*` environment variables (documented in docs/controlplane.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHARE_MAX_LIFETIME_S = 7 * 24 * 3600  # a share link lives at most one week
DEEP_LINK_MAX_BYTES = 512 * 1024  # a deep link's snapshot, as JSON
DEEP_LINK_RETENTION_DAYS = 30  # how long a new Space keeps its deep links (1 to 365)
_UNSET_PATH = Path("")  # a path setting left to its default (which depends on another setting)
# The web console's build in a checkout (controlplane/podium_cp/settings.py -> the repository's root).
DEFAULT_CONSOLE_DIR = Path(__file__).resolve().parents[2] / "frontend_dist" / "build" / "console"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to set."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use true or false")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None


@dataclass(frozen=True)
class OidcProviderSettings:
    """One upstream OpenID Connect / OAuth2 provider users can sign in with."""

    name: str  # in URLs: /api/auth/oidc/{name}/login
    display_name: str
    client_id: str
    client_secret: str
    # Generic OIDC: the issuer's discovery document. GitHub (plain OAuth2) has none: its preset sets endpoints.
    discovery_url: str | None = None
    scope: str = "openid email profile"
    kind: str = "oidc"  # "oidc" | "github"


@dataclass(frozen=True)
class Settings:
    """Everything the control plane reads from the environment, parsed once."""

    database_url: str
    data_dir: Path
    # The public URL of the API/console (issuer of the OIDC provider, base of redirect URIs), no trailing slash.
    public_url: str = "http://127.0.0.1:8700"
    # Secret-encryption keyring: "kid:base64key,kid2:base64key"; the first key encrypts, every key decrypts.
    secret_keys: str = ""
    # Cookies get the Secure flag (off only for plain-HTTP development on localhost).
    cookie_secure: bool = False
    session_days: int = 14
    session_idle_days: int = 2
    # "open": anyone may sign up; "closed": only the first user (the site admin) and invited users.
    signup: str = "open"
    oidc_providers: tuple[OidcProviderSettings, ...] = field(default_factory=tuple)
    # Outbound HTTP of the OIDC client may reach plain-HTTP and loopback issuers (tests, local development).
    oidc_allow_insecure: bool = False
    api_host: str = "127.0.0.1"
    api_port: int = 8700
    # Spaces: served at NAME--OWNER.spaces.DOMAIN; the public URL's scheme and port are those of the router.
    spaces_domain: str = "localhost"
    spaces_public_url: str = "http://spaces.localhost:8080"  # scheme://spaces.DOMAIN[:PORT] as browsers reach it
    # The image every podium/gradio Space builds FROM (infra/space-image/build.sh tags it :latest).
    space_base_image: str = "localhost/podium-space-base:latest"
    # A CA bundle given to builds and containers (TLS-intercepting proxies); None: the image's own bundle.
    ca_bundle: str | None = None
    # Names this installation's containers and images, so that several installations can share one engine.
    runtime_namespace: str = "podium"
    # A build whose builder stopped heartbeating this long ago is claimed again by another builder.
    build_stale_after_s: int = 60
    # Share links (docs/design/share.md): served at SUB.share.DOMAIN through the share server's tunnel.
    share_public_url: str = "http://share.localhost:8080"  # scheme://share.DOMAIN[:PORT] as visitors reach it
    share_bind: str = "0.0.0.0:7000"  # host:port where the share server accepts tunnel clients
    share_tunnel_address: str = "127.0.0.1:7000"  # host:port clients are told to dial
    share_vhost: str = "127.0.0.1:7080"  # host:port of the share server's HTTP side (the router forwards there)
    share_auth_token: str = ""  # FRP auth.token; empty, like a public share server
    share_tls_cert: str | None = None  # PEM files for the tunnel port; clients are told tls: true when set
    share_tls_key: str | None = None
    share_max_lifetime_s: int = SHARE_MAX_LIFETIME_S
    share_anonymous_per_hour: int = 20
    # Answers a stock frps's server-plugin calls at /api/share/frps-plugin/{secret}; empty: that route is off.
    share_plugin_secret: str = ""
    # Deep links (docs/design/deep-links.md): the largest snapshot the API stores, and new Spaces' retention.
    deep_link_max_bytes: int = DEEP_LINK_MAX_BYTES
    deep_link_retention_days: int = DEEP_LINK_RETENTION_DAYS
    # Where Space containers reach the API: a Unix socket the API also listens on (its folder is mounted into
    # Docker/Podman containers; left unset: DATA_DIR/run/api.sock) or, on a cluster, the API's in-cluster URL.
    spaces_api_socket: Path = _UNSET_PATH
    spaces_api_url: str = ""
    # The web console's build (`npm run build` in frontend_dist), served by the API at / (docs/design/console.md).
    console_dir: Path = DEFAULT_CONSOLE_DIR
    # Where Spaces run (docs/design/kubernetes.md): "docker" (the Docker API; Podman's socket) or "kubernetes".
    runtime: str = "docker"
    # Kubernetes: the namespace Spaces run in (the control plane's RBAC covers only it), a placement file (per
    # flavor: node selector, affinity, tolerations; JSON or YAML; None: the NVIDIA GPU operator's labels), the
    # image pull Secrets every Space pod names, and which pods may reach Spaces (the router's namespace and labels).
    kube_namespace: str = "podium-spaces"
    kube_placement_file: Path | None = None
    kube_image_pull_secrets: tuple[str, ...] = ()
    kube_router_namespace: str = "podium"
    kube_router_labels: tuple[tuple[str, str], ...] = (("app.kubernetes.io/name", "podium-router"),)
    # An OCI registry the builder pushes Space images to ("HOST[:PORT]/PATH"; empty: images stay in the local
    # engine, enough for one machine), its credentials, and whether its TLS certificate is checked.
    registry: str = ""
    registry_username: str = ""
    registry_password: str = ""
    registry_tls_verify: bool = True

    def __post_init__(self) -> None:
        if self.spaces_api_socket == _UNSET_PATH:
            object.__setattr__(self, "spaces_api_socket", self.data_dir / "run" / "api.sock")

    def share_url(self, subdomain: str) -> str:
        """The public URL of share link SUBDOMAIN: `scheme://SUB.share.DOMAIN[:PORT]`."""
        scheme, _, netloc = self.share_public_url.partition("://")
        return f"{scheme}://{subdomain}.{netloc}".lower()

    def space_url(self, owner: str, name: str) -> str:
        """The public URL of Space OWNER/NAME: `scheme://NAME--OWNER.spaces.DOMAIN[:PORT]`."""
        return url_of_space(self.spaces_public_url, owner, name)

    def space_host(self, owner: str, name: str) -> str:
        """The host (and port, when not the scheme's default) of Space OWNER/NAME, as in SPACE_HOST."""
        return self.space_url(owner, name).partition("://")[2]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("PODIUM_DATA_DIR") or Path.cwd() / ".podium-data").resolve()
        database_url = env.get("PODIUM_DATABASE_URL", "")
        if not database_url:
            raise SettingsError(
                "PODIUM_DATABASE_URL is not set; point it at Postgres "
                "(postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB), or run `make up`, which starts one"
            )
        signup = env.get("PODIUM_SIGNUP", "open")
        if signup not in ("open", "closed"):
            raise SettingsError(f"PODIUM_SIGNUP={signup!r}: use open or closed")
        port = _int(env, "PODIUM_API_PORT", 8700)
        spaces_domain = (env.get("PODIUM_SPACES_DOMAIN") or "localhost").strip().strip(".").lower()
        return cls(
            database_url=_async_url(database_url),
            data_dir=data_dir,
            public_url=(env.get("PODIUM_PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            secret_keys=env.get("PODIUM_SECRET_KEYS", ""),
            cookie_secure=_bool(env, "PODIUM_COOKIE_SECURE", False),
            session_days=_int(env, "PODIUM_SESSION_DAYS", 14),
            session_idle_days=_int(env, "PODIUM_SESSION_IDLE_DAYS", 2),
            signup=signup,
            oidc_providers=_oidc_providers(env),
            oidc_allow_insecure=_bool(env, "PODIUM_OIDC_ALLOW_INSECURE", False),
            api_host=env.get("PODIUM_API_HOST", "127.0.0.1"),
            api_port=port,
            spaces_domain=spaces_domain,
            spaces_public_url=spaces_public_url(env, spaces_domain),
            space_base_image=env.get("PODIUM_SPACE_BASE_IMAGE") or "localhost/podium-space-base:latest",
            ca_bundle=_ca_bundle(env),
            build_stale_after_s=_int(env, "PODIUM_BUILD_STALE_AFTER", 60),
            runtime_namespace=_namespace(env),
            console_dir=Path(env.get("PODIUM_CONSOLE_DIR") or DEFAULT_CONSOLE_DIR).resolve(),
            **_runtime_settings(env),
            **_share_settings(env, spaces_domain),
            **_deep_link_settings(env),
        )


def url_of_space(public_url: str, owner: str, name: str) -> str:
    """`scheme://NAME--OWNER.spaces.DOMAIN[:PORT]` from the Spaces' public URL `scheme://spaces.DOMAIN[:PORT]`."""
    scheme, _, netloc = public_url.partition("://")
    return f"{scheme}://{name}--{owner}.{netloc}".lower()


def spaces_public_url(env: Mapping[str, str], domain: str) -> str:
    """PODIUM_SPACES_PUBLIC_URL, else http://spaces.DOMAIN:PODIUM_ROUTER_PORT (the router serves plain HTTP)."""
    raw = (env.get("PODIUM_SPACES_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        port = _int(env, "PODIUM_ROUTER_PORT", 8080)
        return f"http://spaces.{domain}" + ("" if port == 80 else f":{port}")
    scheme, sep, netloc = raw.partition("://")
    if scheme not in ("http", "https") or not sep or not netloc.startswith(f"spaces.{domain}") or "/" in netloc:
        raise SettingsError(
            f"PODIUM_SPACES_PUBLIC_URL={raw!r} must be http(s)://spaces.{domain}[:PORT] "
            "(PODIUM_SPACES_DOMAIN is the part after 'spaces.')"
        )
    return raw.lower()


def _share_settings(env: Mapping[str, str], domain: str) -> dict[str, Any]:
    """The PODIUM_SHARE_* variables, as keyword arguments of Settings."""
    cert = env.get("PODIUM_SHARE_TLS_CERT") or None
    key = env.get("PODIUM_SHARE_TLS_KEY") or None
    if (cert is None) != (key is None):
        raise SettingsError("set both PODIUM_SHARE_TLS_CERT and PODIUM_SHARE_TLS_KEY (PEM files), or neither")
    for name, path in (("PODIUM_SHARE_TLS_CERT", cert), ("PODIUM_SHARE_TLS_KEY", key)):
        if path is not None and not Path(path).is_file():
            raise SettingsError(f"{name}={path!r} is not a file; point it at a PEM file")
    lifetime = _int(env, "PODIUM_SHARE_MAX_LIFETIME", SHARE_MAX_LIFETIME_S)
    if not 60 <= lifetime <= SHARE_MAX_LIFETIME_S:
        raise SettingsError(
            f"PODIUM_SHARE_MAX_LIFETIME={lifetime}: a share link lives between 60 s and 7 days ({SHARE_MAX_LIFETIME_S} s)"
        )
    per_hour = _int(env, "PODIUM_SHARE_ANONYMOUS_PER_HOUR", 20)
    if per_hour < 0:
        raise SettingsError(f"PODIUM_SHARE_ANONYMOUS_PER_HOUR={per_hour}: use 0 (no anonymous links) or more")
    return {
        "share_public_url": share_public_url(env, domain),
        "share_bind": _host_port_setting(env, "PODIUM_SHARE_BIND", "0.0.0.0:7000"),
        "share_tunnel_address": _host_port_setting(env, "PODIUM_SHARE_TUNNEL_ADDRESS", "127.0.0.1:7000"),
        "share_vhost": _host_port_setting(env, "PODIUM_SHARE_VHOST", "127.0.0.1:7080"),
        "share_auth_token": env.get("PODIUM_SHARE_AUTH_TOKEN", ""),
        "share_tls_cert": cert,
        "share_tls_key": key,
        "share_max_lifetime_s": lifetime,
        "share_anonymous_per_hour": per_hour,
        "share_plugin_secret": env.get("PODIUM_SHARE_PLUGIN_SECRET", ""),
    }


def _deep_link_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The deep-link variables (PODIUM_DEEP_LINK_*, PODIUM_SPACES_API_*), as keyword arguments of Settings."""
    max_bytes = _int(env, "PODIUM_DEEP_LINK_MAX_BYTES", DEEP_LINK_MAX_BYTES)
    if max_bytes < 1024:
        raise SettingsError(f"PODIUM_DEEP_LINK_MAX_BYTES={max_bytes}: use at least 1024 (bytes of snapshot JSON)")
    days = _int(env, "PODIUM_DEEP_LINK_RETENTION_DAYS", DEEP_LINK_RETENTION_DAYS)
    if not 1 <= days <= 365:
        raise SettingsError(f"PODIUM_DEEP_LINK_RETENTION_DAYS={days}: use 1 to 365 days")
    socket = (env.get("PODIUM_SPACES_API_SOCKET") or "").strip()
    url = (env.get("PODIUM_SPACES_API_URL") or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise SettingsError(f"PODIUM_SPACES_API_URL={url!r}: use http(s)://HOST[:PORT] (the API's in-cluster URL)")
    return {
        "deep_link_max_bytes": max_bytes,
        "deep_link_retention_days": days,
        "spaces_api_socket": Path(socket).resolve() if socket else _UNSET_PATH,
        "spaces_api_url": url,
    }


def share_public_url(env: Mapping[str, str], domain: str) -> str:
    """PODIUM_SHARE_PUBLIC_URL, else http://share.DOMAIN:PODIUM_ROUTER_PORT (the router forwards share links)."""
    raw = (env.get("PODIUM_SHARE_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        port = _int(env, "PODIUM_ROUTER_PORT", 8080)
        return f"http://share.{domain}" + ("" if port == 80 else f":{port}")
    scheme, sep, netloc = raw.partition("://")
    host, _, port_text = netloc.partition(":")
    if scheme not in ("http", "https") or not sep or host.lower() != f"share.{domain}" or "/" in netloc or (
        port_text and not port_text.isdigit()
    ):
        raise SettingsError(
            f"PODIUM_SHARE_PUBLIC_URL={raw!r} must be http(s)://share.{domain}[:PORT] "
            "(PODIUM_SPACES_DOMAIN is the part after 'share.')"
        )
    return raw.lower()


def split_host_port(value: str) -> tuple[str, int]:
    """("HOST", PORT) of a validated "HOST:PORT" setting (an IPv6 host may be bracketed: "[::1]:7000")."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def _host_port_setting(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or default).strip()
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SettingsError(f"{name}={raw!r}: use HOST:PORT, e.g. {default}")
    return raw


def _namespace(env: Mapping[str, str]) -> str:
    raw = env.get("PODIUM_RUNTIME_NAMESPACE") or "podium"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,30}", raw):
        raise SettingsError(f"PODIUM_RUNTIME_NAMESPACE={raw!r}: use 1-31 lower-case letters, digits and hyphens")
    return raw


_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_LABEL_KEY = r"([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?"
_LABEL_VALUE = r"([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?"


def _runtime_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """PODIUM_RUNTIME, PODIUM_KUBE_* and PODIUM_REGISTRY* (docs/operators.md lists them)."""
    runtime = (env.get("PODIUM_RUNTIME") or "docker").strip()
    if runtime not in ("docker", "kubernetes"):
        raise SettingsError(f"PODIUM_RUNTIME={runtime!r}: use docker (one machine) or kubernetes (a cluster)")
    out: dict[str, Any] = {"runtime": runtime}
    for name, key, default in (("PODIUM_KUBE_NAMESPACE", "kube_namespace", "podium-spaces"),
                               ("PODIUM_KUBE_ROUTER_NAMESPACE", "kube_router_namespace", "podium")):
        value = (env.get(name) or default).strip()
        if not re.fullmatch(_DNS_LABEL, value):
            raise SettingsError(f"{name}={value!r}: a Kubernetes namespace is 1-63 lower-case letters, digits, hyphens")
        out[key] = value
    placement = (env.get("PODIUM_KUBE_PLACEMENT") or "").strip()
    if placement and not Path(placement).is_file():
        raise SettingsError(f"PODIUM_KUBE_PLACEMENT={placement!r} is not a file; point it at the placement file")
    out["kube_placement_file"] = Path(placement) if placement else None
    secrets = tuple(s.strip() for s in (env.get("PODIUM_KUBE_IMAGE_PULL_SECRETS") or "").split(",") if s.strip())
    for secret in secrets:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", secret):
            raise SettingsError(f"PODIUM_KUBE_IMAGE_PULL_SECRETS: {secret!r} is not a Secret name")
    out["kube_image_pull_secrets"] = secrets
    raw_labels = env.get("PODIUM_KUBE_ROUTER_LABELS") or "app.kubernetes.io/name=podium-router"
    labels = []
    for item in (part.strip() for part in raw_labels.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(_LABEL_KEY, key) or not re.fullmatch(_LABEL_VALUE, value):
            raise SettingsError(f"PODIUM_KUBE_ROUTER_LABELS: {item!r} is not KEY=VALUE (Kubernetes label syntax)")
        labels.append((key, value))
    out["kube_router_labels"] = tuple(labels)
    registry = (env.get("PODIUM_REGISTRY") or "").strip().rstrip("/")
    if registry and not re.fullmatch(r"[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*", registry):
        raise SettingsError(f"PODIUM_REGISTRY={registry!r}: use HOST[:PORT][/PATH] in lower case, no scheme")
    out["registry"] = registry
    out["registry_username"] = env.get("PODIUM_REGISTRY_USERNAME", "")
    out["registry_password"] = env.get("PODIUM_REGISTRY_PASSWORD", "")
    out["registry_tls_verify"] = _bool(env, "PODIUM_REGISTRY_TLS_VERIFY", True)
    return out


def _ca_bundle(env: Mapping[str, str]) -> str | None:
    """PODIUM_CA_BUNDLE (a PEM file; empty: none), else the host's bundle when it exists."""
    raw = env.get("PODIUM_CA_BUNDLE")
    if raw is None:
        default = Path("/etc/ssl/certs/ca-certificates.crt")
        return str(default) if default.is_file() else None
    if raw.strip() == "":
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"PODIUM_CA_BUNDLE={raw!r} is not a file; point it at a PEM bundle or set it empty")
    return raw


def _async_url(url: str) -> str:
    """SQLAlchemy needs the psycopg driver named; a plain postgres:// URL gets it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _oidc_providers(env: Mapping[str, str]) -> tuple[OidcProviderSettings, ...]:
    """GitHub and Google presets, plus any generic OIDC providers named in PODIUM_OIDC_PROVIDERS."""
    providers: list[OidcProviderSettings] = []
    if env.get("PODIUM_GITHUB_CLIENT_ID"):
        providers.append(
            OidcProviderSettings(
                name="github",
                display_name="GitHub",
                client_id=env["PODIUM_GITHUB_CLIENT_ID"],
                client_secret=env.get("PODIUM_GITHUB_CLIENT_SECRET", ""),
                scope="read:user user:email",
                kind="github",
            )
        )
    if env.get("PODIUM_GOOGLE_CLIENT_ID"):
        providers.append(
            OidcProviderSettings(
                name="google",
                display_name="Google",
                client_id=env["PODIUM_GOOGLE_CLIENT_ID"],
                client_secret=env.get("PODIUM_GOOGLE_CLIENT_SECRET", ""),
                discovery_url="https://accounts.google.com/.well-known/openid-configuration",
            )
        )
    # PODIUM_OIDC_PROVIDERS=corp,other  ->  PODIUM_OIDC_CORP_ISSUER / _CLIENT_ID / _CLIENT_SECRET / _NAME / _SCOPE
    for name in filter(None, (n.strip().lower() for n in env.get("PODIUM_OIDC_PROVIDERS", "").split(","))):
        key = f"PODIUM_OIDC_{name.upper().replace('-', '_')}"
        issuer = env.get(f"{key}_ISSUER", "").rstrip("/")
        client_id = env.get(f"{key}_CLIENT_ID", "")
        if not issuer or not client_id:
            raise SettingsError(f"OIDC provider {name!r} needs {key}_ISSUER and {key}_CLIENT_ID")
        providers.append(
            OidcProviderSettings(
                name=name,
                display_name=env.get(f"{key}_NAME", name),
                client_id=client_id,
                client_secret=env.get(f"{key}_CLIENT_SECRET", ""),
                discovery_url=f"{issuer}/.well-known/openid-configuration",
                scope=env.get(f"{key}_SCOPE", "openid email profile"),
            )
        )
    return tuple(providers)
