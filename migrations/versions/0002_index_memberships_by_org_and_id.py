"""index memberships by org and id

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 08:31:27.561164
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_memberships_org_id_id", "memberships", ["org_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_memberships_org_id_id", table_name="memberships")
