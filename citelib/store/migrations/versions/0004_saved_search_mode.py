"""Saved searches remember their search mode: `fulltext` (1) for "All Fields & Full Text",
where their words also match the indexed text of the items' attachments. Searches saved before
keep the fields-only mode they ran in.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fulltext", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_column("fulltext")
