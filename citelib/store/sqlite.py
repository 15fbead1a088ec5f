"""Everything that only SQLite has: connection pragmas, write locking, FTS5, backups, checks.

A shared library on PostgreSQL is planned; keeping these in one module is what makes that a new
sibling module rather than a hunt through the code base.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    URL,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    column,
    create_engine,
    event,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.pool import QueuePool

# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S: Final = 120.0

FTS_TABLE: Final = "items_fts"
FTS_COLUMNS: Final = ("title", "creators", "publication", "abstract", "tags", "notes", "other")
# unicode61 with diacritics removed lets "muller" find "Müller"; the prefix indexes make the
# as-you-type `car*` queries an index lookup instead of a scan of the term list.
FTS_CREATE: Final = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)

# Full text of attachments (PDF pages), in a table of its own: its rows are pages, not items.
# Same tokenizer and prefix indexes as the items index, so a quick-search clause means the same
# in both. The rowid says whose page a row is: the attachment id shifted left by PAGE_BITS, plus
# the page index, so one attachment's pages are a rowid range (a seek, not a scan) and a match
# names its attachment without reading any stored text.
FULLTEXT_TABLE: Final = "fulltext_fts"
FULLTEXT_CREATE: Final = (
    f"CREATE VIRTUAL TABLE {FULLTEXT_TABLE} USING fts5("
    "text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
PAGE_BITS: Final = 20  # up to 1,048,576 pages per attachment
MAX_PAGES: Final = 1 << PAGE_BITS


def create_sqlite_engine(path: Path) -> Engine:
    """An engine whose connections run in WAL mode with foreign keys on.

    pysqlite's own transaction handling is switched off so that we can emit `BEGIN IMMEDIATE`
    for writes: a deferred transaction that later wants to write fails with "database is locked"
    when another writer got there first, whereas IMMEDIATE waits on the busy timeout.
    """
    engine = create_engine(
        # URL.create, not a URL string: `?`, `#` and `%` in a folder name are not URL syntax
        URL.create("sqlite+pysqlite", database=str(path)),
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # The connection used last is handed out next: its page cache (up to 64 MiB each) is
        # warm, and the others' caches never fill. First-in-first-out rotated reads over every
        # pooled connection, filling each cache (the window on 100,000 items: 278-354 MiB at
        # its peak; 217 MiB after scrolling the table now, 277 before).
        pool_use_lifo=True,
    )

    engine.dialect.statement_compiler = _Compiler

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        # FULL syncs the WAL at every commit: a committed import survives a power cut.
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA cache_size = -65536")
        cur.execute("PRAGMA temp_store = MEMORY")
        cur.close()
        dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("citelib_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


class _Compiler(SQLiteCompiler):
    """SQLAlchemy's SQLite compiler, rendering `Select.with_hint(table, text, "sqlite")` after
    the table's name, where SQLite reads `INDEXED BY` (see `indexed_by`)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def indexed_by(stmt: Select[Any], table: Table, index: str) -> Select[Any]:
    """`stmt` reading `table` through `index` only (SQLite's `INDEXED BY`). For a walk the
    planner cannot cost: it does not know how soon a LIMIT stops a walk in index order."""
    return stmt.with_hint(table, f"INDEXED BY {index}", "sqlite")


def _casefold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


