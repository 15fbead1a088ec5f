"""The first schema: items, creators, tags, collections, notes, attachments, FTS5 index.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("date_added", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["collections.id"],
            name=op.f("fk_collections_parent_id_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("key", name=op.f("uq_collections_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.create_index("ix_collections_parent", ["parent_id"], unique=False)

    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("trashed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("date_added", sa.String(length=32), nullable=False),
        sa.Column("date_modified", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("creator_summary", sa.Text(), server_default="", nullable=False),
        sa.Column("sort_title", sa.Text(), server_default="", nullable=False),
        sa.Column("sort_creator", sa.Text(), server_default="", nullable=False),
        sa.Column("sort_publication", sa.Text(), server_default="", nullable=False),
        sa.Column("attachment_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("short_title", sa.Text(), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column("publication_title", sa.Text(), nullable=True),
        sa.Column("journal_abbreviation", sa.Text(), nullable=True),
        sa.Column("series", sa.Text(), nullable=True),
        sa.Column("volume", sa.Text(), nullable=True),
        sa.Column("issue", sa.Text(), nullable=True),
        sa.Column("pages", sa.Text(), nullable=True),
        sa.Column("edition", sa.Text(), nullable=True),
        sa.Column("number_of_pages", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("date", sa.Text(), nullable=True),
        sa.Column("access_date", sa.Text(), nullable=True),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("pmid", sa.Text(), nullable=True),
        sa.Column("pmcid", sa.Text(), nullable=True),
        sa.Column("arxiv", sa.Text(), nullable=True),
        sa.Column("isbn", sa.Text(), nullable=True),
        sa.Column("issn", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column("event", sa.Text(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("citation_key", sa.Text(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("call_number", sa.Text(), nullable=True),
        sa.Column("archive", sa.Text(), nullable=True),
        sa.Column("rights", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("key", name=op.f("uq_items_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_citation_key", ["citation_key"], unique=False)
        batch_op.create_index("ix_items_isbn", ["isbn"], unique=False)
        batch_op.create_index("ix_items_pmid", ["pmid"], unique=False)
        batch_op.create_index(
            "ix_items_sort_creator", ["trashed", "sort_creator", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_sort_date_added", ["trashed", "date_added", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_sort_date_modified",
            ["trashed", "date_modified", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_items_sort_item_type", ["trashed", "item_type", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_sort_publication",
            ["trashed", "sort_publication", "id"],
            unique=False,
        )
        batch_op.create_index("ix_items_sort_title", ["trashed", "sort_title", "id"], unique=False)
        batch_op.create_index("ix_items_sort_year", ["trashed", "year", "id"], unique=False)

    op.create_table(
        "library_meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_library_meta")),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_searches_name")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=True),
        sa.Column("color_position", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("content_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("date_added", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_attachments_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("key", name=op.f("uq_attachments_key")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_item", ["item_id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)

    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_items_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_collection_items_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "item_id", name=op.f("pk_collection_items")),
    )
    with op.batch_alter_table("collection_items", schema=None) as batch_op:
        batch_op.create_index("ix_collection_items_item", ["item_id"], unique=False)

    op.create_table(
        "creators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("family", sa.Text(), nullable=False),
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("literal", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_creators_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creators")),
    )
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.create_index("ix_creators_item", ["item_id", "position"], unique=True)

    op.create_table(
        "item_tags",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_tags_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_item_tags_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "tag_id", name=op.f("pk_item_tags")),
    )
    with op.batch_alter_table("item_tags", schema=None) as batch_op:
        batch_op.create_index("ix_item_tags_tag", ["tag_id", "item_id"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("date_added", sa.String(length=32), nullable=False),
        sa.Column("date_modified", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_notes_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        sa.UniqueConstraint("key", name=op.f("uq_notes_key")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_item", ["item_id", "position"], unique=False)

    op.create_index("ix_items_doi", "items", [sa.text("lower(doi)")])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5(title, creators, publication, abstract, "
            "tags, notes, other, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE items_fts")
    op.drop_index("ix_items_doi", table_name="items")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("ix_notes_item")

    op.drop_table("notes")
    with op.batch_alter_table("item_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_item_tags_tag")

    op.drop_table("item_tags")
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_index("ix_creators_item")

    op.drop_table("creators")
    with op.batch_alter_table("collection_items", schema=None) as batch_op:
        batch_op.drop_index("ix_collection_items_item")

    op.drop_table("collection_items")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_sha256")
        batch_op.drop_index("ix_attachments_item")

    op.drop_table("attachments")
    op.drop_table("tags")
    op.drop_table("saved_searches")
    op.drop_table("library_meta")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_sort_year")
        batch_op.drop_index("ix_items_sort_title")
        batch_op.drop_index("ix_items_sort_publication")
        batch_op.drop_index("ix_items_sort_item_type")
        batch_op.drop_index("ix_items_sort_date_modified")
        batch_op.drop_index("ix_items_sort_date_added")
        batch_op.drop_index("ix_items_sort_creator")
        batch_op.drop_index("ix_items_pmid")
        batch_op.drop_index("ix_items_isbn")
        batch_op.drop_index("ix_items_citation_key")

    op.drop_table("items")
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_index("ix_collections_parent")

    op.drop_table("collections")
