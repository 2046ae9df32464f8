"""Spaces: list, create, read, change settings, delete, restart / pause / resume, stage history, variables and
secrets (design: docs/design/spaces.md).

Reads need `space.read` (a Space the caller may not read is 404 `space_not_found`), restart `space.write`,
settings, pause / resume, variables, secrets and delete `space.admin`. Secret values are sealed with `SecretBox`
and never returned, logged or audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SettingsDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import error_docs
from podium_cp.api.routes_secrets import SECRET_NAME_PATTERN, SecretIn, SecretOut
from podium_cp.db.base import utcnow
from podium_cp.deeplinks.service import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, set_retention
from podium_cp.errors import Conflict, NotFound
from podium_cp.models import Space, SpaceRevision, SpaceSecret, SpaceStageEvent, SpaceVariable
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.models.spaces import MAX_REPLICAS
from podium_cp.policy import Action, Actor, allowed, require, visible
from podium_cp.roles import Visibility
from podium_cp.spaces.service import (
    NewSpace,
    create_space,
    find_flavor,
    find_space,
    hardware_problem,
    readable_condition,
    seal_space_secret,
    settle_stage,
    space_ref,
    space_url,
)
from podium_cp.spaces.stages import set_stage

router = APIRouter(tags=["spaces"])
ONE = "/api/spaces/{owner}/{name}"  # one Space

Owner = Annotated[str, Path(description="The Space's owner: an org or a username", max_length=64)]
SpaceName = Annotated[str, Path(description="The Space's name", max_length=64)]
EnvName = Annotated[
    str, Path(pattern=SECRET_NAME_PATTERN, max_length=128, description="Letters, digits and _, not starting with a digit")
]
Sdk = Literal["podium", "gradio", "docker"]
MAX_SLEEP_TIME = 30 * 86400
FLAVOR_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
MAX_VARIABLE_BYTES = 64 * 1024
SPACE_ACTIONS = (Action.SPACE_WRITE, Action.SPACE_ADMIN)  # what `SpaceOut.can` may list (read is implied)


def _check_sleep_time(value: int | None) -> int | None:
    if value is not None and value != -1 and value < 60:
        raise ValueError("sleep_time is seconds idle before sleeping: -1 (never) or at least 60")
    return value


class SpaceCreate(BaseModel):
    """A new Space under `owner` (your username, or an org where you have the write role)."""

    owner: str = Field(max_length=39, pattern=NAME_PATTERN, description="your username or an org's name")
    name: str = Field(max_length=39, description="lower-case letters, digits, single hyphens")
    sdk: Sdk = "podium"
    visibility: Visibility = Visibility.PUBLIC
    hardware: str = Field("cpu-basic", max_length=32, pattern=FLAVOR_PATTERN, description="a flavor of GET /api/hardware")
    title: str = Field("", max_length=100)
    sleep_time: int = Field(172800, ge=-1, le=MAX_SLEEP_TIME, description="seconds idle before sleeping; -1 never")

    _sleep = field_validator("sleep_time")(_check_sleep_time)


class SpaceUpdate(BaseModel):
    """The settings of a Space that can change (its owner and name cannot)."""

    title: str | None = Field(None, max_length=100)
    visibility: Visibility | None = None
    hardware: str | None = Field(None, max_length=32, pattern=FLAVOR_PATTERN)
    sleep_time: int | None = Field(None, ge=-1, le=MAX_SLEEP_TIME)
    deep_link_retention_days: int | None = Field(
        None, ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS, description="days a deep link is kept; moves existing links"
    )
    replicas: int | None = Field(
        None, ge=1, le=MAX_REPLICAS, strict=True,
        description="replicas behind the Space's URL (a cluster; one machine runs one); a GPU Space's count against "
        "the org's max_gpus each",
    )

    _sleep = field_validator("sleep_time")(_check_sleep_time)


class SpaceOut(BaseModel):
    """A Space as the API shows it."""

    owner: str
    name: str
    title: str
    sdk: str
    visibility: Visibility
    hardware: str
    sleep_time: int
    desired_state: str
    stage: str
    stage_message: str
    url: str
    latest_revision: int | None = Field(description="number of the newest revision")
    serving_revision: int | None = Field(description="number of the revision that serves (or last served)")
    deep_link_retention_days: int = Field(description="days a deep link of this Space is kept")
    replicas: int = Field(description="replicas the runtime runs (1 to 10)")
    created_at: datetime
    updated_at: datetime
    can: list[str] = Field(description="what the caller may do beyond reading it: space.write, space.admin")


class StageEventOut(BaseModel):
    """One entry of a Space's stage history."""

    stage: str
    message: str
    at: datetime


