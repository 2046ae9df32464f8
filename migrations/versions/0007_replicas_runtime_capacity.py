"""space replicas and the runtime's capacity view

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:12:03.511240
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing Spaces run one replica, as before.
    op.add_column("spaces", sa.Column("replicas", sa.Integer(), server_default="1", nullable=False))
    op.create_check_constraint(op.f("ck_spaces_replicas_range"), "spaces", "replicas BETWEEN 1 AND 10")
    op.create_table("runtime_capacity",
    sa.Column("name", sa.String(length=253), nullable=False),
    sa.Column("pool", sa.String(length=100), nullable=False),
    sa.Column("gpu_type", sa.String(length=100), nullable=False),
    sa.Column("gpus", sa.Integer(), nullable=False),
    sa.Column("gpus_free", sa.Integer(), nullable=False),
    sa.Column("cpu", sa.Float(), nullable=False),
    sa.Column("cpu_free", sa.Float(), nullable=False),
    sa.Column("memory_mb", sa.BigInteger(), nullable=False),
    sa.Column("memory_mb_free", sa.BigInteger(), nullable=False),
    sa.Column("schedulable", sa.Boolean(), nullable=False),
    sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("name", name=op.f("pk_runtime_capacity")),
    )


def downgrade() -> None:
    op.drop_table("runtime_capacity")
    op.drop_constraint(op.f("ck_spaces_replicas_range"), "spaces", type_="check")
    op.drop_column("spaces", "replicas")
