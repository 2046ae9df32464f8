"""spaces, revisions, builds, flavors and quotas

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 08:57:12.896622
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The hardware flavors a Space can ask for (name, display name, cores, memory MB, GPU type, GPU count).
FLAVORS = [
    ("cpu-basic", "CPU basic", 2.0, 16384, None, 0),
    ("cpu-upgrade", "CPU upgrade", 8.0, 32768, None, 0),
    ("t4-small", "Nvidia T4 small", 4.0, 15360, "T4", 1),
    ("t4-medium", "Nvidia T4 medium", 8.0, 30720, "T4", 1),
    ("a10g-small", "Nvidia A10G small", 4.0, 15360, "A10G", 1),
    ("a10g-large", "Nvidia A10G large", 12.0, 46080, "A10G", 1),
    ("a100-large", "Nvidia A100 large", 12.0, 145408, "A100", 1),
    ("h100", "Nvidia H100", 23.0, 245760, "H100", 1),
]


def upgrade() -> None:
    op.create_table("flavors",
    sa.Column("name", sa.String(length=32), nullable=False),
    sa.Column("display_name", sa.String(length=64), nullable=False),
    sa.Column("cpu", sa.Float(), nullable=False),
    sa.Column("memory_mb", sa.Integer(), nullable=False),
    sa.Column("gpu_type", sa.String(length=32), nullable=True),
    sa.Column("gpu_count", sa.Integer(), nullable=False),
    sa.Column("available", sa.Boolean(), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_flavors")),
    sa.UniqueConstraint("name", name=op.f("uq_flavors_name"))
    )
    op.create_table("org_quotas",
    sa.Column("org_id", sa.BigInteger(), nullable=False),
    sa.Column("max_spaces", sa.Integer(), nullable=False),
    sa.Column("max_gpus", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_org_quotas_org_id_orgs"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("org_id", name=op.f("pk_org_quotas"))
    )
    op.create_table("spaces",
    sa.Column("name", sa.String(length=39), nullable=False),
    sa.Column("owner_name", sa.String(length=39), nullable=False),
    sa.Column("owner_org_id", sa.BigInteger(), nullable=True),
    sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
    sa.Column("title", sa.String(length=100), nullable=False),
    sa.Column("sdk", sa.String(length=16), nullable=False),
    sa.Column("visibility", sa.String(length=8), nullable=False),
    sa.Column("hardware", sa.String(length=32), nullable=False),
    sa.Column("sleep_time", sa.Integer(), nullable=False),
    sa.Column("desired_state", sa.String(length=8), nullable=False),
    sa.Column("stage", sa.String(length=24), nullable=False),
    sa.Column("stage_message", sa.Text(), nullable=False),
    sa.Column("latest_revision_id", sa.BigInteger(), nullable=True),
    sa.Column("serving_revision_id", sa.BigInteger(), nullable=True),
    sa.Column("created_by_id", sa.BigInteger(), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("restart_generation", sa.Integer(), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("desired_state IN ('running', 'paused', 'deleted')", name=op.f("ck_spaces_desired_state_known")),
    sa.CheckConstraint("name ~ '^[a-z0-9]([a-z0-9-]{0,37}[a-z0-9])?$'", name=op.f("ck_spaces_name_format")),
    sa.CheckConstraint("sdk IN ('podium', 'gradio', 'docker')", name=op.f("ck_spaces_sdk_known")),
    sa.CheckConstraint("stage IN ('NO_APP_FILE', 'CONFIG_ERROR', 'BUILDING', 'BUILD_ERROR', 'APP_STARTING', 'RUNNING', 'RUNNING_BUILDING', 'RUNTIME_ERROR', 'SLEEPING', 'PAUSED', 'STOPPED', 'DELETING', 'WAITING_FOR_HARDWARE')", name=op.f("ck_spaces_stage_known")),
    sa.CheckConstraint("visibility IN ('public', 'org', 'private')", name=op.f("ck_spaces_visibility_known")),
    sa.CheckConstraint("(owner_org_id IS NULL) <> (owner_user_id IS NULL)", name=op.f("ck_spaces_one_owner")),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_spaces_created_by_id_users"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["owner_org_id"], ["orgs.id"], name=op.f("fk_spaces_owner_org_id_orgs"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name=op.f("fk_spaces_owner_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_spaces")),
    sa.UniqueConstraint("owner_name", "name", name=op.f("uq_spaces_owner_name_name"))
    )
    op.create_index(op.f("ix_spaces_owner_org_id"), "spaces", ["owner_org_id"], unique=False)
    op.create_index(op.f("ix_spaces_owner_user_id"), "spaces", ["owner_user_id"], unique=False)
    op.create_table("space_revisions",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("manifest", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column("manifest_digest", sa.String(length=80), nullable=False),
    sa.Column("space_metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column("message", sa.String(length=500), nullable=False),
    sa.Column("created_by_id", sa.BigInteger(), nullable=True),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_space_revisions_created_by_id_users"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_revisions_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_space_revisions")),
    sa.UniqueConstraint("space_id", "number", name=op.f("uq_space_revisions_space_id_number"))
    )
    # spaces <-> space_revisions refer to each other: these two keys come once both tables exist.
    op.create_foreign_key(op.f("fk_spaces_latest_revision_id_space_revisions"), "spaces", "space_revisions",
                          ["latest_revision_id"], ["id"], ondelete="SET NULL")
    op.create_foreign_key(op.f("fk_spaces_serving_revision_id_space_revisions"), "spaces", "space_revisions",
                          ["serving_revision_id"], ["id"], ondelete="SET NULL")
    op.create_index(op.f("ix_space_revisions_space_id"), "space_revisions", ["space_id"], unique=False)
    op.create_table("space_runtimes",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("backend", sa.String(length=16), nullable=False),
    sa.Column("container_id", sa.String(length=128), nullable=True),
    sa.Column("image", sa.String(length=300), nullable=True),
    sa.Column("url", sa.String(length=300), nullable=True),
    sa.Column("status", sa.String(length=24), nullable=False),
    sa.Column("restart_generation", sa.Integer(), nullable=False),
    sa.Column("restarts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_runtimes_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("space_id", name=op.f("pk_space_runtimes"))
    )
    op.create_table("space_secrets",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("name", sa.String(length=128), nullable=False),
    sa.Column("key_id", sa.String(length=32), nullable=False),
    sa.Column("nonce", sa.LargeBinary(), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'", name=op.f("ck_space_secrets_name_format")),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_secrets_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_space_secrets")),
    sa.UniqueConstraint("space_id", "name", name=op.f("uq_space_secrets_space_id_name"))
    )
    op.create_table("space_stage_events",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("stage", sa.String(length=24), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_stage_events_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_space_stage_events"))
    )
    op.create_index("ix_space_stage_events_space_id_id", "space_stage_events", ["space_id", "id"], unique=False)
    op.create_table("space_variables",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("name", sa.String(length=128), nullable=False),
    sa.Column("value", sa.Text(), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'", name=op.f("ck_space_variables_name_format")),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_variables_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_space_variables")),
    sa.UniqueConstraint("space_id", "name", name=op.f("uq_space_variables_space_id_name"))
    )
    op.create_table("builds",
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("revision_id", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("image", sa.String(length=300), nullable=True),
    sa.Column("log_key", sa.String(length=300), nullable=True),
    sa.Column("error", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("claimed_by", sa.String(length=100), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name=op.f("ck_builds_status_known")),
    sa.ForeignKeyConstraint(["revision_id"], ["space_revisions.id"], name=op.f("fk_builds_revision_id_space_revisions"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_builds_space_id_spaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_builds"))
    )
    op.create_index(op.f("ix_builds_space_id"), "builds", ["space_id"], unique=False)
    op.create_index("ix_builds_status_id", "builds", ["status", "id"], unique=False)
    op.create_table("build_log_lines",
    sa.Column("build_id", sa.BigInteger(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("line", sa.Text(), nullable=False),
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(["build_id"], ["builds.id"], name=op.f("fk_build_log_lines_build_id_builds"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_build_log_lines"))
    )
    op.create_index("ix_build_log_lines_build_id_id", "build_log_lines", ["build_id", "id"], unique=False)
    flavors = sa.table(
        "flavors",
        sa.column("name", sa.String), sa.column("display_name", sa.String), sa.column("cpu", sa.Float),
        sa.column("memory_mb", sa.Integer), sa.column("gpu_type", sa.String), sa.column("gpu_count", sa.Integer),
        sa.column("available", sa.Boolean),
    )
    op.bulk_insert(flavors, [
        {"name": n, "display_name": d, "cpu": c, "memory_mb": m, "gpu_type": g, "gpu_count": k, "available": True}
        for n, d, c, m, g, k in FLAVORS
    ])


def downgrade() -> None:
    op.drop_constraint(op.f("fk_spaces_latest_revision_id_space_revisions"), "spaces", type_="foreignkey")
    op.drop_constraint(op.f("fk_spaces_serving_revision_id_space_revisions"), "spaces", type_="foreignkey")
    op.drop_index("ix_build_log_lines_build_id_id", table_name="build_log_lines")
    op.drop_table("build_log_lines")
    op.drop_index("ix_builds_status_id", table_name="builds")
    op.drop_index(op.f("ix_builds_space_id"), table_name="builds")
    op.drop_table("builds")
    op.drop_table("space_variables")
    op.drop_index("ix_space_stage_events_space_id_id", table_name="space_stage_events")
    op.drop_table("space_stage_events")
    op.drop_table("space_secrets")
    op.drop_table("space_runtimes")
    op.drop_index(op.f("ix_space_revisions_space_id"), table_name="space_revisions")
    op.drop_table("space_revisions")
    op.drop_index(op.f("ix_spaces_owner_user_id"), table_name="spaces")
    op.drop_index(op.f("ix_spaces_owner_org_id"), table_name="spaces")
    op.drop_table("spaces")
    op.drop_table("org_quotas")
    op.drop_table("flavors")