class VariableIn(BaseModel):
    """A variable's new value (shown back; use a secret for anything sensitive)."""

    value: str = Field(max_length=MAX_VARIABLE_BYTES)


class VariableOut(BaseModel):
    """A plain environment variable of a Space."""

    name: str
    value: str
    created_at: datetime


_Latest, _Serving = aliased(SpaceRevision), aliased(SpaceRevision)
_WITH_REVISIONS = (
    select(Space, _Latest.number, _Serving.number)
    .outerjoin(_Latest, _Latest.id == Space.latest_revision_id)
    .outerjoin(_Serving, _Serving.id == Space.serving_revision_id)
)


def _out(actor: Actor, space: Space, latest: int | None, serving: int | None) -> SpaceOut:
    return SpaceOut(
        owner=space.owner_name,
        name=space.name,
        title=space.title,
        sdk=space.sdk,
        visibility=Visibility(space.visibility),
        hardware=space.hardware,
        sleep_time=space.sleep_time,
        desired_state=space.desired_state,
        stage=space.stage,
        stage_message=space.stage_message,
        url=space_url(space.owner_name, space.name),
        latest_revision=latest,
        serving_revision=serving,
        deep_link_retention_days=space.deep_link_retention_days,
        replicas=space.replicas,
        created_at=space.created_at,
        updated_at=space.updated_at,
        can=allowed(actor, space_ref(space), SPACE_ACTIONS),
    )


async def _space_out(db: AsyncSession, actor: Actor, space: Space) -> SpaceOut:
    await db.flush()
    # populate_existing: the row as stored now (updated_at after this request's change), revision numbers joined.
    stmt = _WITH_REVISIONS.where(Space.id == space.id).execution_options(populate_existing=True)
    row = (await db.execute(stmt)).one()
    return _out(actor, row[0], row[1], row[2])


async def _record(
    db: AsyncSession, actor: Actor, action: str, space: Space, request: Request, what: str = "", **details: object
) -> None:
    target = f"{space.owner_name}/{space.name}" + (f"/{what}" if what else "")
    kind = "space" if not what else action.rsplit(".", 1)[0]
    await audit.record(db, actor, action, kind, target, org_id=space.owner_org_id, request=request, details=details)


# --- Spaces --------------------------------------------------------------------------------------------


@router.get("/api/spaces", response_model=Page[SpaceOut], summary="Spaces you can see", responses=error_docs(401, 422))
async def list_spaces(
    db: DB,
    actor: ActorDep,
    page: PageDep,
    owner: Annotated[str | None, Query(max_length=39, pattern=NAME_PATTERN, description="one org's or user's")] = None,
    search: Annotated[str | None, Query(max_length=100, description="a substring of the name or title")] = None,
) -> Page[SpaceOut]:
    """The Spaces the caller can read (public ones, their org's, those granted to them, their own), newest first."""
    stmt = _WITH_REVISIONS.where(Space.desired_state != "deleted", readable_condition(actor))
    if owner:
        stmt = stmt.where(Space.owner_name == owner)
    if search := (search or "").replace("\x00", ""):
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Space.name.ilike(pattern, escape="\\"), Space.title.ilike(pattern, escape="\\")))
    rows, cursor = await fetch_page(db, stmt, Space.id, page)
    # The SQL condition mirrors the policy; checking each row again keeps the policy the one source of truth.
    items = [_out(actor, s, latest, serving) for s, latest, serving in rows if visible(actor, space_ref(s))]
    return Page[SpaceOut](items=items, next_cursor=cursor)


