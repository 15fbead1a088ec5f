"""`citelib check`: is the library sound, and what can be mended safely.

SQLite's own integrity check comes first; then our own rules: no orphaned rows, every item of a
known type, no collection nested in itself, the FTS index in step with the items, the derived
sort columns in step with the fields, and the full-text index of attachments
(`sqlite.FULLTEXT_TABLE`) sound. (Its index states, `fulltext_state`, have a foreign key to
their attachment: an orphaned one is an orphan row like any other.) Repairs run in one
transaction after a verified backup.

The full-text index is derived data, read from the attachments' files: a damaged one is replaced
by an empty one and every attachment's index state forgotten, so the app (or `citelib index`)
reads them all again. Pages of a deleted attachment are what `fulltext.prune` removes at the
next indexing run; they are no finding, but a repair removes them as well. No repair deletes an
item, an attachment or a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from citelib import backup
from citelib.errors import LibraryError
from citelib.library import Library, fulltext, service
from citelib.library import rows as rowmap
from citelib.model import ITEM_TYPES
from citelib.store import schema, sqlite
from citelib.store.sqlite import ids_in

BATCH = 2000


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    message: str
    repairable: bool = True

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def run_checks(lib: Library) -> list[Finding]:
    bad = sqlite.integrity_check(lib.db_path)
    if bad:
        newest = backup.list_backups(lib.backups_dir)
        hint = f"; the newest backup is {newest[0].path}" if newest else ""
        return [
            Finding("integrity", f"SQLite reports damage: {m}{hint}", repairable=False)
            for m in bad[:20]
        ]
    # A write transaction: the FTS5 integrity check is an INSERT, and the checks see one state.
    with lib.db.write() as conn:
        return list(_findings(conn))


def _findings(conn: Connection) -> Iterator[Finding]:
    for table, rowid, parent in sqlite.foreign_key_violations(conn):
        yield Finding("orphan", f"{table} row {rowid} points to a missing {parent} row")
    i = schema.items
    for r in conn.execute(select(i.c.key, i.c.item_type).where(~i.c.item_type.in_(ITEM_TYPES))):
        yield Finding("item-type", f"item {r.key} has no known type ({r.item_type!r})")
    for cid in _collections_in_loops(conn):
        yield Finding("collection-loop", f"collection {cid} is nested inside itself")
    fts_message = sqlite.fts_integrity(conn)
    if fts_message:
        yield Finding("search-index", f"the search index is damaged ({fts_message})")
    item_ids = {r[0] for r in conn.execute(select(i.c.id))}
    fts_ids = sqlite.fts_rowids(conn)
    if item_ids - fts_ids:
        yield Finding(
            "search-index", f"{len(item_ids - fts_ids)} items are missing from the search index"
        )
    if fts_ids - item_ids:
        yield Finding("search-index", f"{len(fts_ids - item_ids)} search-index rows name no item")
    stale = _stale_derived(conn, sorted(item_ids))
    if stale:
        yield Finding("sort-columns", f"{len(stale)} items have out-of-date sort columns")
    fulltext_message = sqlite.fts_integrity(conn, sqlite.FULLTEXT_TABLE)
    if fulltext_message:
        yield Finding(
            "fulltext-index",
            f"the full-text index of attachments is damaged ({fulltext_message})",
        )
        return  # its pages cannot be trusted, nor perhaps read: repair empties it
    # Pages of attachments that are gone are no fault: a deleted attachment's pages wait for
    # the next indexing run to prune them (an undo finds them still there) and never match
    # meanwhile. A repair made for another reason removes them too.


def _orphan_pages(conn: Connection) -> dict[int, int]:
    """How many pages the full-text index holds of each attachment that is gone (the rule of
    `fulltext.prune`: no index state, which an attachment's deletion takes along)."""
    return {
        attachment_id: int(
            conn.exec_driver_sql(
                f"SELECT count(*) FROM {sqlite.FULLTEXT_TABLE} WHERE rowid >= ? AND rowid < ?",
                (
                    sqlite.fulltext_rowid(attachment_id, 0),
                    sqlite.fulltext_rowid(attachment_id + 1, 0),
                ),
            ).scalar()
            or 0
        )
        for attachment_id in fulltext.stateless(conn, sqlite.fulltext_attachments(conn))
    }


def _collections_in_loops(conn: Connection) -> list[int]:
    c = schema.collections
    parent = {r.id: r.parent_id for r in conn.execute(select(c.c.id, c.c.parent_id))}
    looped: list[int] = []
    for start in parent:
        seen: set[int] = set()
        node: int | None = start
        while node is not None and node not in seen:
            seen.add(node)
            node = parent.get(node)
        if node == start:
            looped.append(start)
    return sorted(looped)


def _stale_derived(conn: Connection, ids: list[int]) -> dict[int, dict[str, object]]:
    stale: dict[int, dict[str, object]] = {}
    keys = rowmap.DERIVED_COLUMNS
    i = schema.items
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        stored = {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                select(i.c.id, *(i.c[k] for k in keys)).where(ids_in(i.c.id, batch))
            )
        }
        for item in rowmap.load_items(conn, batch):
            assert item.id is not None
            want = rowmap.derived(item)
            if stored[item.id] != tuple(want[k] for k in keys):
                stale[item.id] = want
    return stale


