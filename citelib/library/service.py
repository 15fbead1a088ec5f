"""The Library service: every read and write the app and the CLI make goes through here.

Each mutating method runs in one write transaction, returns a `Change` saying what changed, and
(unless told otherwise) leaves an undo step in `history`. Bulk work (imports, tagging thousands
of items) uses the DB-API cursor's `executemany`; single edits use SQLAlchemy Core statements.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from citelib import backup, search
from citelib.errors import HistoryLost, InvalidValue, LibraryError, NotFound
from citelib.formats.citekeys import key_from
from citelib.gcpause import collector_paused
from citelib.library import attaching, duplicates, merging
from citelib.library import rows as rowmap
from citelib.library.changes import Change
from citelib.library.history import History, Region, Step, restore
from citelib.model import (
    CREATOR_ROLES,
    FIELD_LABELS,
    FIELD_SET,
    ITEM_TYPES,
    Creator,
    Item,
    new_keys,
    normalise_doi,
)
from citelib.paths import default_library_dir
from citelib.search import Compiled
from citelib.store import schema, sqlite
from citelib.store.database import MIGRATIONS, Database, Interrupt, Migrations, utc_now
from citelib.store.sqlite import ids_in, texts_in

if TYPE_CHECKING:
    from citelib.library.fulltext import FulltextHit, FulltextStatus, IndexResult, IndexRun

log = logging.getLogger(__name__)
# The fields a stored file's name is made of (with the creators): an edit of one renames it.
NAMING_FIELDS: Final = frozenset({"title", "shortTitle", "date"})

DB_NAME: Final = "library.sqlite"
SORT_COLUMNS: Final[dict[str, str]] = {
    "title": "sort_title",
    "creator": "sort_creator",
    "year": "year",
    "publication": "sort_publication",
    "date_added": "date_added",
    "date_modified": "date_modified",
    "type": "item_type",
}
# The index each sort walks: (trashed, column, id).
SORT_INDEXES: Final[dict[str, str]] = {
    sort: next(
        ix.name
        for ix in schema.items.indexes
        if [c.name for c in ix.columns] == ["trashed", column, "id"] and ix.name
    )
    for sort, column in SORT_COLUMNS.items()
}
INDEX_WALK_THRESHOLD: Final = 2000
# A text search matching more items than this is counted by scanning an index and probing its
# hits, not by looking each hit's row up (rows carry abstracts: reading 84,000 costs 140 ms).
FTS_LOOKUP_LIMIT: Final = 5000
# After writing this many items in one go, refresh the planner's statistics (ANALYZE).
ANALYZE_AFTER: Final = 1000
BULK_CHUNK: Final = 5000
REINDEX_BATCH: Final = 2000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which items a view shows before the quick search narrows them."""

    collection: int | None = None
    subcollections: bool = False
    unfiled: bool = False
    trash: bool = False
    tags: tuple[str, ...] = ()
    ids: tuple[int, ...] | None = None  # only these items (the Duplicate Items view)


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """One row of the item table."""

    id: int
    key: str
    item_type: str
    title: str
    creator: str
    year: int | None
    publication: str
    date_added: str
    date_modified: str
    attachments: int
    trashed: bool


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[ItemSummary]
    total: int


@dataclass(frozen=True, slots=True)
class TagInfo:
    id: int
    name: str
    color: str | None
    color_position: int | None
    count: int


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    id: int
    key: str
    name: str
    parent_id: int | None
    count: int


@dataclass(frozen=True, slots=True)
class NoteInfo:
    id: int
    key: str
    item_id: int
    html: str
    date_added: str
    date_modified: str


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """A stored file (under files/<item key>/), a linked file (its path) or a URL."""

    id: int
    key: str
    item_id: int
    kind: str
    title: str
    path: str | None
    url: str | None
    content_type: str | None
    size: int | None
    date_added: str


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: int
    name: str
    query: str
    fulltext: bool = False  # saved in the mode "All Fields & Full Text"


@dataclass(slots=True)
class _Tx:
    """A write in progress: its connection, the regions saved for undo, what changed."""

    conn: Connection
    label: str
    regions: list[Region] = field(default_factory=list)
    saved: list[list[dict[str, Any]]] = field(default_factory=list)
    fts: set[int] = field(default_factory=set)
    items: set[int] = field(default_factory=set)
    added: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    tags: bool = False
    collections: bool = False
    saved_searches: bool = False
    new_ids: list[int] = field(default_factory=list)

    def save(
        self, table: Any, where: ColumnElement[bool], columns: tuple[str, ...] | None = None
    ) -> None:
        region = Region(table, where, columns)
        self.regions.append(region)
        self.saved.append(region.read(self.conn))

    def save_items(self, ids: Sequence[int], *, with_tags: bool = True) -> None:
        """Everything that belongs to these items (not the tags table itself)."""
        self.save(schema.items, ids_in(schema.items.c.id, ids))
        self.save(schema.creators, ids_in(schema.creators.c.item_id, ids))
        if with_tags:
            self.save(schema.item_tags, ids_in(schema.item_tags.c.item_id, ids))
        self.save(schema.notes, ids_in(schema.notes.c.item_id, ids))
        self.save(schema.collection_items, ids_in(schema.collection_items.c.item_id, ids))
        self.save(schema.attachments, ids_in(schema.attachments.c.item_id, ids))

    def result(self) -> Change:
        return Change(
            self.label,
            frozenset(self.items),
            frozenset(self.added),
            frozenset(self.removed),
            self.tags,
            self.collections,
            self.saved_searches,
            tuple(self.new_ids),
        )


class ExportItems:
    """Items of a library read lazily, in batches, for a writer (see Library.export_items)."""

    def __init__(self, lib: Library, ids: list[int], batch: int) -> None:
        self._lib = lib
        self._ids = ids
        self._batch = batch

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Item]:
        return self._lib.iter_items(self._ids, self._batch)

    def key_parts(self) -> list[tuple[str, str]]:
        return self._lib.key_parts(self._ids)