@router.post("/api/spaces", response_model=SpaceOut, status_code=201, summary="Create a Space",
             responses=error_docs(401, 403, 404, 409, 422))
async def create(body: SpaceCreate, db: DB, actor: SignedIn, settings: SettingsDep, request: Request) -> SpaceOut:
    """Create a Space under your username or an org where you have the write role. 409 `space_exists`, 422
    `unknown_hardware`, 403 `quota_exceeded`; a GPU flavor beyond the org's GPU quota waits in WAITING_FOR_HARDWARE."""
    space = await create_space(db, actor, NewSpace(**body.model_dump()))
    space.deep_link_retention_days = settings.deep_link_retention_days
    await _record(db, actor, "space.create", space, request, hardware=space.hardware, visibility=space.visibility)
    return await _space_out(db, actor, space)


@router.get(ONE, response_model=SpaceOut, summary="A Space", responses=error_docs(401, 404))
async def get_space(owner: Owner, name: SpaceName, db: DB, actor: ActorDep) -> SpaceOut:
    """One Space, with its stage and URL. 404 `space_not_found` if it does not exist or you may not read it."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_READ, ref)
    return await _space_out(db, actor, space)


@router.patch(ONE, response_model=SpaceOut, summary="Change a Space's settings (admins)",
              responses=error_docs(401, 403, 404, 422))
async def update_space(
    owner: Owner, name: SpaceName, body: SpaceUpdate, db: DB, actor: SignedIn, request: Request
) -> SpaceOut:
    """Change title, visibility, hardware, sleep time, deep-link retention or replicas (1 to 10). Needs
    `space.admin`. New hardware must be a known flavor; a GPU flavor (its GPUs times the replicas) beyond the org's
    quota moves the Space to WAITING_FOR_HARDWARE. A new retention moves the expiry of the Space's existing deep
    links to their creation + the new retention. New hardware or replicas restart the Space's replicas."""
    space, ref = await find_space(db, actor, owner, name, for_update=True)
    require(actor, Action.SPACE_ADMIN, ref)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "deep_link_retention_days" in changes:
        await set_retention(db, space, changes["deep_link_retention_days"])
    if "hardware" in changes:
        await find_flavor(db, changes["hardware"])
    if "visibility" in changes:
        changes["visibility"] = changes["visibility"].value
    for field, value in changes.items():
        setattr(space, field, value)
    if ("hardware" in changes or "replicas" in changes) and space.desired_state == "running":
        # Waiting starts or ends here; any other stage is the reconciler's (it restarts on the new hardware).
        problem = await hardware_problem(db, space)
        if problem is not None:
            set_stage(db, space, "WAITING_FOR_HARDWARE", problem)
        elif space.stage == "WAITING_FOR_HARDWARE":
            await settle_stage(db, space)
    await _record(db, actor, "space.update", space, request, changed=changes)
    return await _space_out(db, actor, space)


@router.delete(ONE, status_code=204, response_class=Response, summary="Delete a Space (admins)",
               responses=error_docs(401, 403, 404))
async def delete_space(owner: Owner, name: SpaceName, db: DB, actor: SignedIn, request: Request) -> Response:
    """Mark a Space for deletion (stage DELETING); the reconciler stops and removes it. It disappears from lists
    and reads at once; its name stays taken until it is removed. Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name, for_update=True)
    require(actor, Action.SPACE_ADMIN, ref)
    space.desired_state = "deleted"
    set_stage(db, space, "DELETING", "Stopping and removing the Space")
    await _record(db, actor, "space.delete", space, request)
    return Response(status_code=204)


# --- restart, pause, resume ----------------------------------------------------------------------------


@router.post(ONE + "/restart", response_model=SpaceOut, summary="Restart a Space",
             responses=error_docs(401, 403, 404, 409))
async def restart_space(owner: Owner, name: SpaceName, db: DB, actor: SignedIn, request: Request) -> SpaceOut:
    """Ask for a restart of the Space's container (the reconciler does it). Needs `space.write`; 409
    `space_paused` for a paused Space (resume it instead)."""
    space, ref = await find_space(db, actor, owner, name, for_update=True)
    require(actor, Action.SPACE_WRITE, ref)
    if space.desired_state == "paused":
        raise Conflict(
            f"Space '{owner}/{name}' is paused; resume it (POST .../resume) instead of restarting", code="space_paused"
        )
    space.restart_generation += 1
    await _record(db, actor, "space.restart", space, request, restart_generation=space.restart_generation)
    return await _space_out(db, actor, space)


@router.post(ONE + "/pause", response_model=SpaceOut, summary="Pause a Space (admins)",
             responses=error_docs(401, 403, 404))
async def pause_space(owner: Owner, name: SpaceName, db: DB, actor: SignedIn, request: Request) -> SpaceOut:
    """Stop the Space and keep it stopped (stage PAUSED) until it is resumed. Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name, for_update=True)
    require(actor, Action.SPACE_ADMIN, ref)
    space.desired_state = "paused"
    set_stage(db, space, "PAUSED", f"Paused by {actor.username}; resume it to start it again")
    await _record(db, actor, "space.pause", space, request)
    return await _space_out(db, actor, space)


