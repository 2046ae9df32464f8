"""deep links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:04:18.532907
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("spaces", sa.Column("deep_link_retention_days", sa.Integer(), server_default="30", nullable=False))
    op.create_check_constraint(
        op.f("ck_spaces_deep_link_retention_days_range"), "spaces", "deep_link_retention_days BETWEEN 1 AND 365"
    )
    op.create_table("deep_links",
    sa.Column("id", sa.Text(), nullable=False),
    sa.Column("space_id", sa.BigInteger(), nullable=True),
    sa.Column("share_link_id", sa.String(length=36), nullable=True),
    sa.Column("app_revision", sa.Text(), nullable=False),
    sa.Column("space_revision", sa.Integer(), nullable=True),
    sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column("size_bytes", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("open_count", sa.Integer(), server_default="0", nullable=False),
    sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(space_id IS NULL) <> (share_link_id IS NULL)", name=op.f("ck_deep_links_one_owner")),
    sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_deep_links_size_known")),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_deep_links_space_id_spaces"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["share_link_id"], ["share_links.id"], name=op.f("fk_deep_links_share_link_id_share_links"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_deep_links"))
    )
    op.create_index(op.f("ix_deep_links_expires_at"), "deep_links", ["expires_at"], unique=False)
    op.create_index(op.f("ix_deep_links_share_link_id"), "deep_links", ["share_link_id"], unique=False)
    # A Space's links, newest first (the user-facing list).
    op.create_index("ix_deep_links_space_id_created_at", "deep_links", ["space_id", sa.text("created_at DESC")],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_deep_links_space_id_created_at", table_name="deep_links")
    op.drop_index(op.f("ix_deep_links_share_link_id"), table_name="deep_links")
    op.drop_index(op.f("ix_deep_links_expires_at"), table_name="deep_links")
    op.drop_table("deep_links")
    op.drop_constraint(op.f("ck_spaces_deep_link_retention_days_range"), "spaces", type_="check")
    op.drop_column("spaces", "deep_link_retention_days")
