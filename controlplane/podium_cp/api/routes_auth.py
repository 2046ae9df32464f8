"""Sign-up, sign-in with a password, sign-out, and what the sign-in page needs to know (providers, first run)."""

from __future__ import annotations

import re
import time
from collections import deque
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, SettingsDep, SignedIn, client_ip
from podium_cp.api.routes_users import Me, email_taken, error_responses, me_out, me_ref, normalize_email
from podium_cp.auth.passwords import (
    burn_verify_time,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from podium_cp.auth.randomness import digest
from podium_cp.auth.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    clear_session_cookies,
    csrf_matches,
    end_all_sessions,
    end_session,
    lookup_session,
    set_session_cookies,
    start_session,
)
from podium_cp.db.base import utcnow
from podium_cp.errors import Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthenticated
from podium_cp.models import Invitation, Membership, Org, User
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.policy import Action, Actor, require

router = APIRouter(tags=["auth"])

# Names a user may not take: they would read as parts of Podium itself.
RESERVED_NAMES = frozenset({"api", "oauth", "static", "system", "anonymous", "www"})
# Serializes sign-ups, so that two simultaneous first sign-ups cannot both become site admin.
_SIGNUP_LOCK = 0x70646D5F7369676E  # "pdm_sign"

LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW_S = 300.0