@router.post(ONE + "/resume", response_model=SpaceOut, summary="Resume a Space (admins)",
             responses=error_docs(401, 403, 404))
async def resume_space(owner: Owner, name: SpaceName, db: DB, actor: SignedIn, request: Request) -> SpaceOut:
    """Run a paused Space again: APP_STARTING when a revision serves, NO_APP_FILE when none was pushed yet, or
    WAITING_FOR_HARDWARE when its hardware does not fit the quota (resuming a waiting Space checks again).
    A running Space is left as it is. Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name, for_update=True)
    require(actor, Action.SPACE_ADMIN, ref)
    if space.desired_state != "running" or space.stage == "WAITING_FOR_HARDWARE":
        space.desired_state = "running"
        await db.flush()
        await settle_stage(db, space)
    await _record(db, actor, "space.resume", space, request)
    return await _space_out(db, actor, space)


@router.get(ONE + "/stages", response_model=Page[StageEventOut], summary="A Space's stage history",
            responses=error_docs(401, 404, 422))
async def list_stages(owner: Owner, name: SpaceName, db: DB, actor: ActorDep, page: PageDep) -> Page[StageEventOut]:
    """The Space's stage changes, newest first."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_READ, ref)
    stmt = select(SpaceStageEvent).where(SpaceStageEvent.space_id == space.id)
    rows, cursor = await fetch_page(db, stmt, SpaceStageEvent.id, page)
    items = [StageEventOut(stage=e.stage, message=e.message, at=e.at) for (e,) in rows]
    return Page[StageEventOut](items=items, next_cursor=cursor)


# --- variables -----------------------------------------------------------------------------------------


@router.get(ONE + "/variables", response_model=Page[VariableOut], summary="A Space's variables",
            responses=error_docs(401, 403, 404, 422))