def repair(lib: Library, findings: list[Finding] | None = None) -> list[str]:
    """Fix what can be fixed without losing data; returns what was done. Backs up first.

    `findings` are those of a `run_checks` just made (checking a large library takes a while).
    """
    if findings is None:
        findings = run_checks(lib)
    if not findings:
        return []
    if any(not f.repairable for f in findings):
        raise_unrepairable(findings)
    saved = backup.make_backup(lib.db_path, lib.backups_dir, "pre-repair")
    done = [f"backed up the library to {saved}"]
    with lib.db.write() as conn:
        # a write like any other: an open window sees it, and refuses to undo over it
        service._count_change(conn)
        c = schema.collections
        for table, rowid, parent in sqlite.foreign_key_violations(conn):
            if table == c.name:  # deleting it would take its subcollections along
                conn.execute(update(c).where(c.c.id == rowid).values(parent_id=None))
                done.append(f"collection {rowid} moved to the top level (its parent is missing)")
                continue
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            done.append(f"removed {table} row {rowid} (its {parent} row is missing)")
        i = schema.items
        for r in conn.execute(
            select(i.c.id, i.c.key, i.c.item_type, i.c.extra).where(~i.c.item_type.in_(ITEM_TYPES))
        ):
            extra = "\n".join(x for x in (r.extra, f"Original type: {r.item_type}") if x)
            conn.execute(update(i).where(i.c.id == r.id).values(item_type="document", extra=extra))
            done.append(f"item {r.key}: type set to Document (was {r.item_type!r}, kept in Extra)")
        # one collection per loop goes to the top; the others stay nested under it
        while looped := _collections_in_loops(conn):
            conn.execute(update(c).where(c.c.id == looped[0]).values(parent_id=None))
            done.append(f"collection {looped[0]} moved to the top level to break a loop")
        ids = sorted(r[0] for r in conn.execute(select(i.c.id)))
        for item_id, values in _stale_derived(conn, ids).items():
            conn.execute(update(i).where(i.c.id == item_id).values(values))
        sqlite.fts_recreate(conn)
        for start in range(0, len(ids), BATCH):
            fts_rows, _ = rowmap.fts_rows_for(conn, ids[start : start + BATCH])
            sqlite.fts_insert_bulk(conn, fts_rows)
        done.append(f"rebuilt the search index ({len(ids)} items) and the sort columns")
        done.extend(_repair_fulltext(conn))
    lib.history.clear()
    return done


def _repair_fulltext(conn: Connection) -> list[str]:
    """Empty a damaged full-text index of attachments (and forget every index state, so each
    attachment is read again), or else remove the pages of attachments that are gone. Runs
    after the orphaned rows are removed, so it also takes the pages of an orphaned state row."""
    if sqlite.fts_integrity(conn, sqlite.FULLTEXT_TABLE):
        forgotten = int(conn.execute(delete(schema.fulltext_state)).rowcount or 0)
        sqlite.fulltext_recreate(conn)
        return [
            "emptied the damaged full-text index of attachments and forgot the index state of "
            f"{forgotten} attachments; it is rebuilt from their files by `citelib index` or "
            "by the app in the background"
        ]
    orphans = _orphan_pages(conn)
    if not orphans:
        return []
    sqlite.fulltext_delete(conn, sorted(orphans))
    return [
        f"removed {sum(orphans.values())} full-text pages of {len(orphans)} attachments "
        "that are gone"
    ]


def raise_unrepairable(findings: list[Finding]) -> None:
    bad = [f for f in findings if not f.repairable]
    raise LibraryError(
        "the database file is damaged beyond what check --repair can mend: " + bad[0].message
    )
