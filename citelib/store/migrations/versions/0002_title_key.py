"""Duplicate detection: the items table gains `title_key` (indexed), filled from the titles.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BATCH = 5000


_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"}
)  # fmt: skip


def _title_key(title: str) -> str:
    # The rule of citelib.model.title_key at this revision, frozen here: a migration must compute
    # what the schema meant when it was written, whatever the code says later.
    decomposed = unicodedata.normalize("NFKD", title.translate(_UNDECOMPOSED))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in kept if ch.isalnum())  # model.py's regex [\W_] does the same


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title FROM items WHERE title IS NOT NULL")).all()
    updates = [{"id": r[0], "k": _title_key(r[1])} for r in rows]
    for start in range(0, len(updates), _BATCH):
        conn.execute(
            sa.text("UPDATE items SET title_key = :k WHERE id = :id"),
            updates[start : start + _BATCH],
        )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_title_key", ["title_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_title_key")
        batch_op.drop_column("title_key")
