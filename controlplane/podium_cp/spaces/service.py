"""Finding and creating Spaces, their public URL, and whether their hardware fits the owner's quota.

Lookups answer 404 `space_not_found` both for a Space that does not exist (or is being deleted) and for one the
actor may not see, so a private Space's name does not leak. `hardware_problem` is shared with the reconciler.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.crypto import SecretBox, SecretKeyError
from podium_cp.errors import APIError, Conflict, Forbidden, InvalidInput, NotFound
from podium_cp.models import Flavor, Org, OrgQuota, Space, SpaceRuntime, User
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.policy import Action, Actor, OrgRef, SpaceRef, require, visible
from podium_cp.roles import Role, Visibility
from podium_cp.settings import Settings, spaces_public_url, url_of_space
from podium_cp.spaces.stages import set_stage

DEFAULT_MAX_SPACES = 50
DEFAULT_MAX_GPUS = 0
# Stages in which a Space holds its hardware (its GPUs count against the owner's quota).
ACTIVE_STAGES = ("APP_STARTING", "RUNNING", "RUNNING_BUILDING")
NO_APP_MESSAGE = "Push the app's files with `podium push` to build and start it"
MAX_SECRET_BYTES = 64 * 1024


@dataclass(frozen=True)
class Quota:
    """What an owner may use at once (an org's `OrgQuota` row, or the defaults)."""

    max_spaces: int
    max_gpus: int
    custom: bool  # False: the defaults (the org has no quota row)


def space_url(owner: str, name: str) -> str:
    """Where the router serves a Space: `scheme://NAME--OWNER.spaces.DOMAIN[:PORT]`, from PODIUM_SPACES_PUBLIC_URL,
    else PODIUM_SPACES_DOMAIN (default localhost) and PODIUM_ROUTER_PORT (default 8080); see `Settings.space_url`."""
    domain = (os.environ.get("PODIUM_SPACES_DOMAIN") or "localhost").strip().strip(".").lower()
    return url_of_space(spaces_public_url(os.environ, domain), owner, name)


def space_ref(space: Space) -> SpaceRef:
    """The policy's reference to `space`."""
    return SpaceRef(
        name=space.name,
        visibility=Visibility(space.visibility),
        org_id=space.owner_org_id,
        owner_user_id=space.owner_user_id,
    )


def _not_found(owner: str, name: str) -> NotFound:
    return NotFound(f"No Space named '{owner}/{name}'", code="space_not_found")


async def find_space(
    db: AsyncSession, actor: Actor, owner: str, name: str, *, for_update: bool = False
) -> tuple[Space, SpaceRef]:
    """The Space `owner/name` and its policy reference, or 404 `space_not_found` when it does not exist, is being
    deleted, or `actor` may not see it. `for_update` locks the row until the transaction ends."""
    if not (re.fullmatch(NAME_PATTERN, owner) and re.fullmatch(NAME_PATTERN, name)):
        raise _not_found(owner, name)  # no such name can exist; spares the database odd input
    stmt = select(Space).where(Space.owner_name == owner, Space.name == name, Space.desired_state != "deleted")
    if for_update:
        stmt = stmt.with_for_update()
    space = (await db.execute(stmt)).scalar_one_or_none()
    if space is None:
        raise _not_found(owner, name)
    ref = space_ref(space)
    if not visible(actor, ref):
        raise _not_found(owner, name)
    return space, ref


def readable_condition(actor: Actor) -> ColumnElement[bool]:
    """A SQL condition on `Space` matching the Spaces `actor` may read (the policy's `space.read`, as SQL)."""
    public = Space.visibility == Visibility.PUBLIC.value
    if not actor.is_authenticated:
        return public
    if actor.site_admin:
        condition: ColumnElement[bool] = true()
    else:
        parts: list[ColumnElement[bool]] = [public]
        if actor.user_id is not None:
            parts.append(Space.owner_user_id == actor.user_id)
        for org_id, role in actor.roles.items():
            grants = actor.grants.get(org_id, {})
            if role.at_least(Role.ADMIN) or "*" in grants:
                parts.append(Space.owner_org_id == org_id)
            else:  # members see the org's non-private Spaces and the private ones a team grants them
                parts.append(
                    and_(
                        Space.owner_org_id == org_id,
                        or_(Space.visibility != Visibility.PRIVATE.value, Space.name.in_(sorted(grants))),
                    )
                )
        condition = or_(*parts)
    if actor.token_org_id is not None:  # a token limited to one org reads only its Spaces and public ones
        condition = and_(condition, or_(public, Space.owner_org_id == actor.token_org_id))
    return condition


async def quota_for(db: AsyncSession, org_id: int | None) -> Quota:
    """The quota of an org (its row, or the defaults); personal Spaces (`org_id` None) get the defaults."""
    row = None if org_id is None else await db.get(OrgQuota, org_id)
    if row is None:
        return Quota(max_spaces=DEFAULT_MAX_SPACES, max_gpus=DEFAULT_MAX_GPUS, custom=False)
    return Quota(max_spaces=row.max_spaces, max_gpus=row.max_gpus, custom=True)


def _owned_by(org_id: int | None, user_id: int | None) -> ColumnElement[bool]:
    if org_id is not None:
        return Space.owner_org_id == org_id
    if user_id is not None:
        return Space.owner_user_id == user_id
    return false()


async def spaces_count(db: AsyncSession, *, org_id: int | None = None, user_id: int | None = None) -> int:
    """How many Spaces an org (or a user) owns, not counting those being deleted."""
    stmt = select(func.count()).select_from(Space).where(_owned_by(org_id, user_id), Space.desired_state != "deleted")
    return int(await db.scalar(stmt) or 0)


async def gpus_in_use(
    db: AsyncSession, *, org_id: int | None = None, user_id: int | None = None, except_space_id: int | None = None
) -> int:
    """GPUs held by an owner's running or starting Spaces (optionally leaving one Space out): each Space's flavor's
    GPUs times its replicas. A Space whose started replicas wait for a cluster's scheduler (WAITING_FOR_HARDWARE
    with a starting runtime) holds its GPUs too: they are asked for, and the quota must not admit more."""
    placing = and_(Space.stage == "WAITING_FOR_HARDWARE", SpaceRuntime.status == "starting")
    stmt = (
        select(func.coalesce(func.sum(Flavor.gpu_count * Space.replicas), 0))
        .select_from(Space)
        .join(Flavor, Flavor.name == Space.hardware)
        .outerjoin(SpaceRuntime, SpaceRuntime.space_id == Space.id)
        .where(_owned_by(org_id, user_id), Space.desired_state == "running",
               or_(Space.stage.in_(ACTIVE_STAGES), placing))
    )
    if except_space_id is not None:
        stmt = stmt.where(Space.id != except_space_id)
    return int(await db.scalar(stmt) or 0)


async def find_flavor(db: AsyncSession, name: str) -> Flavor:
    """The available hardware flavor `name`, or 422 `unknown_hardware` listing the ones there are."""
    flavor = (await db.execute(select(Flavor).where(Flavor.name == name))).scalar_one_or_none()
    if flavor is None or not flavor.available:
        names = (await db.execute(select(Flavor.name).where(Flavor.available).order_by(Flavor.id))).scalars()
        raise InvalidInput(
            f"Unknown or unavailable hardware {name!r}; choose one of: {', '.join(names)} (GET /api/hardware)",
            code="unknown_hardware",
        )
    return flavor


async def hardware_problem(db: AsyncSession, space: Space) -> str | None:
    """Why `space` cannot get its hardware now (unknown flavor, or more GPUs than the owner's quota leaves), else
    None. The reconciler keeps such a Space in WAITING_FOR_HARDWARE with this message."""
    flavor = (await db.execute(select(Flavor).where(Flavor.name == space.hardware))).scalar_one_or_none()
    if flavor is None or not flavor.available:
        return f"Hardware {space.hardware!r} is not available on this server; choose another in the Space's settings"
    if flavor.gpu_count == 0:
        return None
    who = f"Space '{space.owner_name}/{space.name}'"
    replicas = int(space.replicas or 1)
    needed = flavor.gpu_count * replicas
    what = f"{flavor.gpu_count} GPU" + (f" x {replicas} replicas = {needed} GPUs" if replicas > 1 else "")
    if space.owner_org_id is None:
        return (
            f"{who} needs hardware {space.hardware!r} ({what}), but personal Spaces cannot use GPUs; "
            "move it to an org whose quota allows GPUs, or choose CPU hardware"
        )
    quota = await quota_for(db, space.owner_org_id)
    used = await gpus_in_use(db, org_id=space.owner_org_id, except_space_id=space.id)
    if used + needed <= quota.max_gpus:
        return None
    fewer = ", run fewer replicas" if replicas > 1 else ""
    return (
        f"{who} needs hardware {space.hardware!r} ({what}), but org {space.owner_name!r} may use "
        f"{quota.max_gpus} GPU(s) at once (max_gpus) and {used} are in use; pause another GPU Space{fewer}, choose "
        "CPU hardware, or ask a site administrator to raise the org's quota"
    )


async def settle_stage(db: AsyncSession, space: Space, *, record_unchanged: bool = False) -> None:
    """Set a running Space's stage from what it has: WAITING_FOR_HARDWARE with the reason when its hardware does
    not fit, else APP_STARTING when a revision serves, else NO_APP_FILE (the reconciler takes it from there)."""
    problem = await hardware_problem(db, space)
    if problem is not None:
        set_stage(db, space, "WAITING_FOR_HARDWARE", problem, record_unchanged=record_unchanged)
    elif space.serving_revision_id is not None:
        set_stage(db, space, "APP_STARTING", record_unchanged=record_unchanged)
    else:
        set_stage(db, space, "NO_APP_FILE", NO_APP_MESSAGE, record_unchanged=record_unchanged)


def check_name(name: str) -> None:
    """422 `invalid_space_name` unless `name` is lower-case letters, digits and single inner hyphens (1-39)."""
    if not re.fullmatch(NAME_PATTERN, name) or "--" in name:
        raise InvalidInput(
            f"Invalid Space name {name!r}: use 1-39 lower-case letters, digits and single hyphens, "
            "starting and ending with a letter or digit",
            code="invalid_space_name",
        )


@dataclass(frozen=True)
class NewSpace:
    """What `create_space` needs (the API's POST body)."""

    owner: str
    name: str
    sdk: str = "podium"
    visibility: Visibility = Visibility.PUBLIC
    hardware: str = "cpu-basic"
    title: str = ""
    sleep_time: int = 172800


async def _owner(db: AsyncSession, actor: Actor, new: NewSpace) -> tuple[int | None, int | None]:
    """(org id, user id) of the new Space's owner after checking the actor may create Spaces there; the owner's
    row is locked so concurrent creates count the quota one at a time."""
    if new.owner == actor.username and actor.user_id is not None:
        prospective = SpaceRef(name=new.name, visibility=new.visibility, owner_user_id=actor.user_id)
        require(actor, Action.SPACE_WRITE, prospective)  # the token's scope and org limit
        await db.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
        return None, actor.user_id
    org = (await db.execute(select(Org).where(Org.name == new.owner).with_for_update())).scalar_one_or_none()
    if org is None:
        raise Forbidden(
            f"You can create Spaces only under your own username ({actor.username!r}) or an org where you have "
            f"the 'write' role; {new.owner!r} is neither",
            code="owner_not_allowed",
        )
    require(actor, Action.ORG_SPACES_CREATE, OrgRef(id=org.id, name=org.name))
    return org.id, None


async def create_space(db: AsyncSession, actor: Actor, new: NewSpace) -> Space:
    """Create a Space after every check: name format, where the actor may create it, a free name (409
    `space_exists`), a known hardware flavor (422 `unknown_hardware`) and the owner's `max_spaces` quota (403
    `quota_exceeded`). A GPU flavor beyond `max_gpus` is created, waiting in WAITING_FOR_HARDWARE."""
    check_name(new.name)
    org_id, user_id = await _owner(db, actor, new)
    taken = await db.scalar(
        select(func.count()).select_from(Space).where(Space.owner_name == new.owner, Space.name == new.name)
    )
    if taken:
        raise Conflict(f"A Space named '{new.owner}/{new.name}' already exists; pick another name", code="space_exists")
    await find_flavor(db, new.hardware)
    quota = await quota_for(db, org_id)
    if await spaces_count(db, org_id=org_id, user_id=user_id) >= quota.max_spaces:
        who = f"Org {new.owner!r}" if org_id is not None else "Your account"
        raise Forbidden(
            f"{who} has reached its quota of {quota.max_spaces} Spaces "
            "(max_spaces); delete a Space, or ask a site administrator to raise the quota",
            code="quota_exceeded",
        )
    space = Space(
        name=new.name,
        owner_name=new.owner,
        owner_org_id=org_id,
        owner_user_id=user_id,
        title=new.title,
        sdk=new.sdk,
        visibility=new.visibility.value,
        hardware=new.hardware,
        sleep_time=new.sleep_time,
        desired_state="running",
        created_by_id=actor.user_id,
    )
    db.add(space)
    try:
        await db.flush()
    except IntegrityError:  # created by a concurrent request between our check and our insert
        raise Conflict(f"A Space named '{new.owner}/{new.name}' already exists; pick another name", code="space_exists") from None
    await settle_stage(db, space, record_unchanged=True)
    return space


def space_secret_aad(space_id: int, name: str) -> bytes:
    """The associated data binding a Space secret's ciphertext to its Space and name (open it with the same)."""
    return f"space-secret:{space_id}:{name}".encode()


def seal_space_secret(settings: Settings, space_id: int, name: str, value: bytes) -> tuple[str, bytes, bytes]:
    """(key id, nonce, ciphertext) of a Space secret's value; 422 `secret_too_large` over 64 KiB, 503
    `secrets_unavailable` when the server has no encryption key."""
    if len(value) > MAX_SECRET_BYTES:
        raise InvalidInput(f"A secret's value may be at most {MAX_SECRET_BYTES} bytes (64 KiB)", code="secret_too_large")
    try:
        box = SecretBox.from_settings(settings)
    except SecretKeyError as exc:
        raise APIError(f"Secrets are not available on this server: {exc}", code="secrets_unavailable", status=503) from None
    return box.seal(value, space_secret_aad(space_id, name))
