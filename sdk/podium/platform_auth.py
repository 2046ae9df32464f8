"""Signing the `podium` CLI in to a Podium installation (its control plane) with an API token.

Tokens are created in the console (or with `POST /api/user/tokens`) and stored, one per server URL, in
`$PODIUM_HOME/credentials.json` (default `~/.config/podium/credentials.json`), readable only by their owner.
Everything here talks plain HTTP to the control plane; it never imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CREDENTIALS_FILE = "credentials.json"
SERVER_ENV = "PODIUM_SERVER"
HOME_ENV = "PODIUM_HOME"
TIMEOUT_S = 15.0


class PlatformAuthError(Exception):
    """Signing in, out or checking who is signed in failed; the message says why and what to do."""


@dataclass(frozen=True)
class WhoAmI:
    """Who a token belongs to, as the server's `GET /api/whoami` says."""

    username: str
    display_name: str
    via: str
    scopes: list[str] | None
    org: str | None
    site_admin: bool
    token: str | None  # the token's public id, as in DELETE /api/user/tokens/{public_id}


def podium_home() -> Path:
    """Where the CLI keeps its files: `$PODIUM_HOME`, else `$XDG_CONFIG_HOME/podium` (`~/.config/podium`)."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "podium"


def credentials_path() -> Path:
    """The credentials file (it may not exist yet)."""
    return podium_home() / CREDENTIALS_FILE


def normalize_server(url: str) -> str:
    """`url` without a trailing slash; a bare host gets `https://` (`http://` for localhost)."""
    url = url.strip().rstrip("/")
    if not url:
        raise PlatformAuthError("The server URL is empty; pass --server https://podium.example.com")
    if "://" not in url:
        local = url.split(":")[0] in ("localhost", "127.0.0.1", "[::1]")
        url = ("http://" if local else "https://") + url
    if not url.startswith(("http://", "https://")):
        raise PlatformAuthError(f"{url!r} is not an http(s) URL; pass --server https://podium.example.com")
    return url


def load_credentials() -> dict[str, Any]:
    """The stored credentials: `{"default": URL | None, "servers": {URL: {"token", "username", ...}}}`."""
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "servers": {}}
    except (OSError, ValueError) as exc:
        raise PlatformAuthError(f"Cannot read {path}: {exc}; fix or delete it, then run `podium login`") from None
    if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
        raise PlatformAuthError(f"{path} is not a Podium credentials file; delete it, then run `podium login`")
    data.setdefault("default", None)
    return data


def _write_credentials(data: dict[str, Any]) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written to a private temporary file and renamed over: never a moment with a readable or half-written file.
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolve_server(explicit: str | None) -> str:
    """The server to talk to: `explicit` (--server), else `$PODIUM_SERVER`, else the last one signed in to."""
    chosen = explicit or os.environ.get(SERVER_ENV) or load_credentials().get("default")
    if not chosen:
        raise PlatformAuthError(f"Which server? Pass --server URL or set {SERVER_ENV}")
    return normalize_server(str(chosen))


def stored_token(server: str) -> str | None:
    """The token stored for `server`, if any."""
    entry = load_credentials()["servers"].get(server)
    token = entry.get("token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) and token else None


def save_token(server: str, token: str, who: WhoAmI) -> Path:
    """Store `token` for `server` (which becomes the default server); returns the file's path."""
    data = load_credentials()
    data["servers"][server] = {"token": token, "username": who.username, "token_id": who.token}
    data["default"] = server
    _write_credentials(data)
    return credentials_path()


def forget_token(server: str) -> dict[str, Any] | None:
    """Delete the stored token for `server`; returns what was stored (None if nothing was)."""
    data = load_credentials()
    entry = data["servers"].pop(server, None)
    if entry is None:
        return None
    if data.get("default") == server:
        data["default"] = next(iter(data["servers"]), None)
    _write_credentials(data)
    return entry if isinstance(entry, dict) else {}


def whoami(server: str, token: str) -> WhoAmI:
    """Ask `server` whom `token` belongs to; PlatformAuthError for an unreachable server or a refused token."""
    import httpx

    try:
        response = httpx.get(
            f"{server}/api/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise PlatformAuthError(f"Cannot reach {server}: {exc or type(exc).__name__}; check the URL and your network") from None
    if response.status_code == 401:
        raise PlatformAuthError(
            f"{server} refused the token ({error_message(response)}); create a new token in the console"
        )
    if response.status_code != 200:
        raise PlatformAuthError(f"{server} answered {response.status_code}: {error_message(response)}")
    try:
        body = response.json()
        return WhoAmI(
            username=str(body["username"]),
            display_name=str(body.get("display_name") or ""),
            via=str(body.get("via") or "token"),
            scopes=list(body["scopes"]) if body.get("scopes") is not None else None,
            org=body.get("org"),
            site_admin=bool(body.get("site_admin")),
            token=body.get("token"),
        )
    except (ValueError, KeyError, TypeError):
        raise PlatformAuthError(f"{server} does not look like a Podium server (no valid /api/whoami)") from None


def error_message(response: Any) -> str:
    """The platform's own words for a refusal (`{"error": {"message"}}` or `{"detail"}`), else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "no details").strip()[:300]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list) and detail and isinstance(detail[0], dict) and detail[0].get("msg"):
            return str(detail[0]["msg"])
    return str(body)[:300]
