"""The library's tables as SQLAlchemy 2.x typed mappings.

Items are one wide row (a column per canonical field) rather than Zotero's field-value rows: every
sortable column is indexable, a page of the item table is one indexed query, and a bulk import is
one `executemany` per table. The `sort_*`, `creator_summary` and `year` columns are derived from
the fields and creators and rewritten by the Library whenever those change.

This module is portable SQL; what only SQLite has (pragmas, FTS5) lives in `citelib.store.sqlite`.
"""

from __future__ import annotations

from typing import Final, cast

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Canonical field name -> items column.
FIELD_COLUMNS: Final[dict[str, str]] = {
    "title": "title",
    "shortTitle": "short_title",
    "abstract": "abstract",
    "publicationTitle": "publication_title",
    "journalAbbreviation": "journal_abbreviation",
    "series": "series",
    "volume": "volume",
    "issue": "issue",
    "pages": "pages",
    "edition": "edition",
    "numberOfPages": "number_of_pages",
    "publisher": "publisher",
    "place": "place",
    "date": "date",
    "accessDate": "access_date",
    "DOI": "doi",
    "PMID": "pmid",
    "PMCID": "pmcid",
    "arXiv": "arxiv",
    "ISBN": "isbn",
    "ISSN": "issn",
    "url": "url",
    "language": "language",
    "genre": "genre",
    "event": "event",
    "number": "number",
    "citationKey": "citation_key",
    "extra": "extra",
    "callNumber": "call_number",
    "archive": "archive",
    "rights": "rights",
}


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(8), unique=True)
    item_type: Mapped[str] = mapped_column(String(32))
    trashed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    date_added: Mapped[str] = mapped_column(String(32))
    date_modified: Mapped[str] = mapped_column(String(32))
    # derived, for the item table and its sorting
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[int | None] = mapped_column(Integer)
    creator_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    sort_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    sort_creator: Mapped[str] = mapped_column(Text, default="", server_default="")
    sort_publication: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the title as duplicate detection compares it (model.title_key); since schema 0002
    title_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    attachment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # canonical fields (NULL when empty)
    title: Mapped[str | None] = mapped_column(Text)
    short_title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    publication_title: Mapped[str | None] = mapped_column(Text)
    journal_abbreviation: Mapped[str | None] = mapped_column(Text)
    series: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(Text)
    issue: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[str | None] = mapped_column(Text)
    edition: Mapped[str | None] = mapped_column(Text)
    number_of_pages: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(Text)
    access_date: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(Text)
    pmcid: Mapped[str | None] = mapped_column(Text)
    arxiv: Mapped[str | None] = mapped_column(Text)
    isbn: Mapped[str | None] = mapped_column(Text)
    issn: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    genre: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(Text)
    citation_key: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[str | None] = mapped_column(Text)
    call_number: Mapped[str | None] = mapped_column(Text)
    archive: Mapped[str | None] = mapped_column(Text)
    rights: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # One index per sort column, led by the trash flag every view filters on and ended by
        # id so a page is a pure index walk in either direction.
        Index("ix_items_sort_title", "trashed", "sort_title", "id"),
        Index("ix_items_sort_creator", "trashed", "sort_creator", "id"),
        Index("ix_items_sort_year", "trashed", "year", "id"),
        Index("ix_items_sort_publication", "trashed", "sort_publication", "id"),
        Index("ix_items_sort_date_added", "trashed", "date_added", "id"),
        Index("ix_items_sort_date_modified", "trashed", "date_modified", "id"),
        Index("ix_items_sort_item_type", "trashed", "item_type", "id"),
        Index("ix_items_pmid", "pmid"),
        Index("ix_items_isbn", "isbn"),
        Index("ix_items_citation_key", "citation_key"),
        Index("ix_items_title_key", "title_key"),
        # ids are never reused: the GUI and the undo history may still name a deleted item
        {"sqlite_autoincrement": True},
    )


# DOIs compare case-insensitively (DESIGN §5); an expression index needs the column object.
Index("ix_items_doi", func.lower(ItemRow.__table__.c.doi))


class CreatorRow(Base):
    __tablename__ = "creators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), default="author")
    family: Mapped[str] = mapped_column(Text, default="")
    given: Mapped[str] = mapped_column(Text, default="")
    literal: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_creators_item", "item_id", "position", unique=True),)


class TagRow(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    color: Mapped[str | None] = mapped_column(String(16))
    # coloured tags are ordered: keys 1-9 toggle the first nine on the selection
    color_position: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ItemTagRow(Base):
    __tablename__ = "item_tags"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_item_tags_tag", "tag_id", "item_id"),)


class CollectionRow(Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    date_added: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_collections_parent", "parent_id"), {"sqlite_autoincrement": True})


class CollectionItemRow(Base):
    __tablename__ = "collection_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_collection_items_item", "item_id"),)


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(8), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    html: Mapped[str] = mapped_column(Text, default="")
    date_added: Mapped[str] = mapped_column(String(32))
    date_modified: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_notes_item", "item_id", "position"),)


class AttachmentRow(Base):
    """A stored file (under files/<item key>/), a linked file (path kept) or a URL."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(8), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    date_added: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_attachments_item", "item_id"),
        Index("ix_attachments_sha256", "sha256"),
    )


class FulltextStateRow(Base):
    """How far an attachment's text is in the full-text index (`sqlite.FULLTEXT_TABLE`).

    Derived data, like the index itself: never part of the undo history, and deleted with its
    attachment. `sha256`, `size` and `mtime_ns` describe the file that was read, so a changed
    file is found stale; `pages` of `total_pages` are in the index (fewer after a cancel: the
    next run resumes); `error` and `error_kind` say why a file could not be read (encrypted,
    damaged, missing...), and the file is not tried again until it changes.
    """

    __tablename__ = "fulltext_state"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mtime_ns: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total_pages: Mapped[int | None] = mapped_column(Integer)
    indexed_at: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(16))


class SavedSearchRow(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    query: Mapped[str] = mapped_column(Text)
    # the search mode "All Fields & Full Text": words also match the attachments' text
    fulltext: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class MetaRow(Base):
    """Library-wide facts: its id, when it was created."""

    __tablename__ = "library_meta"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Typed as Table (SQLAlchemy types __table__ as the wider FromClause) for Core insert/update.
items = cast(Table, ItemRow.__table__)
creators = cast(Table, CreatorRow.__table__)
tags = cast(Table, TagRow.__table__)
item_tags = cast(Table, ItemTagRow.__table__)
collections = cast(Table, CollectionRow.__table__)
collection_items = cast(Table, CollectionItemRow.__table__)
notes = cast(Table, NoteRow.__table__)
attachments = cast(Table, AttachmentRow.__table__)
fulltext_state = cast(Table, FulltextStateRow.__table__)
saved_searches = cast(Table, SavedSearchRow.__table__)
library_meta = cast(Table, MetaRow.__table__)
