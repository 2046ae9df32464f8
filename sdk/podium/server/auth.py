"""Password auth for `launch(auth=...)`: checking credentials and the login cookies Gradio uses.

`auth` is a `(username, password)` tuple, a list of them, or a function `(username, password) -> bool`.
A successful `POST /login` gets a random token stored in two cookies, `access-token-<cookie_id>` (Secure,
SameSite=None) and `access-token-unsecure-<cookie_id>` (SameSite=Lax); the server keeps the tokens in memory.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import secrets
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from podium.server.responses import HTTPError

Credentials = Callable[[str, str], Any] | dict[str, str] | None


def normalise_auth(auth: Any) -> Credentials:
    """Turn the `auth=` argument into a checker function or a `{username: password}` dict."""
    if auth is None:
        return None
    if callable(auth):
        return auth  # type: ignore[no-any-return]
    pairs: list[Any]
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(x, str) for x in auth):
        pairs = [auth]
    elif isinstance(auth, (list, tuple)):
        pairs = list(auth)
    else:
        raise ValueError("auth must be a (username, password) tuple, a list of them, or a function.")
    users: dict[str, str] = {}
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValueError(f"Invalid auth entry {pair!r}: each entry must be a (username, password) tuple.")
        users[pair[0]] = pair[1]
    return users


class Authenticator:
    """Checks credentials, issues login tokens and tells routes who the caller is."""

    def __init__(self, auth: Any, auth_message: str | None = None) -> None:
        self.credentials = normalise_auth(auth)
        self.auth_message = auth_message
        self.cookie_id = secrets.token_urlsafe(32)
        self.tokens: dict[str, str] = {}  # token -> username

    @property
    def enabled(self) -> bool:
        return self.credentials is not None

    @property
    def cookie_names(self) -> tuple[str, str]:
        return f"access-token-{self.cookie_id}", f"access-token-unsecure-{self.cookie_id}"

    async def check(self, username: str, password: str) -> bool:
        """Whether the credentials are valid. Compares in constant time; a checker function runs in a thread."""
        creds = self.credentials
        if creds is None:
            return False
        if isinstance(creds, dict):
            # compare against every user so the time taken does not reveal which usernames exist
            ok = False
            for user, secret in creds.items():
                user_ok = hmac.compare_digest(user.encode(), username.encode())
                pass_ok = hmac.compare_digest(secret.encode(), password.encode())
                ok = ok or (user_ok and pass_ok)
            return ok
        if inspect.iscoroutinefunction(creds):
            result = await creds(username, password)
        else:
            result = await asyncio.to_thread(creds, username, password)
            if inspect.isawaitable(result):
                result = await result
        return bool(result)

    def issue_token(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = username
        return token

    def set_cookies(self, response: Response, token: str) -> None:
        secure_name, lax_name = self.cookie_names
        response.set_cookie(secure_name, token, httponly=True, samesite="none", secure=True)
        response.set_cookie(lax_name, token, httponly=True, samesite="lax")

    def clear_cookies(self, request: Request, response: Response) -> None:
        for name in self.cookie_names:
            token = request.cookies.get(name)
            if token:
                self.tokens.pop(token, None)
            response.delete_cookie(name)

    def current_user(self, request: Request) -> str | None:
        """The logged-in username, or None (also None when auth is off)."""
        if not self.enabled:
            return None
        for name in self.cookie_names:
            token = request.cookies.get(name)
            if token:
                user = self.tokens.get(token)
                if user is not None:
                    return user
        return None

    def not_authenticated(self) -> HTTPError:
        return HTTPError(401, {"error": "Not authenticated", "auth_message": self.auth_message})

    def require(self, request: Request) -> str | None:
        """The caller's username; raises 401 when auth is on and the caller has not logged in."""
        if not self.enabled:
            return None
        user = self.current_user(request)
        if user is None:
            raise self.not_authenticated()
        return user


__all__ = ["Authenticator", "normalise_auth"]