class Library:
    """One library folder: `library.sqlite`, `files/`, `backups/` (DESIGN §2)."""

    def __init__(self, folder: Path, db: Database) -> None:
        self.folder = folder
        self.db = db
        self.history = History()
        # One write of ours at a time, with its bookkeeping (counter, undo history): two
        # threads' writes interleaved after their commits would each take the other's for
        # another program's. SQLite serialises the writes themselves anyway.
        self._write_lock = threading.RLock()
        self._counter = 0  # the library's change counter after our own last write
        # Every change up to this counter is ours or was announced by `changed_elsewhere`
        # (read and written under the write lock).
        with db.read() as conn:
            self._accounted = _change_counter(conn)
        self._backup_checked = False

    # ------------------------------------------------------------------ opening and closing
    @classmethod
    def open(
        cls,
        folder: Path | str | None = None,
        *,
        create: bool = True,
        migrations: Migrations = MIGRATIONS,
    ) -> Library:
        """Open the library in `folder` (default: the platform data folder), creating it if
        asked. An older schema is migrated after a forced backup; a newer one is refused."""
        path = Path(folder) if folder is not None else default_library_dir()
        path = path.expanduser()
        if path.exists() and not path.is_dir():
            raise LibraryError(f"{path} is a file, not a library folder")
        if not create and not (path / DB_NAME).is_file():
            # before any mkdir: a mistyped --library must not leave folders behind
            raise LibraryError(f"no library at {path}")
        if not path.exists():
            try:
                path.mkdir(parents=True)
            except OSError as e:
                raise LibraryError(f"cannot create the library folder {path}: {e.strerror}") from e
        try:
            (path / "files").mkdir(exist_ok=True)
            (path / "backups").mkdir(exist_ok=True)
        except OSError as e:
            raise LibraryError(f"cannot use the library folder {path}: {e.strerror}") from e

        def backup_first(db_path: Path) -> None:
            backup.make_backup(db_path, path / "backups", "pre-migration")

        db = Database.open(
            path / DB_NAME, create=create, before_migrate=backup_first, migrations=migrations
        )
        return cls(path, db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db_path(self) -> Path:
        return self.db.path

    @property
    def backups_dir(self) -> Path:
        return self.folder / "backups"

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def _write(self, label: str) -> Iterator[_Tx]:
        self._backup_if_due()
        with self._write_lock:
            with self.db.write() as conn:
                before = _change_counter(conn)
                tx = _Tx(conn, label)
                yield tx
                self._reindex(conn, tx.fts)
                counter = _count_change(conn) if tx.regions else self._counter
            stale = before != self._counter
            self._counter = counter  # committed: set before `changed_elsewhere` may look
            if tx.regions:
                self._account(before, counter)
                if stale:
                    # Another program wrote since our last step: the steps before it hold rows
                    # as they were before its write, and undoing them would silently drop its
                    # work. This step saw that work, so it alone stays undoable.
                    self.history.clear()
                self.history.push(Step(tx.result(), tx.regions, tx.saved, tx.fts))

    def changed_elsewhere(self) -> bool:
        """Whether another program (the CLI, a second window) has written to the library
        since this last said so: one indexed read, cheap enough to ask every few seconds.
        False while a write of ours is going on (it may not have told what it did yet)."""
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            with self.db.read() as conn:
                now = _change_counter(conn)
            if now <= self._accounted:
                return False
            self._accounted = now
            return True
        finally:
            self._write_lock.release()

    def _account(self, before: int, after: int) -> None:
        """A write of ours (holding the write lock) moved the change counter from `before` to
        `after`. If everything up to `before` was accounted for, so is this; if not, another
        program wrote in between, and `changed_elsewhere` will say so."""
        if before <= self._accounted:
            self._accounted = max(self._accounted, after)

    def _backup_if_due(self) -> None:
        """Before the first write of a session, keep a copy if the last one is old."""
        if self._backup_checked:
            return
        self._backup_checked = True
        if backup.due(self.backups_dir) and self.count(scope=None) > 0:
            backup.make_backup(self.db_path, self.backups_dir, "auto")

    def _reindex(self, conn: Connection, ids: set[int]) -> None:
        """Rewrite the FTS rows of these items, in batches (a tag on 100k items is 50 loads)."""
        ordered = sorted(ids)
        for start in range(0, len(ordered), REINDEX_BATCH):
            fts_rows, gone = rowmap.fts_rows_for(conn, ordered[start : start + REINDEX_BATCH])
            sqlite.fts_delete(conn, [r[0] for r in fts_rows] + gone)
            sqlite.fts_insert_bulk(conn, fts_rows)

    # ------------------------------------------------------------------ undo / redo
    def undo(self) -> Change | None:
        """Undo the last change; None when there is nothing to undo.

        Raises HistoryLost (and forgets the history) when another program has written to the
        library since: restoring our snapshots then could silently undo its work too.
        """
        if not self.history.undo_stack:
            return None
        step = self.history.undo_stack[-1]
        current = self._apply_step(step)
        self.history.undo_stack.pop()
        self.history.redo_stack.append(Step(step.change, step.regions, current, step.fts_items))
        self._follow_names(step.change.items)
        return step.change.inverted(f"Undo {step.change.label}")

    def redo(self) -> Change | None:
        if not self.history.redo_stack:
            return None
        step = self.history.redo_stack[-1]
        current = self._apply_step(step)
        self.history.redo_stack.pop()
        self.history.undo_stack.append(Step(step.change, step.regions, current, step.fts_items))
        self._follow_names(step.change.items)
        return step.change.relabel(f"Redo {step.change.label}")

    def _apply_step(self, step: Step) -> list[list[dict[str, Any]]]:
        with self._write_lock, self.db.write() as conn:
            # The counter moves with every write of every program; if it is not where our own
            # last write left it, someone else wrote in between.
            if _change_counter(conn) != self._counter:
                self.history.clear()
                raise HistoryLost(
                    "the library was changed by another program since; "
                    "undo and redo start again from here"
                )
            sqlite.defer_foreign_keys(conn)
            current = [region.read(conn) for region in step.regions]
            touched = restore(conn, step.regions, step.rows, current)
            self._reindex(conn, step.fts_items | touched)
            before, self._counter = self._counter, _count_change(conn)
            self._account(before, self._counter)
        return current

    # ------------------------------------------------------------------ reading items
    def find_duplicates(self, items: Sequence[Item]) -> list[duplicates.Duplicate]:
        """Which of `items` (not yet in the library) are likely duplicates, and of what.

        Zotero's rule (see `citelib.library.duplicates`), against the library's items outside
        the Trash and among the items themselves.
        """
        with collector_paused(), self.db.read() as conn:
            return duplicates.find(conn, items)

    def duplicate_sets(self) -> list[list[int]]:
        """The library's likely duplicates (Zotero's rule, outside the Trash): sets of ids."""
        with collector_paused(), self.db.read() as conn:
            return duplicates.library_sets(conn)

    def get_item(self, item: int | str) -> Item:
        """An item by id or key, with creators, tags and notes."""
        with self.db.read() as conn:
            item_id = self._resolve_id(conn, item)
            found = rowmap.load_items(conn, [item_id])
        if not found:
            raise NotFound(f"no item {item}")
        return found[0]

    def get_items(self, ids: Sequence[int]) -> list[Item]:
        with self.db.read() as conn:
            return rowmap.load_items(conn, ids)

    def iter_items(self, ids: Sequence[int], batch: int = 2000) -> Iterator[Item]:
        """Whole items in batches, for exports of any size."""
        for start in range(0, len(ids), batch):
            yield from self.get_items(ids[start : start + batch])

    def export_items(self, ids: Sequence[int], batch: int = 2000) -> ExportItems:
        """The items with these ids, to hand to a format writer: read in batches while it
        writes, and able to say every item's key parts first (`citekeys.with_key_parts`), so a
        100,000-item export never holds all items in memory."""
        return ExportItems(self, list(ids), batch)

    def key_parts(self, ids: Sequence[int]) -> list[tuple[str, str]]:
        """(citation key or "", generated key) of each item, in the order of `ids`: the name of
        the first author (else first creator) and the year, looked up by index per item."""
        i, c = schema.items, schema.creators

        def first_name(*where: ColumnElement[bool]) -> Any:
            name = case((c.c.literal != "", c.c.literal), else_=c.c.family)
            return (
                select(name)
                .where(c.c.item_id == i.c.id, *where)
                .order_by(c.c.position)
                .limit(1)
                .scalar_subquery()
            )

        query = select(
            i.c.id,
            i.c.citation_key,
            i.c.year,
            func.coalesce(first_name(c.c.role == "author"), first_name(), ""),
        ).where(ids_in(i.c.id, ids))
        with self.db.read() as conn:
            found = {
                item_id: (key or "", key_from(name, year))
                for item_id, key, year, name in conn.execute(query).all()
            }
        return [found[item_id] for item_id in ids if item_id in found]

    def item_ids_for_keys(self, keys: Sequence[str]) -> list[int]:
        with self.db.read() as conn:
            found = dict(
                conn.execute(
                    select(schema.items.c.key, schema.items.c.id).where(
                        texts_in(schema.items.c.key, [k.upper() for k in keys])
                    )
                ).all()
            )
        missing = [k for k in keys if k.upper() not in found]
        if missing:
            raise NotFound(f"no item with key {', '.join(missing)}")
        return [found[k.upper()] for k in keys]

    def _resolve_id(self, conn: Connection, item: int | str) -> int:
        if isinstance(item, int):
            return item
        found = conn.execute(
            select(schema.items.c.id).where(schema.items.c.key == item.upper())
        ).scalar()
        if found is None:
            raise NotFound(f"no item with key {item}")
        return int(found)

    # ------------------------------------------------------------------ search and pages
    def _where(
        self, query: str | Compiled, scope: Scope | None, *, fts_by_rowid: bool = True
    ) -> ColumnElement[bool]:
        items = schema.items
        parts: list[ColumnElement[bool]] = []
        if scope is not None:
            parts.append(items.c.trashed == (1 if scope.trash else 0))
            if scope.collection is not None:
                ci = schema.collection_items
                collections: Any = [scope.collection]
                if scope.subcollections:
                    collections = select(_subtree(scope.collection).c.id)
                parts.append(
                    items.c.id.in_(select(ci.c.item_id).where(ci.c.collection_id.in_(collections)))
                )
            if scope.ids is not None:
                parts.append(ids_in(items.c.id, scope.ids))
            if scope.unfiled:
                parts.append(~items.c.id.in_(select(schema.collection_items.c.item_id)))
            for tag in scope.tags:  # the sidebar names a tag exactly
                parts.append(
                    items.c.id.in_(
                        select(schema.item_tags.c.item_id)
                        .join(schema.tags, schema.tags.c.id == schema.item_tags.c.tag_id)
                        .where(schema.tags.c.name == tag)
                    )
                )
        compiled = search.compile_query(query) if isinstance(query, str) else query
        cond = compiled.where(fts_by_rowid)
        if cond is not None:
            parts.append(cond)
        return and_(literal(True), *parts) if parts else literal(True)

    def _order(self, sort: str, descending: bool, *, use_index: bool = True) -> list[Any]:
        column = SORT_COLUMNS.get(sort)
        if column is None:
            raise InvalidValue(f"cannot sort by {sort!r}; choose one of {', '.join(SORT_COLUMNS)}")
        first = schema.items.c[column]
        cols = [first if use_index else sqlite.unindexed(first), schema.items.c.id]
        return [c.desc() for c in cols] if descending else cols

    def search(
        self,
        query: str = "",
        scope: Scope | None = Scope(),
        *,
        sort: str = "title",
        descending: bool = False,
        offset: int = 0,
        limit: int = 200,
        fulltext: bool = False,
        after: int | None = None,
        total: int | None = None,
    ) -> Page:
        """One sorted page of the items matching a quick search, and how many match in all.

        With `fulltext` ("All fields & full text"), words also match the indexed text of the
        items' attachments (`fulltext_hits` says which of a page's items matched there).
        With `after`, the page starts after that item in this order (`offset` is then from
        there): the next page of a list being scrolled, found by the sort index instead of by
        walking an OFFSET. A `total` known already is passed back instead of counted again."""
        compiled = search.compile_query(query, fulltext=fulltext)
        order = self._order(sort, descending)
        with self.db.read() as conn:
            compiled = search.resolve_fulltext(conn, compiled)
            if total is None:
                compiled = _match_once(conn, compiled)  # for the count and the page
                total = self._count(conn, compiled, scope)
            # The planner cannot know how many items a search hits. When they are many, walking
            # the sort index and stopping after one page beats looking every hit up; when they
            # are few, finding them by their own index and sorting them is faster.
            many = total > INDEX_WALK_THRESHOLD
            where = self._where(compiled, scope, fts_by_rowid=not many)
            if after is not None:
                where = and_(where, self._after(conn, sort, descending, after))
            stmt = select(schema.items.c.id).where(where)
            if many:
                # the sort index, even where another condition has an index: a year range of
                # 32,000 items read and sorted by title took 115 ms, the walk takes 3
                stmt = sqlite.indexed_by(stmt, schema.items, SORT_INDEXES[sort])
            else:
                order = self._order(sort, descending, use_index=False)
            stmt = stmt.order_by(*order)
            ids = [r[0] for r in conn.execute(stmt.limit(limit).offset(offset))]
            rows = self._summaries(conn, ids)
        return Page(rows, total)

    def _after(
        self, conn: Connection, sort: str, descending: bool, item_id: int
    ) -> ColumnElement[bool]:
        """The items after `item_id` in the order (sort column, id), NULLs first as SQLite
        sorts them (last when descending)."""
        column = schema.items.c[SORT_COLUMNS[sort]]
        ident = schema.items.c.id
        value = conn.execute(select(column).where(ident == item_id)).scalar()
        if value is None and not conn.execute(select(ident).where(ident == item_id)).first():
            raise NotFound(f"no item {item_id}")
        # `column >= value AND (...)`, not `column > value OR (...)`: the first term is where
        # the sort index's range starts, so the page costs the same at row 99,000 as at row
        # 200 (the OR alone made SQLite walk the index from its start: 16 ms deep down).
        if not descending:
            if value is None:
                return or_(and_(column.is_(None), ident > item_id), column.is_not(None))
            return and_(column >= value, or_(column > value, ident > item_id))
        if value is None:
            return and_(column.is_(None), ident < item_id)
        before = and_(column <= value, or_(column < value, ident < item_id))
        return or_(before, column.is_(None)) if column.nullable else before

    def _count(self, conn: Connection, compiled: Compiled, scope: Scope | None) -> int:
        items = schema.items
        if compiled.plus:  # items matching only by full text: none of them matches the rest
            extra = and_(self._where(Compiled(None, ()), scope), ids_in(items.c.id, compiled.plus))
            plus = conn.execute(select(func.count()).select_from(items).where(extra)).scalar()
            return self._count(conn, compiled.without_plus, scope) + int(plus or 0)
        by_rowid = True
        if compiled.fts is not None:
            stored = compiled.fts_stored
            hits = sqlite.fts_count(conn, compiled.fts) if stored is None else stored
            if not compiled.conditions and not compiled.either and scope == Scope():
                # Words typed in My Library: FTS counts its own hits far faster than a join,
                # and every FTS row is an item, so subtract the (few) hits in the Trash.
                matched = sqlite.fts_match(compiled.fts) if stored is None else sqlite.fts_hits()
                trashed = conn.execute(
                    select(func.count())
                    .select_from(items)
                    .where(items.c.trashed == 1, sqlite.unindexed(items.c.id).in_(matched))
                ).scalar()
                return hits - int(trashed or 0)
            by_rowid = hits <= FTS_LOOKUP_LIMIT
        where = self._where(compiled, scope, fts_by_rowid=by_rowid)
        return int(conn.execute(select(func.count()).select_from(items).where(where)).scalar() or 0)

    def item_ids(
        self,
        query: str = "",
        scope: Scope | None = Scope(),
        *,
        sort: str = "title",
        descending: bool = False,
        limit: int | None = None,
        fulltext: bool = False,
    ) -> list[int]:
        """Every matching id in display order (what a lazy table model holds), or the first
        `limit` of them."""
        order = self._order(sort, descending)
        with self.db.read() as conn:
            compiled = search.resolve_fulltext(conn, search.compile_query(query, fulltext=fulltext))
            stmt = select(schema.items.c.id).where(self._where(compiled, scope)).order_by(*order)
            return [r[0] for r in conn.execute(stmt.limit(limit))]

    def count(
        self, query: str = "", scope: Scope | None = Scope(), *, fulltext: bool = False
    ) -> int:
        with self.db.read() as conn:
            compiled = search.resolve_fulltext(conn, search.compile_query(query, fulltext=fulltext))
            if compiled.plus:
                return self._count(conn, compiled, scope)
            where = self._where(compiled, scope)
            return int(
                conn.execute(select(func.count()).select_from(schema.items).where(where)).scalar()
                or 0
            )

    def summaries(self, ids: Sequence[int]) -> list[ItemSummary]:
        with self.db.read() as conn:
            return self._summaries(conn, ids)

    def _summaries(self, conn: Connection, ids: Sequence[int]) -> list[ItemSummary]:
        if not ids:
            return []
        i = schema.items
        found = {
            r.id: ItemSummary(
                r.id,
                r.key,
                r.item_type,
                r.title or "",
                r.creator_summary,
                r.year,
                r.publication_title or "",
                r.date_added,
                r.date_modified,
                r.attachment_count,
                bool(r.trashed),
            )
            for r in conn.execute(
                select(
                    i.c.id,
                    i.c.key,
                    i.c.item_type,
                    i.c.title,
                    i.c.creator_summary,
                    i.c.year,
                    i.c.publication_title,
                    i.c.date_added,
                    i.c.date_modified,
                    i.c.attachment_count,
                    i.c.trashed,
                ).where(ids_in(i.c.id, ids))
            )
        }
        return [found[x] for x in ids if x in found]

    # ------------------------------------------------------------------ adding and editing items
    def add_items(
        self,
        new_items: Sequence[Item],
        *,
        tags: Sequence[str] = (),
        collection: int | str | None = None,
        label: str | None = None,
        progress: Progress | None = None,
    ) -> Change:
        """Add items in one transaction (all or none), with extra tags and a collection.

        `collection` is an id, or a name found at the top level or created there. `progress` is
        called with (done, total) between chunks; an exception it raises (a user's cancel)
        rolls the whole import back.
        """
        for item in new_items:
            self._validate(item)
        extra_tags = _clean_tags(tags)
        total = len(new_items)
        if not total:
            return Change(label or "Add items")
        with (
            collector_paused(),
            self._write(label or _plural(total, "Add item", "Add {n} items")) as tx,
        ):
            conn = tx.conn
            cur = sqlite.dbapi(conn).cursor()
            now = utc_now()
            first_id = sqlite.next_rowid(conn, "items")
            ids = list(range(first_id, first_id + total))
            keys = self._fresh_keys(conn, "items", total)
            item_tags = [_clean_tags(it.tags) for it in new_items]
            names = sorted({t for tags_of in item_tags for t in tags_of} | set(extra_tags))
            tx.save(schema.tags, texts_in(schema.tags.c.name, names))
            tx.save_items(ids)
            tag_ids = self._ensure_tags(conn, names)
            collection_id = self._collection_for_import(tx, collection) if collection else None
            if collection_id is not None:
                tx.collections = True
            item_sql = _insert_sql("items", rowmap.ITEM_COLUMNS)
            creator_sql = _insert_sql(
                "creators", ("item_id", "position", "role", "family", "given", "literal")
            )
            tag_sql = _insert_sql("item_tags", ("item_id", "tag_id"), ignore=True)
            note_sql = _insert_sql(
                "notes", ("key", "item_id", "position", "html", "date_added", "date_modified")
            )
            note_keys = iter(self._fresh_keys(conn, "notes", sum(len(i.notes) for i in new_items)))
            for start in range(0, total, BULK_CHUNK):
                chunk = range(start, min(start + BULK_CHUNK, total))
                item_rows: list[tuple[Any, ...]] = []
                creator_rows: list[tuple[Any, ...]] = []
                tag_rows: list[tuple[int, int]] = []
                note_rows: list[tuple[Any, ...]] = []
                fts_rows: list[tuple[Any, ...]] = []
                for n in chunk:
                    item, item_id = new_items[n], ids[n]
                    own_tags = item_tags[n]
                    for t in extra_tags:
                        if t not in own_tags:
                            own_tags.append(t)
                    item_rows.append(rowmap.item_tuple(item, item_id, keys[n], now))
                    creator_rows.extend(rowmap.creator_tuples(item_id, item.creators))
                    tag_rows.extend((item_id, tag_ids[t]) for t in own_tags)
                    note_rows.extend(
                        (next(note_keys), item_id, pos, note, now, now)
                        for pos, note in enumerate(item.notes)
                    )
                    fts_rows.append(
                        rowmap.fts_tuple(
                            item_id,
                            Item(item.item_type, item.fields, item.creators, own_tags, item.notes),
                        )
                    )
                cur.executemany(item_sql, item_rows)
                cur.executemany(creator_sql, creator_rows)
                cur.executemany(tag_sql, tag_rows)
                cur.executemany(note_sql, note_rows)
                if collection_id is not None:
                    cur.executemany(
                        "INSERT OR IGNORE INTO collection_items (collection_id, item_id) "
                        "VALUES (?, ?)",
                        [(collection_id, ids[n]) for n in chunk],
                    )
                sqlite.fts_insert_bulk(conn, fts_rows)
                if progress is not None:
                    progress(chunk.stop, total)
            cur.close()
            if total >= ANALYZE_AFTER:
                sqlite.analyze(conn)
            tx.added.update(ids)
            tx.new_ids.extend(ids)
            tx.tags = bool(names)
        return tx.result()

    def add_item(self, item: Item) -> Change:
        return self.add_items([item], label="Add item")

    def update_item(self, item: Item, *, label: str = "Edit item") -> Change:
        """Write an item's type, fields, creators and tags (its notes are edited on their own)."""
        if item.id is None:
            raise InvalidValue("the item has no id; add it first")
        self._validate(item)
        item_id = item.id
        names = _clean_tags(item.tags)
        with self._write(label) as tx:
            conn = tx.conn
            self._require_items(conn, [item_id])
            old_tags = self._tag_ids_of(conn, [item_id])
            tx.save(
                schema.tags,
                or_(texts_in(schema.tags.c.name, names), ids_in(schema.tags.c.id, old_tags)),
            )
            tx.save_items([item_id])
            values = rowmap.field_values(item) | rowmap.derived(item)
            values["item_type"] = item.item_type
            values["date_modified"] = utc_now()
            conn.execute(update(schema.items).where(schema.items.c.id == item_id).values(values))
            _replace_creators(conn, item_id, item.creators)
            tag_ids = self._ensure_tags(conn, names)
            conn.execute(delete(schema.item_tags).where(schema.item_tags.c.item_id == item_id))
            if names:
                conn.execute(
                    insert(schema.item_tags),
                    [{"item_id": item_id, "tag_id": tag_ids[n]} for n in names],
                )
            self._prune_tags(conn, old_tags)
            tx.items.add(item_id)
            tx.fts.add(item_id)
            tx.tags = set(old_tags) != set(tag_ids.values())
        self._follow_names([item_id])
        return tx.result()

    def set_field(self, item_id: int, name: str, value: str, *, label: str | None = None) -> Change:
        """Change one field (what an editor cell does); undone as "Edit <field label>"."""
        if name not in FIELD_SET:
            raise InvalidValue(f"unknown field {name!r}")
        with self._write(label or f"Edit {FIELD_LABELS.get(name, name)}") as tx:
            # read and write in one transaction: another program's edit in between is not lost
            item = self._load_for_edit(tx, item_id)
            item.set(name, value)
            self._validate(item)
            values = rowmap.field_values(item) | rowmap.derived(item)
            values["date_modified"] = utc_now()
            tx.conn.execute(update(schema.items).where(schema.items.c.id == item_id).values(values))
        if name in NAMING_FIELDS:
            self._follow_names([item_id])
        return tx.result()

    def set_creators(self, item_id: int, creators: Sequence[Creator]) -> Change:
        """Replace an item's creators (in order, with roles); creators with no name are left
        out, as everywhere else."""
        with self._write("Edit Creators") as tx:
            item = self._load_for_edit(tx, item_id)
            item.creators = [Creator(c.family, c.given, c.literal, c.role) for c in creators]
            self._validate(item)
            tx.save(schema.creators, schema.creators.c.item_id == item_id)
            values: dict[str, Any] = rowmap.derived(item)
            values["date_modified"] = utc_now()
            conn = tx.conn
            conn.execute(update(schema.items).where(schema.items.c.id == item_id).values(values))
            _replace_creators(conn, item_id, item.creators)
        self._follow_names([item_id])
        return tx.result()

    def set_item_type(self, item_id: int, item_type: str) -> Change:
        """Change an item's type. Every field value stays, also those the new type does not
        list (as any field may be stored on any type: see `model.TYPE_FIELDS`)."""
        if item_type not in ITEM_TYPES:
            raise InvalidValue(f"unknown item type {item_type!r}")
        with self._write("Change Item Type") as tx:
            # the same type again changes nothing and leaves no undo step
            if _load_one(tx.conn, item_id).item_type != item_type:
                tx.save(schema.items, schema.items.c.id == item_id)
                tx.conn.execute(
                    update(schema.items)
                    .where(schema.items.c.id == item_id)
                    .values(item_type=item_type, date_modified=utc_now())
                )
                tx.items.add(item_id)
        return tx.result()

    def _load_for_edit(self, tx: _Tx, item_id: int) -> Item:
        """The item as it is now, read in the edit's own transaction, its row saved for undo."""
        item = _load_one(tx.conn, item_id)
        tx.save(schema.items, schema.items.c.id == item_id)
        tx.items.add(item_id)
        tx.fts.add(item_id)
        return item

    def merge_items(
        self,
        master_id: int,
        other_ids: Sequence[int],
        fields: Mapping[str, str] | None = None,
    ) -> Change:
        """Merge duplicates into `master_id` in one undoable step (rules in
        `citelib.library.merging`): the master keeps its fields and fills its empty ones from
        the others in order (`fields` names the value to keep where the caller chose one), gains
        their tags, collections, notes and attachments, and the others go to the Trash."""
        others, chosen = merging.check_request(master_id, other_ids, fields)
        with self._write(f"Merge {len(others) + 1} items") as tx:
            master, rest = merging.load(tx.conn, master_id, others)
            merged = merging.merged_item(master, rest, chosen)
            self._validate(merged)
            merging.write(tx, merged, others)
            if merged.creators and not master.creators:
                _replace_creators(tx.conn, master_id, merged.creators)
        self._follow_names([master_id])
        return tx.result()

    def trash(self, ids: Sequence[int]) -> Change:
        return self._set_trashed(ids, True)

    def restore(self, ids: Sequence[int]) -> Change:
        return self._set_trashed(ids, False)

    def _set_trashed(self, ids: Sequence[int], trashed: bool) -> Change:
        label = (
            _plural(len(ids), "Move item to Trash", "Move {n} items to Trash")
            if trashed
            else _plural(len(ids), "Restore item", "Restore {n} items")
        )
        with self._write(label) as tx:
            where = ids_in(schema.items.c.id, ids)
            tx.save(schema.items, where, ("trashed",))
            tx.conn.execute(update(schema.items).where(where).values(trashed=1 if trashed else 0))
            tx.items.update(ids)
            tx.tags = tx.collections = True
        return tx.result()

    def empty_trash(self) -> Change:
        """Delete the items in the Trash for good (still undoable while the app is open)."""
        with self._write("Empty Trash") as tx:
            ids = [
                r[0]
                for r in tx.conn.execute(
                    select(schema.items.c.id).where(schema.items.c.trashed == 1)
                )
            ]
            self._delete(tx, ids)
        return tx.result()

    def delete_items(self, ids: Sequence[int], *, label: str = "Delete items") -> Change:
        if not ids:
            return Change(label)
        with self._write(label) as tx:
            self._delete(tx, ids)
        return tx.result()

    def _delete(self, tx: _Tx, ids: Sequence[int]) -> None:
        if not ids:
            return
        conn = tx.conn
        tag_ids = self._tag_ids_of(conn, ids)
        tx.save(schema.tags, ids_in(schema.tags.c.id, tag_ids))
        tx.save_items(ids)
        conn.execute(delete(schema.items).where(ids_in(schema.items.c.id, ids)))
        sqlite.fts_delete(conn, ids)
        self._prune_tags(conn, tag_ids)
        tx.removed.update(ids)
        tx.tags = tx.collections = True

    # ------------------------------------------------------------------ tags
    def tags(
        self,
        scope: Scope | None = None,
        query: str = "",
        *,
        fulltext: bool = False,
        interrupt: Interrupt | None = None,
    ) -> list[TagInfo]:
        """Every tag with the number of items (not in the Trash) carrying it, by name; with a
        scope or a quick-search query, the tags of those items (and every coloured tag).
        `fulltext`: the query is in the mode "All fields & full text" (see `search`).
        `interrupt` stops the counting from another thread (it then raises `Interrupted`)."""
        t = schema.tags
        scope = Scope() if scope is None else scope
        whole = scope == Scope() and not query.strip()
        with self.db.read(interrupt) as conn:
            if whole:
                counts = self._tag_counts(conn)
            else:
                compiled = search.compile_query(query, fulltext=fulltext)
                compiled = search.resolve_fulltext(conn, compiled)
                counts = self._tag_counts_of(conn, compiled, scope)
            rows = conn.execute(select(t).order_by(func.lower(t.c.name), t.c.name)).all()
        return [
            TagInfo(r.id, r.name, r.color, r.color_position, counts.get(r.id, 0))
            for r in rows
            if whole or counts.get(r.id) or r.color
        ]

    def _tag_counts(self, conn: Connection) -> dict[int, int]:
        """Items per tag id in the whole library (not in the Trash)."""
        it, i = schema.item_tags, schema.items
        # Counting over the (tag_id, item_id) index and subtracting the (few) trashed items is
        # several times faster than joining every tag row to its item.
        counts: dict[int, int] = dict(
            conn.execute(select(it.c.tag_id, func.count()).group_by(it.c.tag_id)).all()
        )
        for tag_id, n in conn.execute(
            select(it.c.tag_id, func.count())
            .where(it.c.item_id.in_(select(i.c.id).where(i.c.trashed == 1)))
            .group_by(it.c.tag_id)
        ):
            counts[tag_id] -= n
        return counts

    def _tag_counts_of(self, conn: Connection, compiled: Compiled, scope: Scope) -> dict[int, int]:
        """Items per tag id among those a search shows."""
        it, i = schema.item_tags, schema.items

        def count_where(where: ColumnElement[bool]) -> dict[int, int]:
            stmt = (
                select(it.c.tag_id, func.count())
                .where(it.c.item_id.in_(select(i.c.id).where(where)))
                .group_by(it.c.tag_id)
            )
            return dict(conn.execute(stmt).all())

        if scope != Scope():
            return count_where(self._where(compiled, scope))
        # Every tag row of every hit is looked up, so a search that matches most of the library
        # (`nk cells`: 97% of it) costs as much as 600 ms that way. Then it is the library's own
        # counts (an index scan) less those of the items the search does not show.
        compiled = _match_once(conn, compiled)  # for the count and the tag count
        hits = self._count(conn, compiled, scope)
        shown = conn.execute(select(func.count()).select_from(i).where(i.c.trashed == 0)).scalar()
        many = hits > INDEX_WALK_THRESHOLD  # the hits are found by probing, as in `search`
        cond = compiled.where(fts_by_rowid=not many)
        if cond is None:
            return self._tag_counts(conn)
        if hits * 2 <= int(shown or 0):
            return count_where(and_(i.c.trashed == 0, cond))
        counts = self._tag_counts(conn)
        others = count_where(and_(i.c.trashed == 0, not_(func.coalesce(cond, False))))
        for tag_id, n in others.items():
            counts[tag_id] -= n
        return counts

    def add_tags(self, ids: Sequence[int], names: Sequence[str]) -> Change:
        names = _clean_tags(names)
        if not names:
            raise InvalidValue("no tag name given")
        with self._write(_tag_label("Add tag", names, ids)) as tx:
            self._add_tags(tx, ids, names)
        return tx.result()

    def remove_tags(self, ids: Sequence[int], names: Sequence[str]) -> Change:
        names = _clean_tags(names)
        with self._write(_tag_label("Remove tag", names, ids)) as tx:
            self._remove_tags(tx, ids, names)
        return tx.result()

    def _add_tags(self, tx: _Tx, ids: Sequence[int], names: list[str]) -> None:
        conn = tx.conn
        self._require_items(conn, ids)
        self._save_item_tags(tx, ids, names)
        tag_ids = self._ensure_tags(conn, names)
        it = schema.item_tags
        complete = {
            r[0]
            for r in conn.execute(
                select(it.c.item_id)
                .where(ids_in(it.c.item_id, ids), ids_in(it.c.tag_id, tag_ids.values()))
                .group_by(it.c.item_id)
                .having(func.count() == len(tag_ids))
            )
        }
        changed = [i for i in dict.fromkeys(ids) if i not in complete]
        sqlite.dbapi(conn).executemany(
            _insert_sql("item_tags", ("item_id", "tag_id"), ignore=True),
            [(i, tag_ids[n]) for i in changed for n in names],
        )
        self._touch(conn, changed)
        tx.items.update(changed)
        tx.fts.update(changed)
        tx.tags = True

    def _remove_tags(self, tx: _Tx, ids: Sequence[int], names: list[str]) -> None:
        conn = tx.conn
        self._save_item_tags(tx, ids, names)
        tag_ids = self._tag_ids(conn, names)
        if not tag_ids:
            raise NotFound(f"no tag {names[0]!r}" if len(names) == 1 else "no such tags")
        it = schema.item_tags
        where = and_(ids_in(it.c.item_id, ids), ids_in(it.c.tag_id, tag_ids.values()))
        changed = [r[0] for r in conn.execute(select(it.c.item_id).where(where).distinct())]
        conn.execute(delete(it).where(where))
        self._prune_tags(conn, tag_ids.values())
        self._touch(conn, changed)
        tx.items.update(changed)
        tx.fts.update(changed)
        tx.tags = True

    def rename_tag(self, old: str, new: str) -> Change:
        """Rename a tag everywhere; renaming onto an existing tag merges the two."""
        new = new.strip()
        if not new:
            raise InvalidValue("a tag needs a name")
        with self._write(f"Rename tag {old}") as tx:
            conn = tx.conn
            t, it = schema.tags, schema.item_tags
            old_id, item_ids = self._tag_and_items(conn, old)
            target = self._tag_ids(conn, [new]).get(new)
            tx.save(t, t.c.name.in_([old, new]))
            tx.save(schema.items, ids_in(schema.items.c.id, item_ids), ("date_modified",))
            if target is None or target == old_id:
                conn.execute(update(t).where(t.c.id == old_id).values(name=new))
            else:
                tx.save(it, it.c.tag_id.in_([old_id, target]))
                conn.execute(
                    insert(it)
                    .from_select(
                        ["item_id", "tag_id"],
                        select(it.c.item_id, literal(target)).where(it.c.tag_id == old_id),
                    )
                    .prefix_with("OR IGNORE")
                )
                conn.execute(delete(t).where(t.c.id == old_id))
            self._touch(conn, item_ids)
            tx.items.update(item_ids)
            tx.fts.update(item_ids)
            tx.tags = True
        return tx.result()

    def delete_tag(self, name: str) -> Change:
        with self._write(f"Delete tag {name}") as tx:
            conn = tx.conn
            t, it = schema.tags, schema.item_tags
            tag_id, item_ids = self._tag_and_items(conn, name)
            tx.save(t, t.c.id == tag_id)
            tx.save(it, it.c.tag_id == tag_id)
            tx.save(schema.items, ids_in(schema.items.c.id, item_ids), ("date_modified",))
            conn.execute(delete(it).where(it.c.tag_id == tag_id))
            conn.execute(delete(t).where(t.c.id == tag_id))
            self._touch(conn, item_ids)
            tx.items.update(item_ids)
            tx.fts.update(item_ids)
            tx.tags = True
        return tx.result()

    def set_tag_color(self, name: str, color: str | None, position: int | None = None) -> Change:
        """Give a tag a colour (`#rrggbb`) and a place among the coloured tags, or take it away.

        A coloured tag exists even on no item, so it can be assigned with keys 1-9.
        """
        if color is not None and not _is_colour(color):
            raise InvalidValue(f"{color!r} is not a colour like #3366cc")
        name = name.strip()
        if not name:
            raise InvalidValue("a tag needs a name")
        with self._write(f"Colour tag {name}") as tx:
            conn = tx.conn
            t = schema.tags
            tx.save(t, or_(t.c.name == name, t.c.color_position.is_not(None)))
            tag_id = self._ensure_tags(conn, [name])[name]
            old_place = conn.execute(select(t.c.color_position).where(t.c.id == tag_id)).scalar()
            coloured = [
                r[0]
                for r in conn.execute(
                    select(t.c.id)
                    .where(t.c.color_position.is_not(None), t.c.id != tag_id)
                    .order_by(t.c.color_position)
                )
            ]
            if color is not None:
                # a new colour keeps the tag's place among the coloured ones unless told
                place = old_place if position is None else position
                if place is None:
                    place = len(coloured)
                coloured.insert(max(0, min(place, len(coloured))), tag_id)
            conn.execute(update(t).where(t.c.id == tag_id).values(color=color, color_position=None))
            for pos, tid in enumerate(coloured):
                conn.execute(update(t).where(t.c.id == tid).values(color_position=pos))
            if color is None:
                self._prune_tags(conn, [tag_id])
            tx.tags = True
        return tx.result()

    def coloured_tags(self) -> list[TagInfo]:
        """The coloured tags in key order (1-9 toggle the first nine)."""
        return sorted(
            (t for t in self.tags() if t.color_position is not None),
            key=lambda t: t.color_position or 0,
        )

    def toggle_tag(self, ids: Sequence[int], name: str) -> Change:
        """Zotero's keys 1-9: remove the tag if every item has it, else add it to all."""
        names = _clean_tags([name])
        if not names:
            raise InvalidValue("no tag name given")
        # decided and done in one transaction, so a concurrent edit cannot flip the decision
        with self._write(f"Toggle tag {names[0]}") as tx:
            tag_id = self._tag_ids(tx.conn, names).get(names[0])
            having = 0
            if tag_id is not None:
                having = int(
                    tx.conn.execute(
                        select(func.count())
                        .select_from(schema.item_tags)
                        .where(
                            schema.item_tags.c.tag_id == tag_id,
                            ids_in(schema.item_tags.c.item_id, ids),
                        )
                    ).scalar()
                    or 0
                )
            if ids and having == len(set(ids)):
                tx.label = _tag_label("Remove tag", names, ids)
                self._remove_tags(tx, ids, names)
            else:
                tx.label = _tag_label("Add tag", names, ids)
                self._add_tags(tx, ids, names)
        return tx.result()

    def _save_item_tags(self, tx: _Tx, ids: Sequence[int], names: Sequence[str]) -> None:
        t, it = schema.tags, schema.item_tags
        tx.save(t, texts_in(t.c.name, names))
        tx.save(
            it,
            and_(
                ids_in(it.c.item_id, ids),
                it.c.tag_id.in_(select(t.c.id).where(texts_in(t.c.name, names))),
            ),
        )
        tx.save(schema.items, ids_in(schema.items.c.id, ids), ("date_modified",))

    def _tag_and_items(self, conn: Connection, name: str) -> tuple[int, list[int]]:
        """A tag's id and the items carrying it; NotFound if there is no such tag."""
        tag_id = self._tag_ids(conn, [name]).get(name)
        if tag_id is None:
            raise NotFound(f"no tag {name!r}")
        it = schema.item_tags
        return tag_id, [
            r[0] for r in conn.execute(select(it.c.item_id).where(it.c.tag_id == tag_id))
        ]

    def _tag_ids(self, conn: Connection, names: Sequence[str]) -> dict[str, int]:
        t = schema.tags
        return {
            r.name: r.id
            for r in conn.execute(select(t.c.id, t.c.name).where(texts_in(t.c.name, names)))
        }

    def _ensure_tags(self, conn: Connection, names: Sequence[str]) -> dict[str, int]:
        found = self._tag_ids(conn, names)
        missing = [n for n in names if n not in found]
        if missing:
            sqlite.dbapi(conn).executemany(
                "INSERT INTO tags (name) VALUES (?)", [(n,) for n in missing]
            )
            found = self._tag_ids(conn, names)
        return found

    def _tag_ids_of(self, conn: Connection, item_ids: Sequence[int]) -> list[int]:
        it = schema.item_tags
        return [
            r[0]
            for r in conn.execute(
                select(it.c.tag_id).where(ids_in(it.c.item_id, item_ids)).distinct()
            )
        ]

    def _prune_tags(self, conn: Connection, tag_ids: Any) -> None:
        """Tags live while an item carries them, or while they have a colour (as in Zotero)."""
        t, it = schema.tags, schema.item_tags
        conn.execute(
            delete(t).where(
                ids_in(t.c.id, list(tag_ids)),
                t.c.color.is_(None),
                ~t.c.id.in_(select(it.c.tag_id).where(it.c.tag_id == t.c.id)),
            )
        )

    def _touch(self, conn: Connection, ids: Sequence[int]) -> None:
        conn.execute(
            update(schema.items)
            .where(ids_in(schema.items.c.id, ids))
            .values(date_modified=utc_now())
        )

    # ------------------------------------------------------------------ collections
    def collections(self) -> list[CollectionInfo]:
        """The collection tree as a flat list (parents before children, siblings by name),
        each with the number of items directly in it that are not in the Trash."""
        c, ci, i = schema.collections, schema.collection_items, schema.items
        with self.db.read() as conn:
            counts: dict[int, int] = dict(
                conn.execute(
                    select(ci.c.collection_id, func.count())
                    .join(i, i.c.id == ci.c.item_id)
                    .where(i.c.trashed == 0)
                    .group_by(ci.c.collection_id)
                ).all()
            )
            rows = conn.execute(select(c).order_by(func.lower(c.c.name), c.c.id)).all()
        children: dict[int | None, list[Any]] = {}
        for r in rows:
            children.setdefault(r.parent_id, []).append(r)
        out: list[CollectionInfo] = []

        def walk(parent: int | None) -> None:
            for r in children.get(parent, []):
                out.append(CollectionInfo(r.id, r.key, r.name, r.parent_id, counts.get(r.id, 0)))
                walk(r.id)

        walk(None)
        return out

    def find_collection(self, name: str) -> int | None:
        """A collection by path from the top (`Parent/Child`) or by a name no other collection
        has; None if there is none. InvalidValue if the name is ambiguous."""
        with self.db.read() as conn:
            return self._find_collection(conn, name)

    def _find_collection(self, conn: Connection, name: str) -> int | None:
        c = schema.collections
        rows = conn.execute(select(c.c.id, c.c.name, c.c.parent_id).order_by(c.c.id)).all()
        children: dict[int | None, dict[str, int]] = {}
        for r in rows:
            children.setdefault(r.parent_id, {}).setdefault(r.name, r.id)
        parent: int | None = None
        for part in name.split("/"):
            found = children.get(parent, {}).get(part)
            if found is None:
                break
            parent = found
        else:
            return parent
        named = [r.id for r in rows if r.name == name]
        if len(named) > 1:
            raise InvalidValue(
                f"{len(named)} collections are called {name!r}; name one by its path (Parent/Child)"
            )
        return named[0] if named else None

    def create_collection(self, name: str, parent: int | None = None) -> Change:
        name = _clean_name(name)
        with self._write(f"New collection {name}") as tx:
            if parent is not None:
                self._require_collection(tx.conn, parent)
            new_id = self._insert_collection(tx, name, parent)
            tx.new_ids.append(new_id)
            tx.collections = True
        return tx.result()

    def rename_collection(self, collection_id: int, name: str) -> Change:
        name = _clean_name(name)
        c = schema.collections
        with self._write(f"Rename collection {name}") as tx:
            self._require_collection(tx.conn, collection_id)
            tx.save(c, c.c.id == collection_id, ("name",))
            tx.conn.execute(update(c).where(c.c.id == collection_id).values(name=name))
            tx.collections = True
        return tx.result()

    def move_collection(self, collection_id: int, parent: int | None) -> Change:
        """Nest a collection under another (or at the top); never inside itself."""
        c = schema.collections
        with self._write("Move collection") as tx:
            self._require_collection(tx.conn, collection_id)
            if parent is not None:
                self._require_collection(tx.conn, parent)
                if parent in self._descendants(collection_id, tx.conn):
                    raise InvalidValue("a collection cannot go inside itself")
            tx.save(c, c.c.id == collection_id, ("parent_id",))
            tx.conn.execute(update(c).where(c.c.id == collection_id).values(parent_id=parent))
            tx.collections = True
        return tx.result()

    def delete_collection(self, collection_id: int) -> Change:
        """Delete a collection and its subcollections; their items stay in the library."""
        c, ci = schema.collections, schema.collection_items
        with self._write("Delete collection") as tx:
            self._require_collection(tx.conn, collection_id)
            ids = self._descendants(collection_id, tx.conn)
            tx.save(c, ids_in(c.c.id, ids))
            tx.save(ci, ids_in(ci.c.collection_id, ids))
            tx.conn.execute(delete(ci).where(ids_in(ci.c.collection_id, ids)))
            tx.conn.execute(delete(c).where(ids_in(c.c.id, ids)))
            tx.collections = True
        return tx.result()

    def add_to_collection(self, collection_id: int, ids: Sequence[int]) -> Change:
        ci = schema.collection_items
        with self._write(
            _plural(len(ids), "Add item to collection", "Add {n} items to collection")
        ) as tx:
            self._require_collection(tx.conn, collection_id)
            self._require_items(tx.conn, ids)
            tx.save(ci, and_(ci.c.collection_id == collection_id, ids_in(ci.c.item_id, ids)))
            sqlite.dbapi(tx.conn).executemany(
                _insert_sql("collection_items", ("collection_id", "item_id"), ignore=True),
                [(collection_id, i) for i in ids],
            )
            tx.items.update(ids)
            tx.collections = True
        return tx.result()

    def remove_from_collection(self, collection_id: int, ids: Sequence[int]) -> Change:
        ci = schema.collection_items
        with self._write(
            _plural(len(ids), "Remove item from collection", "Remove {n} items from collection")
        ) as tx:
            where = and_(ci.c.collection_id == collection_id, ids_in(ci.c.item_id, ids))
            tx.save(ci, where)
            tx.conn.execute(delete(ci).where(where))
            tx.items.update(ids)
            tx.collections = True
        return tx.result()

    def item_collections(self, item_id: int) -> list[int]:
        ci = schema.collection_items
        with self.db.read() as conn:
            return [
                r[0]
                for r in conn.execute(select(ci.c.collection_id).where(ci.c.item_id == item_id))
            ]

    def _insert_collection(self, tx: _Tx, name: str, parent: int | None) -> int:
        c = schema.collections
        new_id = sqlite.next_rowid(tx.conn, "collections")
        tx.save(c, c.c.id == new_id)
        tx.conn.execute(
            insert(c).values(
                id=new_id,
                key=self._fresh_keys(tx.conn, "collections", 1)[0],
                name=name,
                parent_id=parent,
                date_added=utc_now(),
            )
        )
        return new_id

    def _collection_for_import(self, tx: _Tx, collection: int | str) -> int:
        """An existing collection, or a new one (with any missing parents of a path)."""
        if isinstance(collection, int):
            self._require_collection(tx.conn, collection)
            return collection
        found = self._find_collection(tx.conn, collection)
        if found is not None:
            return found
        c = schema.collections
        parent: int | None = None
        for part in [_clean_name(p) for p in collection.split("/")]:
            existing = tx.conn.execute(
                select(c.c.id).where(c.c.name == part, c.c.parent_id.is_(parent))
                if parent is None
                else select(c.c.id).where(c.c.name == part, c.c.parent_id == parent)
            ).scalar()
            parent = (
                int(existing) if existing is not None else self._insert_collection(tx, part, parent)
            )
        assert parent is not None
        return parent

    def _descendants(self, collection_id: int, conn: Connection) -> list[int]:
        """The collection and everything nested in it (safe even if the tree has a loop)."""
        return [r[0] for r in conn.execute(select(_subtree(collection_id).c.id))]

    def _require_collection(self, conn: Connection, collection_id: int) -> None:
        c = schema.collections
        if conn.execute(select(c.c.id).where(c.c.id == collection_id)).first() is None:
            raise NotFound(f"no collection {collection_id}")

    def _require_items(self, conn: Connection, ids: Sequence[int]) -> None:
        found = {
            r[0]
            for r in conn.execute(select(schema.items.c.id).where(ids_in(schema.items.c.id, ids)))
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"no item {missing[0]}")

    # ------------------------------------------------------------------ attachments
    def attachments(self, item_id: int) -> list[AttachmentInfo]:
        """An item's attachments, oldest first."""
        a = schema.attachments
        with self.db.read() as conn:
            return [
                AttachmentInfo(
                    r.id,
                    r.key,
                    r.item_id,
                    r.kind,
                    r.title,
                    r.path,
                    r.url,
                    r.content_type,
                    r.size,
                    r.date_added,
                )
                for r in conn.execute(
                    select(a).where(a.c.item_id == item_id).order_by(a.c.date_added, a.c.id)
                )
            ]

    # The work is in citelib.library.attaching; these are its entry points.
    def attach_file(
        self,
        item_id: int,
        path: Path | str,
        *,
        mode: attaching.Mode = "stored",
        title: str | None = None,
    ) -> Change:
        """Attach a file: a stored copy under files/<item key>/ named from the item's metadata,
        or a link to where it is. One undo step (`attaching.attach_file`)."""
        return attaching.attach_file(self, item_id, Path(path), mode=mode, title=title)

    def import_pdfs(self, paths: Sequence[Path | str], **options: Any) -> attaching.PdfImportReport:
        """Items made from PDFs, each with its file, in one transaction
        (`attaching.import_pdfs`, which names the options)."""
        return attaching.import_pdfs(self, paths, **options)

    def resolve_path(self, attachment: AttachmentInfo) -> Path | None:
        """Where an attachment's file is (None for a URL)."""
        return attaching.resolve_path(self, attachment)

    def relink(self, attachment_id: int, new_path: Path | str) -> Change:
        """Point an attachment at its file's new place (one undo step)."""
        return attaching.relink(self, attachment_id, new_path)

    def relink_by_folder(
        self,
        folders: Sequence[Path | str],
        *,
        cancel: Callable[[], bool] | None = None,
        progress: Callable[[int, Path], None] | None = None,
    ) -> attaching.RelinkReport:
        """Find missing linked files by name in these folders and relink them (one step)."""
        return attaching.relink_by_folder(self, folders, cancel=cancel, progress=progress)

    def _follow_names(self, item_ids: Iterable[int]) -> None:
        """Rename the items' stored files after their metadata changed (or an undo put it
        back). The edit has committed already: a file that cannot be renamed now keeps its
        name, is logged, and is renamed at the next edit."""
        ids = sorted(item_ids)
        if not ids:
            return
        try:
            report = attaching.sync_stored_names(self, ids)
        except Exception:  # never lose the edit over a file name
            log.exception("renaming stored files after an edit of items %s", ids[:10])
            return
        for attachment_id, why in report.failed:
            log.warning("stored file of attachment %s not renamed: %s", attachment_id, why)

    # ------------------------------------------------------------------ full text
    # The work is in citelib.library.fulltext (imported when first used: it reads PDFs).
    def fulltext_hits(self, item_ids: Sequence[int], query: str) -> dict[int, FulltextHit]:
        """For the items shown (a page of the table, not the whole result): which of them
        have attachment text matching the query's words, with the page and a snippet."""
        from citelib.library import fulltext

        return fulltext.hits(self, item_ids, query)

    def index_fulltext(
        self,
        attachment_id: int,
        *,
        cancel: Callable[[], bool] | None = None,
        progress: Progress | None = None,
        password: str | None = None,
    ) -> IndexResult:
        """Read one attachment's text into the full-text index (see fulltext.index_attachment).
        Slow: call it off the GUI thread."""
        from citelib.library import fulltext

        return fulltext.index_attachment(
            self, attachment_id, cancel=cancel, progress=progress, password=password
        )

    def index_fulltext_pending(
        self, *, cancel: Callable[[], bool] | None = None, progress: Progress | None = None
    ) -> IndexRun:
        """Index every attachment that is not indexed, or is stale (see fulltext.index_pending).
        Slow: call it off the GUI thread."""
        from citelib.library import fulltext

        return fulltext.index_pending(self, cancel=cancel, progress=progress)

    def fulltext_pending(self) -> list[int]:
        """The attachments the full-text index lacks or has out of date."""
        from citelib.library import fulltext

        return fulltext.pending(self)

    def reindex_fulltext(self, ids: Sequence[int] | None = None) -> int:
        """Forget the indexed text of these attachments (default: all), so they are pending."""
        from citelib.library import fulltext

        return fulltext.reindex(self, ids)

    def fulltext_status(self, attachment_id: int) -> FulltextStatus:
        from citelib.library import fulltext

        return fulltext.status(self, attachment_id)

    # ------------------------------------------------------------------ notes
    def notes(self, item_id: int) -> list[NoteInfo]:
        n = schema.notes
        with self.db.read() as conn:
            return [
                NoteInfo(r.id, r.key, r.item_id, r.html, r.date_added, r.date_modified)
                for r in conn.execute(
                    select(n).where(n.c.item_id == item_id).order_by(n.c.position, n.c.id)
                )
            ]

    def add_note(self, item_id: int, html: str) -> Change:
        n = schema.notes
        with self._write("Add note") as tx:
            conn = tx.conn
            self._require_items(conn, [item_id])
            position = conn.execute(
                select(func.coalesce(func.max(n.c.position) + 1, 0)).where(n.c.item_id == item_id)
            ).scalar()
            tx.save(n, n.c.item_id == item_id)
            tx.save(schema.items, schema.items.c.id == item_id, ("date_modified",))
            now = utc_now()
            result = conn.execute(
                insert(n).values(
                    key=self._fresh_keys(conn, "notes", 1)[0],
                    item_id=item_id,
                    position=position,
                    html=html,
                    date_added=now,
                    date_modified=now,
                )
            )
            self._touch(conn, [item_id])
            tx.new_ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
            tx.items.add(item_id)
            tx.fts.add(item_id)
        return tx.result()

    def update_note(self, note_id: int, html: str) -> Change:
        n = schema.notes
        with self._write("Edit note") as tx:
            item_id = tx.conn.execute(select(n.c.item_id).where(n.c.id == note_id)).scalar()
            if item_id is None:
                raise NotFound(f"no note {note_id}")
            tx.save(n, n.c.id == note_id)
            tx.conn.execute(
                update(n).where(n.c.id == note_id).values(html=html, date_modified=utc_now())
            )
            tx.items.add(item_id)
            tx.fts.add(item_id)
        return tx.result()

    def delete_note(self, note_id: int) -> Change:
        n = schema.notes
        with self._write("Delete note") as tx:
            item_id = tx.conn.execute(select(n.c.item_id).where(n.c.id == note_id)).scalar()
            if item_id is None:
                raise NotFound(f"no note {note_id}")
            tx.save(n, n.c.id == note_id)
            tx.conn.execute(delete(n).where(n.c.id == note_id))
            tx.items.add(item_id)
            tx.fts.add(item_id)
        return tx.result()

    # ------------------------------------------------------------------ saved searches
    def saved_searches(self) -> list[SavedSearch]:
        s = schema.saved_searches
        with self.db.read() as conn:
            return [
                SavedSearch(r.id, r.name, r.query, bool(r.fulltext))
                for r in conn.execute(select(s).order_by(func.lower(s.c.name)))
            ]

    def save_search(self, name: str, query: str, *, fulltext: bool = False) -> Change:
        """Save a quick-search query under a name (replacing one of the same name); with
        `fulltext`, in the mode "All Fields & Full Text" (see `search`)."""
        name = _clean_name(name)
        search.condition(query)  # refuse a query that cannot run
        s = schema.saved_searches
        values = {"query": query, "fulltext": fulltext}
        with self._write(f"Save search {name}") as tx:
            tx.save(s, s.c.name == name)
            existing = tx.conn.execute(select(s.c.id).where(s.c.name == name)).scalar()
            if existing is None:
                tx.conn.execute(insert(s).values(name=name, **values))
            else:
                tx.conn.execute(update(s).where(s.c.id == existing).values(values))
            tx.saved_searches = True
        return tx.result()

    def delete_saved_search(self, name: str) -> Change:
        s = schema.saved_searches
        with self._write(f"Delete saved search {name}") as tx:
            if tx.conn.execute(select(s.c.id).where(s.c.name == name)).first() is None:
                raise NotFound(f"no saved search {name!r}")
            tx.save(s, s.c.name == name)
            tx.conn.execute(delete(s).where(s.c.name == name))
            tx.saved_searches = True
        return tx.result()

    # ------------------------------------------------------------------ helpers
    def _validate(self, item: Item) -> None:
        if item.item_type not in ITEM_TYPES:
            raise InvalidValue(f"unknown item type {item.item_type!r}")
        unknown = set(item.fields) - FIELD_SET
        if unknown:
            raise InvalidValue(f"unknown field {sorted(unknown)[0]!r}")
        for creator in item.creators:
            if creator.role not in CREATOR_ROLES:
                raise InvalidValue(f"unknown creator role {creator.role!r}")
        doi = item.fields.get("DOI")
        if doi:
            item.fields["DOI"] = normalise_doi(doi)
        _scrub(item)

    def _fresh_keys(self, conn: Connection, table: str, n: int) -> list[str]:
        """n keys not used by any row of `table` (nor each other)."""
        keys: list[str] = []
        seen: set[str] = set()
        column = schema.Base.metadata.tables[table].c.key
        while len(keys) < n:
            batch = []
            for k in new_keys(n - len(keys)):
                if k not in seen:
                    seen.add(k)
                    batch.append(k)
            taken = {r[0] for r in conn.execute(select(column).where(texts_in(column, batch)))}
            keys.extend(k for k in batch if k not in taken)
        return keys


def _match_once(conn: Connection, compiled: Compiled) -> Compiled:
    """The query reading its text matches from the connection's temporary table, filled now,
    when more than one statement of a read needs them (FTS5 evaluates a match each time)."""
    if compiled.fts is None or compiled.fts_stored is not None:
        return compiled
    return replace(compiled, fts_stored=sqlite.fill_fts_hits(conn, compiled.fts))


_COUNTER: Final = "change_counter"


def _change_counter(conn: Connection) -> int:
    m = schema.library_meta
    value = conn.execute(select(m.c.value).where(m.c.name == _COUNTER)).scalar()
    return int(value or 0)


def _count_change(conn: Connection) -> int:
    """Advance the library's change counter (every process's every write does) and return it."""
    m = schema.library_meta
    value = _change_counter(conn) + 1
    conn.execute(insert(m).prefix_with("OR REPLACE").values(name=_COUNTER, value=str(value)))
    return value


def _replace_creators(conn: Connection, item_id: int, creators: Sequence[Creator]) -> None:
    conn.execute(delete(schema.creators).where(schema.creators.c.item_id == item_id))
    if creators:
        sqlite.dbapi(conn).executemany(
            _insert_sql("creators", ("item_id", "position", "role", "family", "given", "literal")),
            rowmap.creator_tuples(item_id, creators),
        )


def _load_one(conn: Connection, item_id: int) -> Item:
    found = rowmap.load_items(conn, [item_id])
    if not found:
        raise NotFound(f"no item {item_id}")
    return found[0]


def _subtree(collection_id: int) -> Any:
    """A recursive CTE of a collection and all its descendants (UNION stops at a loop)."""
    c = schema.collections
    tree = select(c.c.id).where(c.c.id == collection_id).cte("subtree", recursive=True)
    return tree.union(select(c.c.id).join(tree, c.c.parent_id == tree.c.id))


def _insert_sql(table: str, columns: Sequence[str], *, ignore: bool = False) -> str:
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _scrub(item: Item) -> None:
    """Keep out what carries nothing and breaks things: NUL characters (SQLite's C-string
    functions stop at them: a tag named "\x00" could not be found again), space around names,
    and creators with no name or notes with no text (no format could write them back)."""
    for name, value in item.fields.items():
        if "\x00" in value:
            item.fields[name] = value.replace("\x00", "").strip()
    for c in item.creators:
        c.family, c.given, c.literal = (
            c.family.replace("\x00", "").strip(),
            c.given.replace("\x00", "").strip(),
            c.literal.replace("\x00", "").strip(),
        )
    item.notes = [n for n in (n.replace("\x00", "") for n in item.notes) if n.strip()]
    item.creators = [c for c in item.creators if c.family or c.given or c.literal]


def _clean_tags(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if "\x00" in n:
            n = n.replace("\x00", "")
        if n[:1].isspace() or n[-1:].isspace():
            n = n.strip()
        if n and n not in out:
            out.append(n)
    return out


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidValue("a name cannot be empty")
    return name


def _is_colour(text: str) -> bool:
    return (
        len(text) == 7 and text[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in text[1:])
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _tag_label(verb: str, names: Sequence[str], ids: Sequence[int]) -> str:
    what = names[0] if len(names) == 1 else f"{len(names)} tags"
    return f"{verb} {what}" + ("" if len(ids) == 1 else f" ({len(ids)} items)")
