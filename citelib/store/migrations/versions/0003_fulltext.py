"""Full text: attachment pages in an FTS5 table of their own, and each attachment's index state.

Both are derived data: a migrated library has every PDF attachment pending, and the app indexes
them in the background.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Written out, not imported from citelib.store.sqlite: a migration keeps what the schema meant
# when it was written (a test checks that a new library's table is what sqlite.py describes).
_FULLTEXT_CREATE = (
    "CREATE VIRTUAL TABLE fulltext_fts USING fts5("
    "text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)


def upgrade() -> None:
    op.create_table(
        "fulltext_state",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("mtime_ns", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_pages", sa.Integer(), nullable=True),
        sa.Column("indexed_at", sa.String(length=32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_kind", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_fulltext_state_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_fulltext_state")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_FULLTEXT_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE fulltext_fts")
    op.drop_table("fulltext_state")
