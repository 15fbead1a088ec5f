"""Merging duplicates into one master item (Zotero's Merge Items, keeping everything).

`Library.merge_items` checks the request (`check_request`), reads the items inside its write
transaction (`load`), builds the master's new fields and creators (`merged_item`) and lets
`write` move the rest. The rules:

- fields: the master keeps its own; a field empty on the master takes the value of the first
  other item (in the order given) that has one; a value the caller chose wins over both (an
  empty choice leaves the field empty);
- creators: the master's (a union would list the same authors twice); a master with none takes
  those of the first other item that has some;
- tags and collections: the master gets the union; the other items keep theirs;
- notes: moved to the master, after its own, in the order of the other items and then of their
  notes;
- attachments: the rows move to the master; no file on disk is moved, copied or deleted (a
  stored file's row keeps its `path`, which therefore has to name the file under the folder of
  the item that stored it, not be read against the folder of whichever item owns the row). An
  attachment with the same (non-empty) sha256 as one the master already has, or gets earlier in
  the same merge, stays with its item instead: nothing is lost (the other item sits in the Trash
  with it) and the master does not list the same file twice;
- the other items go to the Trash (restorable), as `Library.trash` leaves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, literal, select, update

from citelib.errors import InvalidValue, NotFound
from citelib.library import attaching
from citelib.library import rows as rowmap
from citelib.model import FIELD_SET, FIELDS, Creator, Item
from citelib.store import schema
from citelib.store.database import utc_now
from citelib.store.sqlite import dbapi, ids_in

if TYPE_CHECKING:
    from citelib.library.service import _Tx


def check_request(
    master_id: int, other_ids: Sequence[int], fields: Mapping[str, str] | None
) -> tuple[list[int], dict[str, str]]:
    """The other ids as a list and the chosen field values, or InvalidValue (before any
    transaction: a request that cannot be right never touches the library)."""
    others = list(other_ids)
    if not others:
        raise InvalidValue("merging needs at least one item besides the master")
    if master_id in others:
        raise InvalidValue(f"item {master_id} is the master; it cannot be merged into itself")
    repeated = sorted({i for i in others if others.count(i) > 1})
    if repeated:
        raise InvalidValue(f"item {repeated[0]} is named twice among the items to merge")
    chosen = dict(fields or {})
    unknown = sorted(set(chosen) - FIELD_SET)
    if unknown:
        raise InvalidValue(f"unknown field {unknown[0]!r}")
    return others, chosen


def load(conn: Connection, master_id: int, other_ids: Sequence[int]) -> tuple[Item, list[Item]]:
    """The master and the other items, in order; NotFound for a missing one, InvalidValue for
    one in the Trash (restore it first: merging what the user threw away is rarely meant)."""
    ids = [master_id, *other_ids]
    found = {item.id: item for item in rowmap.load_items(conn, ids)}
    for item_id in ids:
        item = found.get(item_id)
        if item is None:
            raise NotFound(f"no item {item_id}")
        if item.trashed:
            raise InvalidValue(f"item {item_id} is in the Trash; restore it before merging")
    return found[master_id], [found[i] for i in other_ids]


def merged_item(master: Item, others: Sequence[Item], chosen: Mapping[str, str]) -> Item:
    """The master's fields and creators after the merge (its tags and notes as they were)."""
    fields = dict(master.fields)
    for name in FIELDS:
        if not fields.get(name):
            value = next((o.fields[name] for o in others if o.fields.get(name)), None)
            if value is not None:
                fields[name] = value
    creators = master.creators or next((o.creators for o in others if o.creators), [])
    item = Item(
        master.item_type,
        fields,
        [Creator(c.family, c.given, c.literal, c.role) for c in creators],
        list(master.tags),
        list(master.notes),
        master.key,
        master.date_added,
        master.date_modified,
        master.trashed,
        master.id,
    )
    for name, value in chosen.items():
        item.set(name, value)
    return item


def write(tx: _Tx, merged: Item, other_ids: Sequence[int]) -> None:
    """Write the merge in `tx`, saving every row it may change first (for undo). The master's
    creators are the caller's to write (it has them written the same way as every edit)."""
    assert merged.id is not None
    master_id = merged.id
    conn = tx.conn
    ids = [master_id, *other_ids]
    tx.save_items(ids)
    i = schema.items
    values: dict[str, Any] = rowmap.field_values(merged) | rowmap.derived(merged)
    values["date_modified"] = utc_now()
    conn.execute(update(i).where(i.c.id == master_id).values(values))
    _union(conn, schema.item_tags, "tag_id", master_id, other_ids)
    _union(conn, schema.collection_items, "collection_id", master_id, other_ids)
    _move_notes(conn, master_id, other_ids)
    _move_attachments(conn, master_id, other_ids)
    attaching.recount(conn, ids)
    conn.execute(update(i).where(ids_in(i.c.id, other_ids)).values(trashed=1))
    tx.items.update(ids)
    tx.fts.update(ids)
    tx.tags = tx.collections = True


def _union(
    conn: Connection, table: Any, column: str, master_id: int, other_ids: Sequence[int]
) -> None:
    """Give the master every link (tag or collection) the other items have."""
    conn.execute(
        insert(table)
        .from_select(
            ["item_id", column],
            select(literal(master_id), table.c[column]).where(ids_in(table.c.item_id, other_ids)),
        )
        .prefix_with("OR IGNORE")
    )


def _in_merge_order(rows: Sequence[Any], other_ids: Sequence[int]) -> list[Any]:
    """Rows (already in each item's own order) in the order the other items were named."""
    place = {item_id: n for n, item_id in enumerate(other_ids)}
    return sorted(rows, key=lambda r: place[r.item_id])


def _move_notes(conn: Connection, master_id: int, other_ids: Sequence[int]) -> None:
    n = schema.notes
    start = conn.execute(
        select(func.coalesce(func.max(n.c.position) + 1, 0)).where(n.c.item_id == master_id)
    ).scalar_one()
    query = (
        select(n.c.item_id, n.c.id)
        .where(ids_in(n.c.item_id, other_ids))
        .order_by(n.c.position, n.c.id)
    )
    notes = _in_merge_order(conn.execute(query).all(), other_ids)
    dbapi(conn).executemany(
        "UPDATE notes SET item_id = ?, position = ? WHERE id = ?",
        [(master_id, start + pos, row.id) for pos, row in enumerate(notes)],
    )


def _move_attachments(conn: Connection, master_id: int, other_ids: Sequence[int]) -> None:
    a = schema.attachments
    seen = {sha for sha in conn.scalars(select(a.c.sha256).where(a.c.item_id == master_id)) if sha}
    query = (
        select(a.c.item_id, a.c.id, a.c.sha256)
        .where(ids_in(a.c.item_id, other_ids))
        .order_by(a.c.date_added, a.c.id)
    )
    moving: list[int] = []
    for row in _in_merge_order(conn.execute(query).all(), other_ids):
        if row.sha256 and row.sha256 in seen:
            continue
        if row.sha256:
            seen.add(row.sha256)
        moving.append(row.id)
    if moving:
        conn.execute(update(a).where(ids_in(a.c.id, moving)).values(item_id=master_id))
