"""The reconciler: drives every Space from its desired state (Postgres) to what actually runs (the runtime).

Each pass reads every Space in one query (with its newest succeeded build, its runtime row and digests of its
variables and secrets) and the runtime's replicas in one call, then does for each Space what is missing:

- desired `running` with a built image: start `replicas` replicas of the newest succeeded build (env: built-in
  variables and the Space's variables; `secret_env`: its decrypted secrets; CPU, memory and GPUs of its flavor),
  wait until it answers HTTP (`APP_STARTING` -> `RUNNING`, then `serving_revision_id`), restart it when its
  configuration changes (image, variables, secrets, hardware, replicas, a restart request: the `org.podium.config`
  label differs), and when it exits (`RUNTIME_ERROR` with the exit code and its last log lines, restarted after
  2, 4, 8 ... 300 s);
- a replica the runtime cannot place for lack of resources (a cluster's scheduler): `WAITING_FOR_HARDWARE` with
  the scheduler's words and no start-up timeout until it is placed;
- `RUNNING` and idle longer than `sleep_time`: remove the replica, `SLEEPING` (a request to the router wakes it:
  the router sets `APP_STARTING`, the next pass starts it);
- desired `paused`: remove the replica; desired `deleted`: remove the replica, then the Space's rows;
- a GPU flavor that does not fit the org's quota or (one machine) this node's free GPUs: `WAITING_FOR_HARDWARE`
  with why, nothing started; a runtime that places GPUs itself (`places_gpus`, a cluster) gets quota checks only;
- replicas of Spaces that no longer exist: removed.

About every 30 s it stores `runtime.capacity()` in `runtime_capacity` (GET /api/hardware/capacity); a runtime
with a namespace policy (Kubernetes' NetworkPolicy) gets it ensured once.

Every replica gets a deep-link token of its Space (PODIUM_DEEP_LINK_TOKEN) and the address of the API that stores
its deep links (PODIUM_DEEP_LINK_API: PODIUM_SPACES_API_URL, else the API's Unix socket, whose folder is mounted
read-only at /run/podium); about once a minute the reconciler deletes expired deep links.

Stages that describe a push or a build (`BUILDING`, `RUNNING_BUILDING`, `BUILD_ERROR`, `NO_APP_FILE`,
`CONFIG_ERROR`) and the ones the API sets (`PAUSED`, `DELETING`) are left as they are; the reconciler writes the
runtime's stages only. Everything it knows is in Postgres and in the replicas' labels, so a reconciler killed at
any moment and started again adopts the running replicas and carries on. One reconciler works at a time (a
Postgres advisory lock); a second one waits as a standby.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anyio import to_thread
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from podium_cp.crypto import DecryptionError, SecretBox, SecretKeyError
from podium_cp.db.base import utcnow
from podium_cp.db.engine import Database
from podium_cp.db.raw import fetch_all
from podium_cp.deeplinks.service import purge_expired
from podium_cp.deeplinks.tokens import mint_space_token
from podium_cp.models.spaces import Space, SpaceRuntime, SpaceSecret, SpaceVariable
from podium_cp.runtime.base import (
    APP_PORT,
    ContainerEngineError,
    ContainerSpec,
    Mount,
    Replica,
    Runtime,
    RuntimeHandle,
)
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings, SettingsError
from podium_cp.spaces.capacity_store import replace_capacity
from podium_cp.spaces.replica_env import builtin_env, deep_link_api
from podium_cp.spaces.service import hardware_problem, space_secret_aad
from podium_cp.spaces.stages import set_stage

__all__ = ["LABEL_CONFIG", "LABEL_GPUS", "Reconciler", "backoff_s"]

log = logging.getLogger("podium.reconciler")

LABEL_CONFIG = "org.podium.config"  # hash of everything the replica was started with
LABEL_GPUS = "org.podium.gpus"  # the GPU indexes the replica holds, "0,1"
RUNTIME_STAGES = frozenset({"APP_STARTING", "RUNNING", "RUNTIME_ERROR", "SLEEPING", "STOPPED", "WAITING_FOR_HARDWARE"})
STARTUP_TIMEOUT_S = 300.0  # a replica that does not answer HTTP by then is a RUNTIME_ERROR
HEALTHY_RESET_S = 120.0  # running this long resets the restart back-off
MAX_BACKOFF_S = 300.0
LOG_LINES_IN_MESSAGE = 8
PURGE_EVERY_S = 60.0  # how often expired deep links are deleted
CAPACITY_EVERY_S = 30.0  # how often the runtime's capacity is stored
SDKS = frozenset({"podium", "gradio", "docker"})
_LOCK_KEY = 0x706F6469756D  # pg advisory lock of the active reconciler ("podium")

_SNAPSHOT = """
    SELECT s.id, s.name, s.owner_name, s.owner_org_id, s.title, s.hardware, s.sleep_time, s.desired_state, s.stage,
           s.stage_message, s.last_activity_at, s.restart_generation, s.replicas, s.sdk,
           f.cpu, f.memory_mb, f.gpu_count, f.gpu_type,
           b.id AS build_id, b.image, b.revision_id AS build_revision_id, rv.number AS revision_number,
           rv.space_metadata,
           r.container_id, r.url, r.status AS runtime_status, r.restarts, r.started_at, r.updated_at AS runtime_at,
           (SELECT md5(string_agg(v.name || '=' || v.value, chr(10) ORDER BY v.name))
              FROM space_variables v WHERE v.space_id = s.id) AS variables_digest,
           (SELECT md5(string_agg(x.name || ':' || encode(x.nonce, 'hex'), chr(10) ORDER BY x.name))
              FROM space_secrets x WHERE x.space_id = s.id) AS secrets_digest
      FROM spaces s
      LEFT JOIN flavors f ON f.name = s.hardware
      LEFT JOIN LATERAL (
            SELECT id, image, revision_id FROM builds
             WHERE space_id = s.id AND status = 'succeeded' AND image IS NOT NULL
             ORDER BY id DESC LIMIT 1) b ON true
      LEFT JOIN space_revisions rv ON rv.id = b.revision_id
      LEFT JOIN space_runtimes r ON r.space_id = s.id
     ORDER BY s.id
