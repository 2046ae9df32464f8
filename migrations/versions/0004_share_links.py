"""share links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:12:40.118305
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("share_links",
    sa.Column("id", sa.String(length=36), nullable=False),
    sa.Column("token_sha256", sa.String(length=64), nullable=False),
    sa.Column("subdomain", sa.String(length=32), nullable=False),
    sa.Column("owner_id", sa.BigInteger(), nullable=True),
    sa.Column("created_ip", sa.String(length=64), nullable=True),
    sa.Column("label", sa.String(length=200), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.BigInteger(), nullable=True),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("connected_run_id", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_share_links_owner_id_users"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["revoked_by"], ["users.id"], name=op.f("fk_share_links_revoked_by_users"),
                            ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
    sa.UniqueConstraint("subdomain", name=op.f("uq_share_links_subdomain")),
    sa.UniqueConstraint("token_sha256", name=op.f("uq_share_links_token_sha256"))
    )
    op.create_index(op.f("ix_share_links_owner_id"), "share_links", ["owner_id"], unique=False)
    # The anonymous rate limit counts one address's links of the last hour.
    op.create_index("ix_share_links_created_ip_created_at", "share_links", ["created_ip", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_share_links_created_ip_created_at", table_name="share_links")
    op.drop_index(op.f("ix_share_links_owner_id"), table_name="share_links")
    op.drop_table("share_links")