def casefold(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """Unicode case folding in SQL, for case-insensitive matches beyond ASCII (SQLite's own
    lower() leaves `Ä` as it is). Only on connections made by `create_sqlite_engine`."""
    return func.casefold(value)


def ids_in(column: ColumnElement[Any], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (ids)` with one bound parameter, however many ids (no variable limit)."""
    values = func.json_each(json.dumps(sorted(set(ids)))).table_valued("value")
    return column.in_(select(values.c.value))


def texts_in(column: ColumnElement[Any], texts: Iterable[str]) -> ColumnElement[bool]:
    values = func.json_each(json.dumps(sorted(set(texts)))).table_valued("value")
    return column.in_(select(values.c.value))


def dbapi(conn: Connection) -> sqlite3.Connection:
    """The driver connection under a SQLAlchemy connection, for bulk `executemany`."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def defer_foreign_keys(conn: Connection) -> None:
    """Check foreign keys at the commit of this transaction instead of at each statement."""
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def fts_delete(conn: Connection, ids: Iterable[int]) -> None:
    cur = dbapi(conn).cursor()
    cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(i,) for i in ids])
    cur.close()


def fts_insert_bulk(conn: Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert FTS rows for items that are new (no delete first)."""
    placeholders = ", ".join("?" * (len(FTS_COLUMNS) + 1))
    cur = dbapi(conn).cursor()
    cur.executemany(
        f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) VALUES ({placeholders})",
        rows,
    )
    cur.close()


_FTS = table(FTS_TABLE, column("rowid"))


def fts_match(match: str) -> Select[tuple[int]]:
    """The item ids whose FTS row matches an FTS5 query string (for `id IN (...)`)."""
    return select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(match))


# The rows a text search matched, kept for the rest of one read (see `fill_fts_hits`).
FTS_HITS_TABLE: Final = "fts_hits"
_FTS_HITS = table(FTS_HITS_TABLE, column("id"), schema="temp")


def fill_fts_hits(conn: Connection, match: str) -> int:
    """Put the ids whose FTS row matches into this connection's temporary table (read by
    `fts_hits`) and return how many there are. One evaluation of the match then serves a
    search's count and its page: a phrase with a prefix over a common word (`single-cell`)
    costs 25-50 ms each time FTS5 evaluates it. Temporary tables are the connection's own, in
    memory, and writing them takes no lock on the library."""
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {FTS_HITS_TABLE} (id INTEGER PRIMARY KEY)"
    )
    conn.exec_driver_sql(f"DELETE FROM temp.{FTS_HITS_TABLE}")
    conn.exec_driver_sql(
        f"INSERT INTO temp.{FTS_HITS_TABLE} SELECT rowid FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH ?",
        (match,),
    )
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM temp.{FTS_HITS_TABLE}").scalar() or 0)


def fts_hits() -> Select[tuple[int]]:
    """The ids `fill_fts_hits` stored (for `id IN (...)`), on the same connection."""
    return select(_FTS_HITS.c.id)


def fts_rowids_among(conn: Connection, match: str, ids: Iterable[int]) -> set[int]:
    """Which of these item ids match an FTS5 query: one pass over the matches, filtered by an
    expression FTS5 cannot take over (`rowid + 0`), so however many ids, the query runs once."""
    return {
        int(r[0])
        for r in conn.exec_driver_sql(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? "
            "AND (rowid + 0) IN (SELECT value FROM json_each(?))",
            (match, json.dumps(sorted(set(ids)))),
        )
    }


def fts_rowids(conn: Connection) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql(f"SELECT rowid FROM {FTS_TABLE}")}


def fts_recreate(conn: Connection) -> None:
    """An empty FTS table in place of the old one. Deleting its rows would not do: that reads
    the old index, and cannot mend one that is damaged."""
    conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
    conn.exec_driver_sql(FTS_CREATE)


def fts_integrity(conn: Connection, table: str = FTS_TABLE) -> str | None:
    """None when an FTS index (the items', or FULLTEXT_TABLE) is internally consistent, else
    SQLite's message."""
    try:
        conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    except Exception as exc:  # sqlite3.DatabaseError wrapped by SQLAlchemy
        if is_locked_error(exc):
            raise
        return str(getattr(exc, "orig", exc))
    return None


def integrity_check(path: Path) -> list[str]:
    """SQLite's own verdict on a database file: an empty list when it is sound.

    On a connection of its own: a statement that fails on damage also fails the commit of
    the transaction it ran in.
    """
    try:
        con = sqlite3.connect(_read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:  # damage bad enough that SQLite cannot walk the file
        return [str(e)]
    return [] if rows == ["ok"] else rows


def foreign_key_violations(conn: Connection) -> list[tuple[str, int, str]]:
    """(table, rowid, parent table) for rows whose parent is missing."""
    return [(r[0], r[1], r[2]) for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]


def peek_schema(path: Path) -> tuple[str | None, bool]:
    """The schema revision stored in a database file and whether it has any tables at all.

    Read with a plain connection and no pragmas, so that a file we then refuse (written by a
    newer citelib, or by another program) is left exactly as it was: switching it to WAL mode
    would already rewrite its header. Raises sqlite3.DatabaseError for a file that is not one.
    """
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            return None, bool(tables)
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return (str(row[0]) if row else None), True
    finally:
        con.close()


def _read_only_uri(path: Path) -> str:
    # as_uri() percent-encodes `?`, `#` and `%`, which SQLite would otherwise read as URI syntax
    return f"{path.absolute().as_uri()}?mode=ro"


def backup_database(source: Path, target: Path) -> None:
    """Copy a live database consistently (SQLite's online backup), then verify the copy."""
    src = sqlite3.connect(_read_only_uri(source), uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    verify_database(target)


def verify_database(path: Path) -> None:
    """Raise ValueError unless the file opens and passes a quick check."""
    con = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        result = [r[0] for r in con.execute("PRAGMA quick_check")]
    finally:
        con.close()
    if result != ["ok"]:
        raise ValueError("; ".join(result[:5]))


def is_interrupted_error(exc: BaseException) -> bool:
    """SQLite stopped a statement because `sqlite3_interrupt` was called on its connection."""
    return "interrupted" in str(getattr(exc, "orig", exc)).lower()


def is_locked_error(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


# Letters and digits only: unicode61 splits words at "_" as at any other punctuation.
_FTS_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def fts_phrase(text: str, column: str | None = None, prefix: bool = True) -> str | None:
    """One FTS5 query clause for user text: a phrase of its words, the last one a prefix.

    The words are re-quoted one by one so nothing the user types is read as FTS5 syntax
    (`AND`, `NEAR`, `*`, `:`, `^`); `CAR-NK` becomes the phrase `"car" + "nk"`.
    None when the text holds no word at all. A one-character last word of a longer phrase is
    not a prefix: `PD-1` should not find every `pd 1...` number in the library.
    """
    words = _FTS_TOKEN.findall(text)
    if not words:
        return None
    quoted = " + ".join(f'"{w}"' for w in words)
    prefix = prefix and not (len(words) > 1 and len(words[-1]) == 1)
    if prefix:
        quoted += " *"
    clause = f"({quoted})" if len(words) > 1 or prefix else quoted
    return f"{column} : {clause}" if column else clause


def next_rowid(conn: Connection, table: str) -> int:
    """The id the next row of an AUTOINCREMENT table gets. Only valid inside a write
    transaction (which holds the lock, so nobody else can take it first)."""
    seq = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).scalar()
    top = conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
    return max(int(seq or 0), int(top or 0)) + 1


def fts_count(conn: Connection, match: str) -> int:
    """How many FTS rows match (FTS5 counts its doclists without touching the items)."""
    return int(
        conn.exec_driver_sql(
            f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (match,)
        ).scalar()
        or 0
    )


def unindexed(column: Any) -> Any:
    """`+table.column`: the same value, but SQLite will not use an index (or the rowid) for
    it, which steers the planner to the other indexes of the query."""
    return literal_column(f"+{column.table.name}.{column.name}")


def analyze(conn: Connection) -> None:
    """Refresh the statistics the query planner uses to pick indexes (sampling about a thousand
    rows per index: as good for the planner as a full scan, and a third of its time)."""
    conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
    conn.exec_driver_sql("ANALYZE")


# ------------------------------------------------------------------ full text of attachments

_FULLTEXT = table(FULLTEXT_TABLE, column("rowid"))


def fulltext_rowid(attachment_id: int, page: int) -> int:
    """The rowid of page `page` (0-based) of an attachment in the full-text table."""
    return (attachment_id << PAGE_BITS) | page


def fulltext_match(match: str) -> Select[tuple[int]]:
    """The ids of the attachments with a page that matches an FTS5 query (with repeats)."""
    return select(_FULLTEXT.c.rowid.op(">>")(PAGE_BITS)).where(
        literal_column(FULLTEXT_TABLE).op("MATCH")(match)
    )


def fulltext_insert(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Insert (rowid, text) page rows (whose rowids are free: delete the old ones first)."""
    cur = dbapi(conn).cursor()
    cur.executemany(f"INSERT INTO {FULLTEXT_TABLE} (rowid, text) VALUES (?, ?)", rows)
    cur.close()


def fulltext_delete(conn: Connection, attachment_ids: Iterable[int]) -> None:
    """Delete every page row of these attachments (one rowid range each)."""
    cur = dbapi(conn).cursor()
    cur.executemany(
        f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid >= ? AND rowid < ?",
        [(fulltext_rowid(a, 0), fulltext_rowid(a + 1, 0)) for a in attachment_ids],
    )
    cur.close()


def fulltext_attachments(conn: Connection) -> list[int]:
    """The ids of the attachments that have rows in the full-text table: one rowid seek per
    attachment (skipping its pages), never a read of the stored text."""
    found: list[int] = []
    start = 0
    while True:
        row = conn.exec_driver_sql(
            f"SELECT rowid FROM {FULLTEXT_TABLE} WHERE rowid >= ? ORDER BY rowid LIMIT 1", (start,)
        ).first()
        if row is None:
            return found
        attachment_id = int(row[0]) >> PAGE_BITS
        found.append(attachment_id)
        start = fulltext_rowid(attachment_id + 1, 0)


# Marks around the matched words in a snippet: control characters, which page text never holds
# (the indexer removes them) and the tokenizer treats as separators.
SNIPPET_OPEN: Final = "\x01"
SNIPPET_CLOSE: Final = "\x02"


def fulltext_pages(conn: Connection, match: str, attachment_ids: Iterable[int]) -> list[int]:
    """The rowids of these attachments' pages that match an FTS5 query, in rowid order.

    One pass over the query's matches, filtered by attachment (an expression FTS5 cannot take
    over), rather than a query per attachment: a prefix query longer than the prefix indexes
    merges the doclists of all its terms each time it runs, whatever rowid range it is given."""
    return [
        int(r[0])
        for r in conn.exec_driver_sql(
            f"SELECT rowid FROM {FULLTEXT_TABLE} WHERE {FULLTEXT_TABLE} MATCH ? "
            f"AND (rowid >> {PAGE_BITS}) IN (SELECT value FROM json_each(?))",
            (match, json.dumps(sorted(set(attachment_ids)))),
        )
    ]


def fulltext_snippets(
    conn: Connection, match: str, rowids: Iterable[int], tokens: int = 24
) -> dict[int, str]:
    """FTS5's snippet of each of these page rows that matches: up to `tokens` words around the
    matches, the matched words between SNIPPET_OPEN and SNIPPET_CLOSE, `…` where text was left
    out. (`rowid + 0`: one pass over the matches, as in `fulltext_pages`.)"""
    return {
        int(r[0]): str(r[1] or "")
        for r in conn.exec_driver_sql(
            f"SELECT rowid, snippet({FULLTEXT_TABLE}, 0, char(1), char(2), '…', ?) "
            f"FROM {FULLTEXT_TABLE} WHERE {FULLTEXT_TABLE} MATCH ? "
            "AND (rowid + 0) IN (SELECT value FROM json_each(?))",
            (tokens, match, json.dumps(sorted(set(rowids)))),
        )
    }


def fulltext_recreate(conn: Connection) -> None:
    """An empty full-text table in place of the old one (deleting every row of an FTS5 table
    that keeps its text reads all of that text back)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FULLTEXT_TABLE}")
    conn.exec_driver_sql(FULLTEXT_CREATE)
