"""Items to table rows and back, in batches (never a query per item)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Connection, Select, select

from citelib.model import (
    Creator,
    Item,
    creator_summary,
    note_text,
    parse_date,
    sort_key_title,
    title_key,
)
from citelib.store import schema
from citelib.store.sqlite import ids_in

# The columns computed from an item's fields and creators (see `derived`).
DERIVED_COLUMNS: Final[tuple[str, ...]] = (
    "year",
    "month",
    "day",
    "creator_summary",
    "sort_title",
    "sort_creator",
    "sort_publication",
    "title_key",
)
# Column order of the items table for bulk `executemany` inserts.
ITEM_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "key",
    "item_type",
    "trashed",
    "date_added",
    "date_modified",
    *DERIVED_COLUMNS,
    "attachment_count",
    *schema.FIELD_COLUMNS.values(),
)
_FIELD_ITEMS: Final = tuple(schema.FIELD_COLUMNS.items())
_OTHER_FTS_FIELDS: Final = (
    "DOI",
    "PMID",
    "PMCID",
    "arXiv",
    "ISBN",
    "ISSN",
    "citationKey",
    "shortTitle",
    "series",
    "publisher",
    "place",
    "event",
    "genre",
    "number",
    "extra",
    "date",
)


def derived(item: Item) -> dict[str, Any]:
    """The columns computed from fields and creators."""
    date = parse_date(item.fields.get("date", ""))
    first = next((c for c in item.creators if c.role == "author"), None) or (
        item.creators[0] if item.creators else None
    )
    return {
        "year": date.year,
        "month": date.month,
        "day": date.day,
        "creator_summary": creator_summary(item.creators),
        "sort_title": sort_key_title(item.fields.get("title", "")),
        "sort_creator": first.sort_name() if first else "",
        "sort_publication": item.fields.get("publicationTitle", "").casefold(),
        "title_key": title_key(item.fields.get("title", "")),
    }


def field_values(item: Item) -> dict[str, str | None]:
    fields = item.fields
    return {col: (fields.get(name) or None) for name, col in _FIELD_ITEMS}


def item_tuple(item: Item, item_id: int, key: str, now: str) -> tuple[Any, ...]:
    d = derived(item)
    fields = item.fields
    return (
        item_id,
        key,
        item.item_type,
        1 if item.trashed else 0,
        item.date_added or now,
        item.date_modified or now,
        d["year"],
        d["month"],
        d["day"],
        d["creator_summary"],
        d["sort_title"],
        d["sort_creator"],
        d["sort_publication"],
        d["title_key"],
        0,
        *((fields.get(name) or None) for name, _ in _FIELD_ITEMS),
    )


def creator_tuples(item_id: int, creators: Sequence[Creator]) -> list[tuple[Any, ...]]:
    return [(item_id, pos, c.role, c.family, c.given, c.literal) for pos, c in enumerate(creators)]


def fts_tuple(item_id: int, item: Item) -> tuple[Any, ...]:
    f = item.fields
    creators = " ".join(
        c.literal or (f"{c.given} {c.family}" if c.given else c.family) for c in item.creators
    )
    publication = " ".join(
        v for v in (f.get("publicationTitle"), f.get("journalAbbreviation")) if v
    )
    other = " ".join(f[name] for name in _OTHER_FTS_FIELDS if f.get(name))
    return (
        item_id,
        f.get("title", ""),
        creators,
        publication,
        f.get("abstract", ""),
        # sorted as load_items returns them: an import and a later reindex write the same row
        " ".join(sorted(item.tags)),
        " ".join(note_text(n) for n in item.notes),
        other,
    )


def item_from_row(row: Any) -> Item:
    m = row._mapping
    fields = {name: m[col] for name, col in _FIELD_ITEMS if m[col]}
    return Item(
        item_type=m["item_type"],
        fields=fields,
        key=m["key"],
        date_added=m["date_added"],
        date_modified=m["date_modified"],
        trashed=bool(m["trashed"]),
        id=m["id"],
    )


# The items columns load_items reads, by position: a 100,000-item export reads them as plain
# tuples (SQLAlchemy's per-row objects cost as much as the query).
_LOAD_FIELDS: Final = tuple(_FIELD_ITEMS)
_LOAD_COLUMNS: Final = (
    "id", "key", "item_type", "trashed", "date_added", "date_modified",
    *(col for _, col in _LOAD_FIELDS),
)  # fmt: skip


def _tuples(conn: Connection, query: Select[Any]) -> list[Any]:
    """All rows of a query as the driver's plain tuples (no SQLAlchemy row objects: for a
    100,000-item export they cost a third of the reading)."""
    result = conn.execute(query)
    try:
        rows = list(result.cursor.fetchall())
    finally:
        result.close()
    return rows


def load_items(conn: Connection, ids: Sequence[int]) -> list[Item]:
    """Whole items (fields, creators, tags, notes) for ids, in the order given; missing ids are
    left out. Four queries whatever the number of ids."""
    if not ids:
        return []
    i = schema.items
    names = [name for name, _ in _LOAD_FIELDS]
    by_id: dict[int, Item] = {}
    query = select(*(i.c[col] for col in _LOAD_COLUMNS)).where(ids_in(i.c.id, ids))
    for row in _tuples(conn, query):
        item_id, key, item_type, trashed, added, modified, *values = row
        by_id[item_id] = Item(
            item_type=item_type,
            fields={name: value for name, value in zip(names, values, strict=True) if value},
            key=key,
            date_added=added,
            date_modified=modified,
            trashed=bool(trashed),
            id=item_id,
        )
    c = schema.creators
    creators = (
        select(c.c.item_id, c.c.family, c.c.given, c.c.literal, c.c.role)
        .where(ids_in(c.c.item_id, by_id))
        .order_by(c.c.item_id, c.c.position)
    )
    for item_id, family, given, literal, role in _tuples(conn, creators):
        by_id[item_id].creators.append(Creator(family, given, literal, role))
    it, t = schema.item_tags, schema.tags
    tags = (
        select(it.c.item_id, t.c.name)
        .join(t, t.c.id == it.c.tag_id)
        .where(ids_in(it.c.item_id, by_id))
        .order_by(it.c.item_id, t.c.name)
    )
    for item_id, name in _tuples(conn, tags):
        by_id[item_id].tags.append(name)
    n = schema.notes
    notes = (
        select(n.c.item_id, n.c.html)
        .where(ids_in(n.c.item_id, by_id))
        .order_by(n.c.item_id, n.c.position, n.c.id)
    )
    for item_id, html in _tuples(conn, notes):
        by_id[item_id].notes.append(html)
    return [by_id[i] for i in ids if i in by_id]


def fts_rows_for(conn: Connection, ids: Iterable[int]) -> tuple[list[tuple[Any, ...]], list[int]]:
    """FTS rows of the items that exist, and the ids that no longer do."""
    wanted = list(ids)
    found = load_items(conn, wanted)
    present = {i.id for i in found}
    rows = [fts_tuple(i.id, i) for i in found if i.id is not None]
    return rows, [i for i in wanted if i not in present]
