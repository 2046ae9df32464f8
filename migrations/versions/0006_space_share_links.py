"""space share links

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:41:27.604113
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("space_share_links",
    sa.Column("id", sa.Text(), nullable=False),
    sa.Column("space_id", sa.BigInteger(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("label", sa.String(length=200), nullable=False),
    sa.Column("created_by_id", sa.BigInteger(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("use_count", sa.Integer(), server_default="0", nullable=False),
    sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_space_share_links_space_id_spaces"),
                            ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_space_share_links_created_by_id_users"),
                            ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_space_share_links")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_space_share_links_token_hash"))
    )
    # A Space's links, newest first (the list pages through it).
    op.create_index("ix_space_share_links_space_id_created_at", "space_share_links",
                    ["space_id", sa.text("created_at DESC")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_space_share_links_space_id_created_at", table_name="space_share_links")
    op.drop_table("space_share_links")
