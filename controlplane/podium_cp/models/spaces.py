"""Spaces: the apps teams push and run. Desired state lives here; the reconciler drives the runtime towards it.

Design and API: docs/design/spaces.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, CreatedMixin, IdMixin, utcnow
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.settings import DEEP_LINK_RETENTION_DAYS

STAGES = (
    "NO_APP_FILE", "CONFIG_ERROR", "BUILDING", "BUILD_ERROR", "APP_STARTING", "RUNNING", "RUNNING_BUILDING",
    "RUNTIME_ERROR", "SLEEPING", "PAUSED", "STOPPED", "DELETING", "WAITING_FOR_HARDWARE",
)
BUILD_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
MAX_REPLICAS = 10  # replicas of one Space (PATCH /api/spaces/O/N `replicas`: 1 to 10)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Flavor(IdMixin, Base):
    """A hardware flavor a Space can ask for (`cpu-basic`, `t4-small`, ...): what its container gets."""

    __tablename__ = "flavors"

    name: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    cpu: Mapped[float] = mapped_column(Float)  # cores
    memory_mb: Mapped[int] = mapped_column(Integer)
    gpu_type: Mapped[str | None] = mapped_column(String(32))  # "T4", "A10G", "A100", "H100"; None for CPU
    gpu_count: Mapped[int] = mapped_column(Integer, default=0)
    available: Mapped[bool] = mapped_column(default=True)


class OrgQuota(Base):
    """What an org may use at once; a Space beyond it waits in WAITING_FOR_HARDWARE with the reason."""

    __tablename__ = "org_quotas"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    max_spaces: Mapped[int] = mapped_column(Integer, default=50)
    max_gpus: Mapped[int] = mapped_column(Integer, default=0)


class Space(IdMixin, CreatedMixin, Base):
    """An app at `NAME--OWNER.spaces.DOMAIN`. Owned by an org or a user (exactly one of the two ids)."""

    __tablename__ = "spaces"
    __table_args__ = (
        UniqueConstraint("owner_name", "name"),
        CheckConstraint(f"name ~ '{NAME_PATTERN}'", name="name_format"),
        CheckConstraint("(owner_org_id IS NULL) <> (owner_user_id IS NULL)", name="one_owner"),
        CheckConstraint("visibility IN ('public', 'org', 'private')", name="visibility_known"),
        CheckConstraint("sdk IN ('podium', 'gradio', 'docker')", name="sdk_known"),
        CheckConstraint("desired_state IN ('running', 'paused', 'deleted')", name="desired_state_known"),
        CheckConstraint(_in("stage", STAGES), name="stage_known"),
        CheckConstraint("deep_link_retention_days BETWEEN 1 AND 365", name="deep_link_retention_days_range"),
        CheckConstraint(f"replicas BETWEEN 1 AND {MAX_REPLICAS}", name="replicas_range"),
    )

    name: Mapped[str] = mapped_column(String(39))
    owner_name: Mapped[str] = mapped_column(String(39))  # the org's or user's name (one namespace)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    sdk: Mapped[str] = mapped_column(String(16), default="podium")
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    hardware: Mapped[str] = mapped_column(String(32), default="cpu-basic")  # a Flavor name
    sleep_time: Mapped[int] = mapped_column(Integer, default=172800)  # seconds idle before sleeping; -1 never
    desired_state: Mapped[str] = mapped_column(String(8), default="running")
    stage: Mapped[str] = mapped_column(String(24), default="NO_APP_FILE")
    stage_message: Mapped[str] = mapped_column(Text, default="")
    latest_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    # The revision whose image serves (or last served): a failed build of a newer one keeps this one running.
    serving_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime | None]
    # Bumped by "restart": the reconciler restarts the container when it differs from the runtime's.
    restart_generation: Mapped[int] = mapped_column(Integer, default=0)
    # Days a deep link of this Space is kept (new Spaces: PODIUM_DEEP_LINK_RETENTION_DAYS).
    deep_link_retention_days: Mapped[int] = mapped_column(
        Integer, default=DEEP_LINK_RETENTION_DAYS, server_default=str(DEEP_LINK_RETENTION_DAYS)
    )
    # How many replicas the runtime runs behind the Space's URL (a cluster; one machine runs one). A GPU Space's
    # replicas each hold its flavor's GPUs against the org's quota.
    replicas: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SpaceRevision(IdMixin, CreatedMixin, Base):
    """One pushed version of a Space's files: a manifest of (path, size, sha256, mode) over stored blobs."""

    __tablename__ = "space_revisions"
    __table_args__ = (UniqueConstraint("space_id", "number"),)

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per Space
    manifest: Mapped[dict[str, Any]]  # {"files": [{"path", "size", "sha256", "mode"}...]}
    manifest_digest: Mapped[str] = mapped_column(String(80))
    space_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the README front matter, parsed
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Build(IdMixin, CreatedMixin, Base):
    """An image build of a revision: a job in the Postgres queue (claimed with FOR UPDATE SKIP LOCKED)."""

    __tablename__ = "builds"
    __table_args__ = (
        CheckConstraint(_in("status", BUILD_STATUSES), name="status_known"),
        Index("ix_builds_status_id", "status", "id"),
    )

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("space_revisions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    image: Mapped[str | None] = mapped_column(String(300))  # the built image's reference
    log_key: Mapped[str | None] = mapped_column(String(300))  # where the finished log is stored (object store)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the builder worker's id
    heartbeat_at: Mapped[datetime | None]  # a running build whose heartbeat stops is claimed again
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BuildLogLine(IdMixin, Base):
    """Live build output, line by line, so `logs --follow` and the console can stream it while it runs."""

    __tablename__ = "build_log_lines"
    __table_args__ = (Index("ix_build_log_lines_build_id_id", "build_id", "id"),)

    build_id: Mapped[int] = mapped_column(ForeignKey("builds.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    line: Mapped[str] = mapped_column(Text)


class SpaceVariable(IdMixin, CreatedMixin, Base):
    """A plain environment variable of a Space (shown back; secrets are SpaceSecret)."""

    __tablename__ = "space_variables"
    __table_args__ = (
        UniqueConstraint("space_id", "name"),
        CheckConstraint("name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'", name="name_format"),
    )

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(Text)


class SpaceSecret(IdMixin, CreatedMixin, Base):
    """A write-only secret of a Space, sealed like org secrets (podium_cp.crypto); given to the container."""

    __tablename__ = "space_secrets"
    __table_args__ = (
        UniqueConstraint("space_id", "name"),
        CheckConstraint("name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'", name="name_format"),
    )

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SpaceRuntime(Base):
    """What actually runs for a Space (written by the reconciler, read by the router)."""

    __tablename__ = "space_runtimes"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True)
    backend: Mapped[str] = mapped_column(String(16))  # "docker" | "kubernetes"
    container_id: Mapped[str | None] = mapped_column(String(128))
    image: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(300))  # where the router sends requests: http://host:port
    status: Mapped[str] = mapped_column(String(24), default="stopped")  # starting|running|stopped|failed
    restart_generation: Mapped[int] = mapped_column(Integer, default=0)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SpaceStageEvent(IdMixin, Base):
    """The stage history of a Space (console: "status and stage history")."""

    __tablename__ = "space_stage_events"
    __table_args__ = (Index("ix_space_stage_events_space_id_id", "space_id", "id"),)

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    stage: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text, default="")


class RuntimeCapacity(Base):
    """One node Spaces may run on, as the runtime last reported it (the reconciler replaces every row about every
    30 s): what it has and what running replicas have not requested yet. GET /api/hardware/capacity reads it."""

    __tablename__ = "runtime_capacity"

    name: Mapped[str] = mapped_column(String(253), primary_key=True)  # the node's name
    pool: Mapped[str] = mapped_column(String(100))  # "local" on one machine; a cluster's node pool
    gpu_type: Mapped[str] = mapped_column(String(100), default="")
    gpus: Mapped[int] = mapped_column(Integer, default=0)
    gpus_free: Mapped[int] = mapped_column(Integer, default=0)
    cpu: Mapped[float] = mapped_column(Float, default=0.0)
    cpu_free: Mapped[float] = mapped_column(Float, default=0.0)
    memory_mb: Mapped[int] = mapped_column(BigInteger, default=0)
    memory_mb_free: Mapped[int] = mapped_column(BigInteger, default=0)
    schedulable: Mapped[bool] = mapped_column(default=True)
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