async def list_variables(
    owner: Owner, name: SpaceName, db: DB, actor: SignedIn, page: PageDep
) -> Page[VariableOut]:
    """The Space's plain environment variables with their values, by name. Needs `space.write`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    stmt = select(SpaceVariable).where(SpaceVariable.space_id == space.id)
    rows, cursor = await fetch_page(db, stmt, SpaceVariable.id, page, newest_first=False)
    items = [VariableOut(name=v.name, value=v.value, created_at=v.created_at) for (v,) in rows]
    return Page[VariableOut](items=items, next_cursor=cursor)


@router.put(ONE + "/variables/{var}", response_model=VariableOut, summary="Set a Space variable (admins)",
            responses=error_docs(401, 403, 404, 409, 422))
async def put_variable(
    owner: Owner, name: SpaceName, var: EnvName, body: VariableIn, db: DB, actor: SignedIn, request: Request
) -> VariableOut:
    """Create or replace a variable (given to the app's container on its next start). Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_ADMIN, ref)
    variable = (
        await db.execute(
            select(SpaceVariable).where(SpaceVariable.space_id == space.id, SpaceVariable.name == var).with_for_update()
        )
    ).scalar_one_or_none()
    created = variable is None
    if variable is None:
        variable = SpaceVariable(space_id=space.id, name=var, value=body.value, created_at=utcnow())
        db.add(variable)
    variable.value = body.value
    await _record(db, actor, "space.variable.write", space, request, what=var, created=created)
    try:
        await db.flush()
    except IntegrityError:
        raise Conflict(f"Variable {var!r} was being set by another request; try again", code="variable_busy") from None
    return VariableOut(name=variable.name, value=variable.value, created_at=variable.created_at)


@router.delete(ONE + "/variables/{var}", status_code=204, response_class=Response,
               summary="Delete a Space variable (admins)", responses=error_docs(401, 403, 404))
async def delete_variable(
    owner: Owner, name: SpaceName, var: EnvName, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Delete a variable. Needs `space.admin`."""
    await _delete_named(db, actor, request, owner, name, SpaceVariable, var, "variable")
    return Response(status_code=204)

async def _delete_named(
    db: AsyncSession,
    actor: Actor,
    request: Request,
    owner: str,
    name: str,
    model: type[SpaceVariable] | type[SpaceSecret],
    key: str,
    kind: str,
) -> None:
    """Delete the Space's variable or secret `key` (`kind` names it in the 404 and the audit action).
    Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_ADMIN, ref)
    row = (await db.execute(select(model).where(model.space_id == space.id, model.name == key))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Space '{owner}/{name}' has no {kind} named {key!r}", code=f"{kind}_not_found")
    await db.delete(row)
    await _record(db, actor, f"space.{kind}.delete", space, request, what=key)


# --- secrets -------------------------------------------------------------------------------------------


@router.get(ONE + "/secrets", response_model=Page[SecretOut], summary="A Space's secrets (names only)",
            responses=error_docs(401, 403, 404, 422))
async def list_secrets(owner: Owner, name: SpaceName, db: DB, actor: SignedIn, page: PageDep) -> Page[SecretOut]:
    """The names and dates of the Space's secrets, by name; never their values. Needs `space.write`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    stmt = select(SpaceSecret).where(SpaceSecret.space_id == space.id)
    rows, cursor = await fetch_page(db, stmt, SpaceSecret.id, page, newest_first=False)
    items = [SecretOut(name=s.name, created_at=s.created_at, updated_at=s.updated_at) for (s,) in rows]
    return Page[SecretOut](items=items, next_cursor=cursor)


@router.put(ONE + "/secrets/{secret}", response_model=SecretOut, summary="Set a Space secret (admins)",
            responses=error_docs(401, 403, 404, 409, 422, 503))
async def put_secret(
    owner: Owner,
    name: SpaceName,
    secret: EnvName,
    body: SecretIn,
    db: DB,
    actor: SignedIn,
    settings: SettingsDep,
    request: Request,
) -> SecretOut:
    """Create or replace a secret, encrypted at rest, given to the app's container and never shown again.
    Needs `space.admin`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_ADMIN, ref)
    key_id, nonce, ciphertext = seal_space_secret(settings, space.id, secret, body.value.encode())
    row = (
        await db.execute(
            select(SpaceSecret).where(SpaceSecret.space_id == space.id, SpaceSecret.name == secret).with_for_update()
        )
    ).scalar_one_or_none()
    now, created = utcnow(), row is None
    if row is None:
        row = SpaceSecret(space_id=space.id, name=secret, created_at=now)
        db.add(row)
    row.key_id, row.nonce, row.ciphertext, row.updated_at = key_id, nonce, ciphertext, now
    await _record(db, actor, "space.secret.write", space, request, what=secret, created=created)
    try:
        await db.flush()
    except IntegrityError:
        raise Conflict(f"Secret {secret!r} was being set by another request; try again", code="secret_busy") from None
    return SecretOut(name=row.name, created_at=row.created_at, updated_at=row.updated_at)


@router.delete(ONE + "/secrets/{secret}", status_code=204, response_class=Response,
               summary="Delete a Space secret (admins)", responses=error_docs(401, 403, 404))
async def delete_secret(
    owner: Owner, name: SpaceName, secret: EnvName, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Delete a secret. Needs `space.admin`."""
    await _delete_named(db, actor, request, owner, name, SpaceSecret, secret, "secret")
    return Response(status_code=204)