"""


def backoff_s(restarts: int) -> float:
    """Seconds to wait before starting a replica that failed `restarts` times in a row: 2, 4, 8 ... 300."""
    return min(MAX_BACKOFF_S, 2.0 ** max(1, min(restarts, 16)))


@dataclass(frozen=True)
class _Row:
    """One Space of a pass's snapshot."""

    data: Any  # the snapshot's named tuple

    def __getattr__(self, item: str) -> Any:
        return getattr(self.data, item)

    @property
    def full_name(self) -> str:
        return f"{self.data.owner_name}/{self.data.name}"

    @property
    def effective_sdk(self) -> str:
        """The sdk of the revision that runs (its README), else the Space's."""
        sdk = (self.data.space_metadata or {}).get("sdk")
        return str(sdk) if sdk in SDKS else str(self.data.sdk or "podium")

    @property
    def port(self) -> int:
        meta = self.data.space_metadata or {}
        if meta.get("sdk") == "docker":
            return int(meta.get("app_port") or APP_PORT)
        return APP_PORT


class Reconciler:
    """Runs passes every `interval_s` until stopped; `pass_once` is one pass (tests call it directly)."""

    def __init__(
        self,
        database: Database,
        runtime: Runtime,
        settings: Settings,
        *,
        interval_s: float = 0.5,
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
        gpus: Sequence[Gpu] = (),
        clock: Callable[[], datetime] = utcnow,
        concurrency: int = 4,
        standby_poll_s: float = 5.0,
    ) -> None:
        if getattr(runtime, "name", "") == "kubernetes" and not settings.spaces_api_url:
            raise SettingsError("PODIUM_RUNTIME=kubernetes needs PODIUM_SPACES_API_URL (the API's in-cluster URL): "
                                "Space pods reach the deep-link API there")
        self.database = database
        self.runtime = runtime
        self.settings = settings
        self.interval_s = interval_s
        self.startup_timeout_s = startup_timeout_s
        self.gpus = tuple(gpus)
        self.clock = clock
        self.standby_poll_s = standby_poll_s  # how often a standby tries to take the reconciler lock
        self._limit = asyncio.Semaphore(concurrency)
        self._gpu_starts = asyncio.Lock()
        self._box: SecretBox | None = None
        self._cpus = float(os.cpu_count() or 1)
        self._purged_at: datetime | None = None
        self._capacity_at: datetime | None = None
        # A cluster runtime's one-time set-up (the NetworkPolicy that admits only the router); none on Docker.
        self._ensure_policy: Callable[[], None] | None = getattr(runtime, "ensure_namespace_policy", None)
        self._said_no_token = False

    # --- the loop -----------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Take the reconciler lock (standing by while another reconciler holds it), then pass until `stop`."""
        async with self.database.engine.connect() as lock_conn:
            announced = held = False
            try:
                while not stop.is_set():
                    held = bool(await lock_conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK_KEY}))
                    await lock_conn.commit()
                    if held:
                        break
                    if not announced:
                        log.info("another reconciler is active; standing by")
                        announced = True
                    await self._sleep(stop, self.standby_poll_s)
                if held:
                    log.info("reconciling Spaces every %.1f s", self.interval_s)
                while held and not stop.is_set():
                    try:
                        await self.pass_once()
                    except Exception:  # the database or the engine is down: log, wait, try again
                        log.exception("a reconcile pass failed; retrying")
                        await self._sleep(stop, 2.0)
                    await self._sleep(stop, self.interval_s)
            finally:
                if held:  # the lock belongs to the connection, which goes back to the pool: release it for a standby
                    await self._unlock(lock_conn)

    @staticmethod
    async def _unlock(lock_conn: AsyncConnection) -> None:
        try:
            await lock_conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            await lock_conn.commit()
        except Exception:  # the connection broke: closing it releases the lock just as well
            await lock_conn.invalidate()

    @staticmethod
    async def _sleep(stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def pass_once(self) -> None:
        """One pass over every Space (see the module docstring)."""
        await self._maybe_ensure_policy()
        async with self.database.read_session() as db:
            rows = [_Row(r) for r in await fetch_all(db, _SNAPSHOT, {})]
        replicas = {r.space_id: r for r in await to_thread.run_sync(self.runtime.replicas)}
        known = {row.id for row in rows}
        used_gpus = {
            index
            for replica in replicas.values()
            for index in (replica.labels.get(LABEL_GPUS) or "").split(",")
            if index
        }

        async def one(row: _Row) -> None:
            async with self._limit:
                try:
                    await self._reconcile(row, replicas.get(row.id), used_gpus)
                except ContainerEngineError as exc:
                    log.warning("%s: %s", row.full_name, exc)
                except Exception:
                    log.exception("%s: reconciling failed", row.full_name)

        await asyncio.gather(*(one(row) for row in rows))
        for space_id, replica in replicas.items():
            if space_id not in known:
                log.info("removing the replica of Space %s, which no longer exists", space_id)
                await to_thread.run_sync(self.runtime.remove, replica.handle)
        await self._maybe_purge_deep_links()
        await self._maybe_store_capacity()

    async def _maybe_ensure_policy(self) -> None:
        """The runtime's namespace policy (who may reach Spaces), once; a failure is tried again next pass and
        holds no Space up."""
        if self._ensure_policy is None:
            return
        try:
            await to_thread.run_sync(self._ensure_policy)
        except Exception as exc:
            log.warning("could not ensure the runtime's namespace policy (trying again next pass): %s", exc)
            return
        self._ensure_policy = None

    async def _maybe_store_capacity(self) -> None:
        """Replace the `runtime_capacity` rows with `runtime.capacity()`, at most once every CAPACITY_EVERY_S. A
        runtime that cannot say is logged and tried again later; the rows stored before stay."""
        now = self.clock()
        if self._capacity_at is not None and (now - self._capacity_at).total_seconds() < CAPACITY_EVERY_S:
            return
        self._capacity_at = now
        try:
            nodes = await to_thread.run_sync(self.runtime.capacity)
        except Exception as exc:
            log.warning("could not read the runtime's capacity (trying again in %.0f s): %s", CAPACITY_EVERY_S, exc)
            return
        try:
            async with self.database.session() as db:
                await replace_capacity(db, nodes, now)
        except Exception:
            log.exception("storing the runtime's capacity failed")

    async def _maybe_purge_deep_links(self) -> None:
        """Delete expired deep links, at most once every PURGE_EVERY_S (reads check expiry themselves)."""
        now = self.clock()
        if self._purged_at is not None and (now - self._purged_at).total_seconds() < PURGE_EVERY_S:
            return
        self._purged_at = now
        try:
            async with self.database.session() as db:
                removed = await purge_expired(db, now=now)
        except Exception:  # the next purge tries again; Spaces are not held up by it
            log.exception("purging expired deep links failed")
            return
        if removed:
            log.info("purged %d expired deep link(s)", removed)

    # --- one Space ----------------------------------------------------------------------------------------

    async def _reconcile(self, row: _Row, replica: Replica | None, used_gpus: set[str]) -> None:
        if row.desired_state == "deleted":
            await self._delete(row, replica)
            return
        if row.desired_state == "paused" or row.stage in ("SLEEPING", "STOPPED"):
            if replica is not None or row.container_id is not None:
                await self._stop(row, replica, stage=None)
            return
        if row.build_id is None:
            return  # nothing built yet: the push or the build decides the stage
        if row.runtime_status == "failed" and (replica is None or replica.state != "running"):
            since = (self.clock() - row.runtime_at).total_seconds() if row.runtime_at else 1e9
            if since < backoff_s(int(row.restarts or 0)):
                return
            await self._start(row, replica, used_gpus)
            return
        config = self._config_hash(row)
        if replica is None or replica.labels.get(LABEL_CONFIG) != config:
            await self._start(row, replica, used_gpus)
            return
        if replica.state in ("created", "configured", "initialized"):
            return  # the engine is still starting it
        if replica.state != "running":
            await self._crashed(row, replica)
            return
        if row.runtime_status != "running" or row.container_id != replica.handle.container_id:
            await self._check_started(row, replica)
            return
        await self._maybe_sleep(row, replica)

    def _config_hash(self, row: _Row) -> str:
        facts = [
            row.image, row.variables_digest, row.secrets_digest, row.restart_generation, row.hardware, row.cpu,
            row.memory_mb, row.gpu_count, row.port, row.title, self.settings.spaces_public_url, row.replicas,
            deep_link_api(self.settings)[0], str(self.settings.spaces_api_socket),
        ]
        return hashlib.sha256(json.dumps(facts, default=str).encode()).hexdigest()[:24]

    def _locked(self, space_id: int) -> _Locked:
        """A transaction with the Space row locked (None when it is gone) and its runtime row."""
        return _Locked(self.database, space_id)

    async def _start(self, row: _Row, replica: Replica | None, used_gpus: set[str]) -> None:
        if int(row.gpu_count or 0) == 0:
            await self._start_replica(row, replica, used_gpus)
            return
        # GPU Spaces start one at a time: each one's quota check and GPU placement must see the others' starts.
        async with self._gpu_starts:
            await self._start_replica(row, replica, used_gpus)

    async def _start_replica(self, row: _Row, replica: Replica | None, used_gpus: set[str]) -> None:
        async with self._locked(row.id) as (db, space, runtime_row):
            if space is None or space.desired_state != "running" or space.stage in ("SLEEPING", "STOPPED"):
                return
            problem = await hardware_problem(db, space)
            devices: tuple[str, ...] = ()
            if problem is None and int(row.gpu_count or 0) > 0 and not self.runtime.places_gpus:
                devices, problem = self._place_gpus(row, used_gpus, replica)
            if problem is not None:
                if space.stage in RUNTIME_STAGES:
                    set_stage(db, space, "WAITING_FOR_HARDWARE", problem)
                return
            # Built-in variables win over secrets, which win over variables (docs/design/spaces.md); the secrets go
            # apart (a cluster keeps them in a Secret), so their keys leave `env`.
            builtins = builtin_env(self.settings, row.owner_name, row.name, title=row.title, hardware=row.hardware,
                                   revision=int(row.revision_number))
            mounts = self._deep_link_env(builtins, row.id)
            secret_env = {k: v for k, v in (await self._secrets(db, row.id)).items() if k not in builtins}
            env = {k: v for k, v in (await self._variables(db, row.id)).items() if k not in secret_env}
            env.update(builtins)
            cpu = float(row.cpu or 1.0)
            spec = ContainerSpec(
                space_id=row.id,
                name=row.full_name,
                image=row.image,
                env=env,
                secret_env=secret_env,
                # One machine cannot give more cores than it has; a cluster's scheduler finds a node that does.
                cpu=cpu if self.runtime.places_gpus else min(cpu, self._cpus),
                memory_mb=int(row.memory_mb or 2048),
                gpu_count=int(row.gpu_count or 0),
                gpu_device_ids=devices,
                port=row.port,
                labels={LABEL_CONFIG: self._config_hash(row), LABEL_GPUS: ",".join(devices)},
                mounts=mounts,
                hardware=str(row.hardware),
                gpu_type=str(row.gpu_type or "") if int(row.gpu_count or 0) > 0 else "",
                sdk=row.effective_sdk,
                replicas=int(row.replicas or 1),
            )
            restarts = int(runtime_row.restarts) if runtime_row is not None else 0
            try:
                handle = await to_thread.run_sync(self.runtime.start, spec)
            except ContainerEngineError as exc:
                runtime_row = self._runtime_row(db, runtime_row, row.id)
                runtime_row.status, runtime_row.restarts, runtime_row.last_error = "failed", restarts + 1, str(exc)
                runtime_row.url, runtime_row.updated_at = None, self.clock()
                if space.stage in RUNTIME_STAGES:
                    set_stage(db, space, "RUNTIME_ERROR", f"Could not start the container: {exc}")
                return
            used_gpus.update(devices)
            runtime_row = self._runtime_row(db, runtime_row, row.id)
            runtime_row.container_id, runtime_row.url, runtime_row.image = handle.container_id, handle.url, row.image
            runtime_row.status, runtime_row.restart_generation = "starting", int(row.restart_generation)
            runtime_row.backend = self.runtime.name
            runtime_row.started_at = runtime_row.updated_at = self.clock()
            if space.stage in RUNTIME_STAGES:
                set_stage(db, space, "APP_STARTING", f"Starting revision {row.revision_number}")
            log.info("%s: started revision %s (%s)", row.full_name, row.revision_number, handle.container_id[:12])

    def _deep_link_env(self, env: dict[str, str], space_id: int) -> tuple[Mount, ...]:
        """Add the deep-link token and API address to `env`; the mounts they need. Without PODIUM_SECRET_KEYS there
        is no token: the apps then keep deep links in their own local store."""
        try:
            token = mint_space_token(self.settings, space_id)
        except SecretKeyError as exc:
            if not self._said_no_token:
                log.warning("Spaces get no deep-link token (%s); their deep links stay inside their containers", exc)
                self._said_no_token = True
            return ()
        api, mounts = deep_link_api(self.settings)
        env["PODIUM_DEEP_LINK_TOKEN"] = token
        env["PODIUM_DEEP_LINK_API"] = api
        return mounts

    def _place_gpus(self, row: _Row, used: set[str], replica: Replica | None) -> tuple[tuple[str, ...], str | None]:
        """The GPU indexes for the Space's replica on this node, or why there are none."""
        mine = {i for i in ((replica.labels.get(LABEL_GPUS) or "").split(",") if replica else []) if i}
        wanted_type = str(row.gpu_type or "").lower()
        fitting = [g for g in self.gpus if wanted_type in g.name.lower()]
        free = [g.index for g in fitting if g.index not in used or g.index in mine]
        count = int(row.gpu_count)
        if len(free) >= count:
            return tuple(free[:count]), None
        have = f"{len(fitting)} {row.gpu_type} GPU(s), {len(free)} free" if fitting else f"no {row.gpu_type} GPU"
        return (), (f"Waiting for {count} {row.gpu_type} GPU(s) for hardware {row.hardware!r}: this node has {have}; "
                    "the Space starts when one is free, or choose other hardware")

    async def _variables(self, db: AsyncSession, space_id: int) -> dict[str, str]:
        rows = await db.execute(select(SpaceVariable.name, SpaceVariable.value).where(SpaceVariable.space_id == space_id))
        return {str(name): str(value) for name, value in rows.all()}

    async def _secrets(self, db: AsyncSession, space_id: int) -> dict[str, str]:
        rows = (await db.execute(select(SpaceSecret).where(SpaceSecret.space_id == space_id))).scalars().all()
        if not rows:
            return {}
        if self._box is None:
            self._box = SecretBox.from_settings(self.settings)
        out = {}
        for secret in rows:
            try:
                value = self._box.open(secret.key_id, secret.nonce, secret.ciphertext,
                                       space_secret_aad(space_id, secret.name))
            except DecryptionError:
                log.error("space %s: secret %s cannot be decrypted with the configured keys; it is left out",
                          space_id, secret.name)
                continue
            out[secret.name] = value.decode("utf-8", errors="replace")
        return out

    async def _check_started(self, row: _Row, replica: Replica) -> None:
        status = await to_thread.run_sync(self.runtime.status, replica.handle)
        waiting = f"Waiting for hardware: {status.message or 'no node has the resources it asks for'}"
        if (status.waiting_for_hardware and row.stage == "WAITING_FOR_HARDWARE" and row.stage_message == waiting
                and row.container_id == replica.handle.container_id):
            return  # still waiting, for the same reason: nothing to write (the placed branch below resets the clock)
        now = self.clock()
        async with self._locked(row.id) as (db, space, runtime_row):
            if space is None:
                return
            runtime_row = self._runtime_row(db, runtime_row, row.id)
            if runtime_row.container_id != replica.handle.container_id:  # adopted after a restart
                runtime_row.container_id, runtime_row.url, runtime_row.image = (
                    replica.handle.container_id, replica.handle.url, row.image)
                runtime_row.started_at = runtime_row.started_at or now
            if status.waiting_for_hardware:
                # Not placed yet: no start-up timeout while it waits (it counts from when it is placed).
                runtime_row.started_at = runtime_row.updated_at = now
                if space.stage in RUNTIME_STAGES:
                    set_stage(db, space, "WAITING_FOR_HARDWARE", waiting)
                return
            if space.stage == "WAITING_FOR_HARDWARE" and runtime_row.status == "starting":
                runtime_row.started_at = now  # placed: the start-up timeout counts from here
                set_stage(db, space, "APP_STARTING", f"Starting revision {row.revision_number}")
            if status.state == "running" and status.health == "healthy":
                runtime_row.status, runtime_row.updated_at = "running", now
                space.serving_revision_id = row.build_revision_id
                space.last_activity_at = now  # the idle clock starts with the replica
                if space.stage in RUNTIME_STAGES:
                    set_stage(db, space, "RUNNING")
                log.info("%s: running revision %s at %s", row.full_name, row.revision_number, replica.handle.url)
                return
            started = runtime_row.started_at or now
            if (now - started).total_seconds() > self.startup_timeout_s:
                lines = await to_thread.run_sync(self.runtime.logs, replica.handle, LOG_LINES_IN_MESSAGE)
                await to_thread.run_sync(self.runtime.remove, replica.handle)
                runtime_row.status, runtime_row.url = "failed", None
                runtime_row.restarts = int(runtime_row.restarts or 0) + 1
                runtime_row.last_error = f"did not answer HTTP on port {row.port} within {self.startup_timeout_s:.0f} s"
                runtime_row.updated_at = now
                if space.stage in RUNTIME_STAGES:
                    set_stage(db, space, "RUNTIME_ERROR", _with_logs(
                        f"The app did not answer HTTP on port {row.port} within {self.startup_timeout_s:.0f} s "
                        "(it must listen on 0.0.0.0)", lines))

    async def _crashed(self, row: _Row, replica: Replica) -> None:
        status = await to_thread.run_sync(self.runtime.status, replica.handle)
        lines = await to_thread.run_sync(self.runtime.logs, replica.handle, LOG_LINES_IN_MESSAGE)
        async with self._locked(row.id) as (db, space, runtime_row):
            if space is None:
                return
            runtime_row = self._runtime_row(db, runtime_row, row.id)
            if runtime_row.status == "failed" and runtime_row.container_id == replica.handle.container_id:
                return  # already recorded; the back-off decides when it starts again
            restarts = int(runtime_row.restarts or 0) + 1
            runtime_row.container_id = replica.handle.container_id
            runtime_row.status, runtime_row.url, runtime_row.restarts = "failed", None, restarts
            why = f"exited with code {status.exit_code}" + (f" ({status.message})" if status.message else "")
            runtime_row.last_error = why
            runtime_row.updated_at = self.clock()
            if space.stage in RUNTIME_STAGES:
                set_stage(db, space, "RUNTIME_ERROR", _with_logs(
                    f"The app {why}; restarting in {backoff_s(restarts):.0f} s", lines))
            log.info("%s: the app exited with code %s", row.full_name, status.exit_code)

    async def _maybe_sleep(self, row: _Row, replica: Replica) -> None:
        now = self.clock()
        if row.restarts and row.started_at and (now - row.started_at).total_seconds() > HEALTHY_RESET_S:
            async with self._locked(row.id) as (db, space, runtime_row):
                if runtime_row is not None:
                    runtime_row.restarts = 0
        sleep_time = int(row.sleep_time)
        if sleep_time < 0:
            return
        idle_since = max(t for t in (row.last_activity_at, row.started_at) if t is not None) if (
            row.last_activity_at or row.started_at) else now
        if now - idle_since < timedelta(seconds=sleep_time):
            return
        await self._stop(row, replica, stage=("SLEEPING", f"Sleeping after {_duration(sleep_time)} without "
                                                           "requests; a request wakes it"))

    async def _stop(self, row: _Row, replica: Replica | None, *, stage: tuple[str, str] | None) -> None:
        if replica is not None:
            await to_thread.run_sync(self.runtime.remove, replica.handle)
        elif row.container_id:
            await to_thread.run_sync(self.runtime.remove, RuntimeHandle(row.container_id, row.url or ""))
        async with self._locked(row.id) as (db, space, runtime_row):
            if runtime_row is not None:
                runtime_row.status, runtime_row.url, runtime_row.container_id = "stopped", None, None
                runtime_row.updated_at = self.clock()
            if space is not None and stage is not None and space.stage == "RUNNING":
                set_stage(db, space, *stage)
        log.info("%s: stopped (%s)", row.full_name, stage[0] if stage else row.desired_state)

    async def _delete(self, row: _Row, replica: Replica | None) -> None:
        if replica is not None:
            await to_thread.run_sync(self.runtime.remove, replica.handle)
        async with self.database.session() as db:
            await db.execute(delete(Space).where(Space.id == row.id, Space.desired_state == "deleted"))
        log.info("%s: deleted", row.full_name)

    def _runtime_row(self, db: AsyncSession, runtime_row: SpaceRuntime | None, space_id: int) -> SpaceRuntime:
        if runtime_row is None:
            runtime_row = SpaceRuntime(space_id=space_id, backend=self.runtime.name, status="stopped", restarts=0,
                                       restart_generation=0, last_error="")
            db.add(runtime_row)
        return runtime_row


class _Locked:
    """`async with` -> (session, Space locked FOR UPDATE or None, its SpaceRuntime or None); commits at the end."""

    def __init__(self, database: Database, space_id: int) -> None:
        self._cm = database.session()
        self._space_id = space_id

    async def __aenter__(self) -> tuple[AsyncSession, Space | None, SpaceRuntime | None]:
        db = await self._cm.__aenter__()
        space = (await db.execute(select(Space).where(Space.id == self._space_id).with_for_update())).scalar_one_or_none()
        runtime_row = await db.get(SpaceRuntime, self._space_id) if space is not None else None
        return db, space, runtime_row

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._cm.__aexit__(*exc)


def _with_logs(message: str, lines: list[str]) -> str:
    tail = [line for line in lines if line.strip()][-LOG_LINES_IN_MESSAGE:]
    return message + ("\n" + "\n".join(tail) if tail else "")


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