class LoginThrottle:
    """Failed sign-ins per (client IP, login name) in a sliding window, in this process's memory.

    One API process per installation is the deployment this is written for; behind several processes each
    keeps its own count, which still bounds guessing.
    """

    MAX_KEYS = 100_000

    def __init__(self, limit: int = LOGIN_FAILURE_LIMIT, window_s: float = LOGIN_FAILURE_WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, key: tuple[str, str]) -> int | None:
        """Seconds until `key` may try again, or None when it may try now."""
        now = time.monotonic()
        failures = self._recent(key, now)
        if len(failures) < self.limit:
            return None
        return max(1, int(failures[0] + self.window_s - now) + 1)

    def failed(self, key: tuple[str, str]) -> None:
        now = time.monotonic()
        if len(self._failures) >= self.MAX_KEYS:  # forget the oldest entries rather than grow without bound
            for old in list(self._failures)[: self.MAX_KEYS // 10]:
                del self._failures[old]
        failures = self._recent(key, now)
        failures.append(now)
        self._failures[key] = failures

    def succeeded(self, key: tuple[str, str]) -> None:
        self._failures.pop(key, None)


def login_throttle(request: Request) -> LoginThrottle:
    """The app's throttle (one per app, so that separate apps, e.g. in tests, do not share counts)."""
    throttle: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle()
    return throttle


def _user_actor(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, site_admin=user.is_site_admin, via="session")


def check_username(raw: str) -> str:
    """The username, lower-cased; InvalidInput (`invalid_username`) saying the rules when it breaks them."""
    username = raw.strip().lower()
    if not re.match(NAME_PATTERN, username) or "--" in username:
        raise InvalidInput(
            f"{raw!r} is not a valid username: use 1 to 39 lower-case letters, digits and hyphens, starting and "
            "ending with a letter or digit, without '--'",
            code="invalid_username",
        )
    if username in RESERVED_NAMES:
        raise Conflict(f"The name {username!r} is reserved; pick another", code="username_taken")
    return username


# --- sign-up -----------------------------------------------------------------------------------------


class SignupRequest(BaseModel):
    username: str = Field(max_length=64, examples=["alice"])
    email: str = Field(max_length=320, examples=["alice@example.com"])
    password: str = Field(max_length=1000, description="At least 10 characters, not your username or email")
    display_name: str = Field("", max_length=100)
    invitation: str | None = Field(
        None, max_length=200, description="An org invitation's token: join that org as part of signing up"
    )


async def _accept_invitation(db: AsyncSession, token: str, user: User) -> Invitation:
    invitation = await db.scalar(select(Invitation).where(Invitation.token_hash == digest(token)).with_for_update())
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise InvalidInput(
            "This invitation is not valid (unknown, used, revoked or expired); ask an org admin for a new one",
            code="invalid_invitation",
        )
    db.add(Membership(org_id=invitation.org_id, user_id=user.id, role=invitation.role, created_at=utcnow()))
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    return invitation


@router.post(
    "/api/auth/signup",
    response_model=Me,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 409, 422),
)
async def signup(body: SignupRequest, db: DB, settings: SettingsDep, request: Request, response: Response) -> Me:
    """Create an account with a password and sign in (sets the session cookies).

    The first account of an installation becomes its site admin. With `PODIUM_SIGNUP=closed`, later accounts
    need an org invitation (`invitation`). Usernames share one namespace with org names.
    """
    username = check_username(body.username)
    email = normalize_email(body.email)
    check_password_policy(body.password, username=username, email=email)
    await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGNUP_LOCK})
    has_users = (await db.execute(select(User.id).limit(1))).first() is not None
    if has_users and settings.signup == "closed" and not body.invitation:
        raise Forbidden(
            "Sign-up on this installation is by invitation only; ask an org admin to invite you",
            code="signup_closed",
        )
    if await db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username {username!r} is taken; pick another", code="username_taken")
    if await db.scalar(select(Org.id).where(Org.name == username)) is not None:
        raise Conflict(f"{username!r} is taken by an org (users and orgs share names); pick another",
                       code="username_taken")
    if await email_taken(db, email):
        raise Conflict(f"An account with {email!r} exists already; sign in instead", code="email_taken")
    now = utcnow()
    user = User(
        username=username,
        email=email,
        display_name=body.display_name.strip(),
        password_hash=await hash_password(body.password),
        is_site_admin=not has_users,
        created_at=now,
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:  # an org took the name meanwhile (orgs are not under the sign-up lock)
        raise Conflict(f"The username {username!r} is taken; pick another", code="username_taken") from None
    actor = _user_actor(user)
    invitation = await _accept_invitation(db, body.invitation, user) if body.invitation else None
    await audit.record(db, actor, "user.signup", "user", username, request=request,
                       details={"site_admin": user.is_site_admin})
    if invitation is not None:
        await audit.record(db, actor, "org.invitation.accept", "invitation", invitation.public_id,
                           org_id=invitation.org_id, request=request, details={"role": invitation.role})
    secret = await start_session(db, user, settings, ip=client_ip(request), user_agent=request.headers.get("user-agent"))
    set_session_cookies(response, secret, settings)
    return me_out(user)


# --- sign-in / sign-out ------------------------------------------------------------------------------


class LoginRequest(BaseModel):
    login: str = Field(max_length=320, description="Username or email address", examples=["alice"])
    password: str = Field(max_length=1000)


@router.post("/api/auth/login", response_model=Me, responses=error_responses(401, 403, 422, 429))
async def login(body: LoginRequest, db: DB, settings: SettingsDep, request: Request, response: Response) -> Me:
    """Sign in with username (or email) and password; sets the `podium_session` and `podium_csrf` cookies.

    After 10 failed attempts for one login from one address within 5 minutes, further attempts get 429
    `rate_limited` until the window passes.
    """
    throttle = login_throttle(request)
    login_name = body.login.strip().lower()
    key = (client_ip(request) or "", login_name)
    wait = throttle.retry_after(key)
    if wait is not None:
        raise TooManyRequests(
            f"Too many failed sign-ins; try again in {wait} seconds", details={"retry_after_seconds": wait}
        )
    column = func.lower(User.email) if "@" in login_name else User.username
    user = await db.scalar(select(User).where(column == login_name))
    if user is None or user.password_hash is None:
        await burn_verify_time(body.password)  # as slow as a wrong password: do not reveal who exists
        ok = False
    else:
        ok = await verify_password(user.password_hash, body.password)
    if user is None or not ok:
        throttle.failed(key)
        raise Unauthenticated("Wrong username, email or password", code="invalid_credentials")
    if user.disabled_at is not None:
        raise Forbidden("This account is disabled; contact the site's administrators", code="account_disabled")
    throttle.succeeded(key)
    if needs_rehash(user.password_hash or ""):
        user.password_hash = await hash_password(body.password)
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # a new sign-in replaces this browser's previous session
        await end_session(db, old)
    await audit.record(db, _user_actor(user), "user.login", "user", user.username, request=request,
                       details={"method": "password"})
    secret = await start_session(db, user, settings, ip=client_ip(request), user_agent=request.headers.get("user-agent"))
    set_session_cookies(response, secret, settings)
    return me_out(user)


@router.post("/api/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(403))
async def logout(db: DB, settings: SettingsDep, request: Request, response: Response) -> None:
    """End this browser's session and clear its cookies. Succeeds also when the session has already ended.

    API tokens are unaffected (revoke them with DELETE /api/user/tokens/{public_id}).
    """
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        live = await lookup_session(db, secret, settings)
        if live is not None and not csrf_matches(secret, request.headers.get(CSRF_HEADER)):
            raise Forbidden(
                "Missing or wrong CSRF token: send the podium_csrf cookie's value in the X-CSRF-Token header",
                code="csrf_failed",
            )
        await end_session(db, secret)
    clear_session_cookies(response, settings)


class LoggedOutEverywhere(BaseModel):
    sessions_ended: int


@router.post("/api/auth/logout-all", response_model=LoggedOutEverywhere, responses=error_responses(401, 403))
async def logout_all(actor: SignedIn, db: DB, settings: SettingsDep, request: Request,
                     response: Response) -> LoggedOutEverywhere:
    """Sign out every web session of the signed-in user, this one included.

    API tokens are NOT revoked: list them with GET /api/user/tokens and revoke them one by one.
    """
    require(actor, Action.USER_UPDATE, me_ref(actor))
    assert actor.user_id is not None
    ended = await end_all_sessions(db, actor.user_id)
    await audit.record(db, actor, "user.logout_all", "user", actor.username, request=request,
                       details={"sessions_ended": ended})
    clear_session_cookies(response, settings)
    return LoggedOutEverywhere(sessions_ended=ended)


# --- what the sign-in page shows ---------------------------------------------------------------------


class Provider(BaseModel):
    name: str
    display_name: str
    login_url: str = Field(description="Send the browser here (add `?next=/path` to come back to a page)")


@router.get("/api/auth/providers", response_model=list[Provider])
async def providers(settings: SettingsDep) -> list[Provider]:
    """The identity providers (GitHub, Google, OIDC) this installation offers for signing in."""
    return [
        Provider(name=p.name, display_name=p.display_name, login_url=f"/api/auth/oidc/{p.name}/login")
        for p in settings.oidc_providers
    ]


class SetupState(BaseModel):
    has_users: bool = Field(description="False until the first account (the site admin) signs up")
    signup: Literal["open", "closed"] = Field(description="`closed`: only invited users may sign up")


@router.get("/api/auth/setup", response_model=SetupState)
async def setup_state(db: DB, settings: SettingsDep) -> SetupState:
    """Whether the installation has its first user yet, and whether anyone may sign up."""
    has_users = (await db.execute(select(User.id).limit(1))).first() is not None
    return SetupState(has_users=has_users, signup="closed" if settings.signup == "closed" else "open")
