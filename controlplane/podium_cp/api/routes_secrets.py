"""An org's secrets: set and delete by admins, listed by name to members. Values are sealed with `SecretBox`
(AES-GCM, bound to their row) and never leave the server again: not in responses, logs or the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from podium_cp import audit
from podium_cp.api.deps import DB, SettingsDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import OrgName, error_docs, find_org, org_ref
from podium_cp.crypto import SecretBox, SecretKeyError, secret_aad
from podium_cp.db.base import utcnow
from podium_cp.errors import APIError, Conflict, InvalidInput, NotFound
from podium_cp.models import Secret
from podium_cp.policy import Action, require

router = APIRouter(tags=["secrets"])

SECRET_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"  # as the secrets table's name_format check
MAX_VALUE_BYTES = 64 * 1024
ORG_SCOPE = ""  # secrets of the org itself (Space-scoped secrets come later)

SecretName = Annotated[
    str,
    Path(pattern=SECRET_NAME_PATTERN, max_length=128, description="Letters, digits and _, not starting with a digit"),
]


class SecretIn(BaseModel):
    """A secret's new value (up to 64 KiB of UTF-8)."""

    value: str = Field(max_length=MAX_VALUE_BYTES)


class SecretOut(BaseModel):
    """A secret as the API shows it: its name and dates, never its value."""

    name: str
    created_at: datetime
    updated_at: datetime


def _box(settings: SettingsDep) -> SecretBox:
    try:
        return SecretBox.from_settings(settings)
    except SecretKeyError as exc:
        raise APIError(
            f"Secrets are not available on this server: {exc}", code="secrets_unavailable", status=503
        ) from None


def _out(secret: Secret) -> SecretOut:
    return SecretOut(name=secret.name, created_at=secret.created_at, updated_at=secret.updated_at)


@router.get(
    "/api/orgs/{org}/secrets",
    response_model=Page[SecretOut],
    summary="An org's secrets (names only)",
    responses=error_docs(401, 403, 404),
)
async def list_secrets(org: OrgName, db: DB, actor: SignedIn, page: PageDep) -> Page[SecretOut]:
    """The names and dates of the org's secrets, by name; never their values. Needs membership of the org."""
    found = await find_org(db, org)
    require(actor, Action.ORG_SECRETS_READ, org_ref(found))
    stmt = select(Secret).where(Secret.org_id == found.id, Secret.scope == ORG_SCOPE)
    rows, cursor = await fetch_page(db, stmt, Secret.id, page, newest_first=False)
    return Page[SecretOut](items=[_out(secret) for (secret,) in rows], next_cursor=cursor)


@router.put(
    "/api/orgs/{org}/secrets/{name}",
    response_model=SecretOut,
    summary="Set a secret (admins)",
    responses=error_docs(401, 403, 404, 409, 422, 503),
)
async def put_secret(
    org: OrgName, name: SecretName, body: SecretIn, db: DB, actor: SignedIn, settings: SettingsDep, request: Request
) -> SecretOut:
    """Create or replace a secret. The value is encrypted at rest and never shown again. Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_SECRETS_WRITE, org_ref(found))
    value = body.value.encode()
    if len(value) > MAX_VALUE_BYTES:
        raise InvalidInput(f"A secret's value may be at most {MAX_VALUE_BYTES} bytes (64 KiB)", code="secret_too_large")
    key_id, nonce, ciphertext = _box(settings).seal(value, secret_aad(found.id, ORG_SCOPE, name))
    secret = (
        await db.execute(
            select(Secret)
            .where(Secret.org_id == found.id, Secret.scope == ORG_SCOPE, Secret.name == name)
            .with_for_update()
        )
    ).scalar_one_or_none()
    now, created = utcnow(), secret is None
    if secret is None:
        secret = Secret(org_id=found.id, scope=ORG_SCOPE, name=name, created_at=now)
        db.add(secret)
    secret.key_id, secret.nonce, secret.ciphertext, secret.updated_at = key_id, nonce, ciphertext, now
    await audit.record(
        db,
        actor,
        "secret.write",
        "secret",
        f"{found.name}/{name}",
        org_id=found.id,
        request=request,
        details={"created": created},
    )
    try:
        await db.flush()
    except IntegrityError:  # another request created it between our read and our insert
        raise Conflict(f"Secret {name!r} was being set by another request; try again", code="secret_busy") from None
    return _out(secret)


@router.delete(
    "/api/orgs/{org}/secrets/{name}",
    status_code=204,
    response_class=Response,
    summary="Delete a secret (admins)",
    responses=error_docs(401, 403, 404),
)
async def delete_secret(org: OrgName, name: SecretName, db: DB, actor: SignedIn, request: Request) -> Response:
    """Delete a secret. Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_SECRETS_WRITE, org_ref(found))
    secret = (
        await db.execute(
            select(Secret).where(Secret.org_id == found.id, Secret.scope == ORG_SCOPE, Secret.name == name)
        )
    ).scalar_one_or_none()
    if secret is None:
        raise NotFound(f"Org {found.name!r} has no secret named {name!r}", code="secret_not_found")
    await db.delete(secret)
    await audit.record(db, actor, "secret.delete", "secret", f"{found.name}/{name}", org_id=found.id, request=request)
    return Response(status_code=204)
