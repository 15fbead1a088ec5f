"""The store: the SQLite file, its schema and migrations, and the backups of it."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from citelib import backup
from citelib.errors import LibraryError, LibraryLocked, LibraryTooNew
from citelib.library import Library
from citelib.model import Item
from citelib.store import database, schema, sqlite
from tests.conftest import sample_items

# ------------------------------------------------------------------ helpers


def _fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file in a folder tree with its sha256 and mtime: to prove nothing was touched."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
    return out


def _structure(path: Path) -> dict[str, Any]:
    """Tables, columns, keys and indexes of a SQLite file as SQLite itself reports them."""
    con = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {}
        for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'items_fts%' "
            "AND name NOT LIKE 'fulltext_fts%' "
            "AND name != 'alembic_version'"
        ):
            columns = {
                r[1]: (r[2].upper(), r[3], r[4], r[5])
                for r in con.execute(f"PRAGMA table_info('{name}')")
            }
            fks = sorted(
                (r[2], r[3], r[4], r[6]) for r in con.execute(f"PRAGMA foreign_key_list('{name}')")
            )
            indexes = {}
            for r in con.execute(f"PRAGMA index_list('{name}')"):
                index_name, unique, origin, partial = r[1], r[2], r[3], r[4]
                cols = tuple(
                    x[2] if x[1] >= 0 else ("<rowid>" if x[1] == -1 else "<expr>")
                    for x in con.execute(f"PRAGMA index_xinfo('{index_name}')")
                    if x[5]  # key columns only
                )
                index_sql = con.execute(
                    "SELECT sql FROM sqlite_master WHERE name = ?", (index_name,)
                ).fetchone()[0]
                # auto-indexes (UNIQUE constraints) have generated names and no SQL
                key = index_name if index_sql else f"auto:{','.join(map(str, cols))}"
                expr = re.sub(r"\s+", "", index_sql.split(" ON ", 1)[1]) if index_sql else None
                indexes[key] = (unique, origin, partial, cols, expr)
            out[name] = {
                "columns": columns,
                "foreign_keys": fks,
                "indexes": indexes,
                "autoincrement": "AUTOINCREMENT" in sql.upper(),
            }
        return out
    finally:
        con.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "library"


def _closed_library(folder: Path, items: list[Item] | None = None) -> Path:
    with Library.open(folder) as lib:
        if items:
            lib.add_items(items)
    return folder / "library.sqlite"


# ------------------------------------------------------------------ a new library


def test_new_library_is_wal_with_foreign_keys(lib: Library) -> None:
    con = sqlite3.connect(lib.db_path)
    try:
        # the journal mode is stored in the file: any connection sees it
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    with lib.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == int(
            sqlite.BUSY_TIMEOUT_S * 1000
        )
    with lib.db.write() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(lib: Library) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), lib.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO creators (item_id, position, role, family, given, literal) "
            "VALUES (12345, 0, 'author', 'X', '', '')"
        )


def test_new_library_has_fts_and_head_revision(lib: Library) -> None:
    with lib.db.read() as conn:
        fts_sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": sqlite.FTS_TABLE}
        ).scalar()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        meta: dict[str, str] = dict(
            conn.execute(text("SELECT name, value FROM library_meta")).all()
        )
    # the migration writes the FTS table by hand: it must be the one sqlite.py describes
    assert fts_sql == sqlite.FTS_CREATE
    assert version == database.HEAD_REVISION
    assert lib.db.revision() == database.HEAD_REVISION
    assert re.fullmatch(r"[0-9a-f]{32}", meta["library_id"])
    assert meta["created"].endswith("Z")
    assert (lib.folder / "files").is_dir()
    assert (lib.folder / "backups").is_dir()


def test_reopening_keeps_the_library(folder: Path) -> None:
    _closed_library(folder, sample_items())
    with Library.open(folder, create=False) as lib:
        assert lib.count() == len(sample_items())
        with lib.db.read() as conn:
            ids = conn.execute(
                text("SELECT count(*) FROM library_meta WHERE name IN ('library_id', 'created')")
            ).scalar()
        assert ids == 2  # stamped once, not again on reopening


def test_revision_constants_match_the_migration_scripts() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_heads() == [database.HEAD_REVISION]
    assert {s.revision for s in scripts.walk_revisions()} == set(database.KNOWN_REVISIONS)
    assert database.KNOWN_REVISIONS[-1] == database.HEAD_REVISION


def test_migrated_schema_equals_the_orm_metadata(tmp_path: Path, lib: Library) -> None:
    orm_file = tmp_path / "orm.sqlite"
    engine = create_engine(f"sqlite:///{orm_file}")
    schema.Base.metadata.create_all(engine)
    engine.dispose()
    migrated, orm = _structure(lib.db_path), _structure(orm_file)
    assert migrated.keys() == orm.keys() == set(schema.Base.metadata.tables)
    for name in orm:
        assert migrated[name] == orm[name], name
    items = migrated["items"]
    assert items["indexes"]["ix_items_doi"][4] == "items(lower(doi))"
    assert items["autoincrement"]
    assert migrated["tags"]["autoincrement"]
    assert migrated["collections"]["autoincrement"]


def test_alembic_sees_no_difference(lib: Library) -> None:
    with lib.db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the expression index ix_items_doi; the test above covers it
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(conn), schema.Base.metadata)
    leftovers = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith(("items_fts", "fulltext_fts")))
    ]
    assert leftovers == []


# ------------------------------------------------------------------ refusing what we cannot open


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_newer_schema_is_refused_and_left_untouched(folder: Path, journal_mode: str) -> None:
    db = _closed_library(folder, sample_items())
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.execute(f"PRAGMA journal_mode = {journal_mode}")
    con.close()
    before = _fingerprint(folder)
    time.sleep(0.01)
    with pytest.raises(LibraryTooNew) as info:
        Library.open(folder)
    message = str(info.value)
    assert "9999" in message
    assert "newer version of citelib" in message
    assert "update citelib" in message
    assert _fingerprint(folder) == before
    with pytest.raises(LibraryTooNew):
        Library.open(folder, create=False)
    assert _fingerprint(folder) == before


def test_a_file_that_is_not_sqlite_is_a_library_error(folder: Path) -> None:
    folder.mkdir()
    db = folder / "library.sqlite"
    db.write_bytes(b"%PDF-1.4 this is not a database\n" * 200)
    before = db.read_bytes()
    with pytest.raises(LibraryError, match="not a citelib library"):
        Library.open(folder)
    assert db.read_bytes() == before


def test_a_sqlite_file_of_another_program_is_refused(folder: Path) -> None:
    folder.mkdir()
    con = sqlite3.connect(folder / "library.sqlite")
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    con.commit()
    con.close()
    with pytest.raises(LibraryError, match="not a citelib library"):
        Library.open(folder)
    con = sqlite3.connect(folder / "library.sqlite")
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        con.close()
    assert tables == ["moz_places"]


def test_an_empty_file_becomes_a_new_library(folder: Path) -> None:
    folder.mkdir()
    (folder / "library.sqlite").touch()
    with Library.open(folder) as lib:
        assert lib.count() == 0
        assert lib.db.revision() == database.HEAD_REVISION


def test_opening_bad_folders(tmp_path: Path) -> None:
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    with pytest.raises(LibraryError, match="is a file"):
        Library.open(a_file)
    with pytest.raises(LibraryError, match="no library"):
        Library.open(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()
    elsewhere = tmp_path / "Documents"
    elsewhere.mkdir()
    with pytest.raises(LibraryError, match="no library"):
        Library.open(elsewhere, create=False)
    assert list(elsewhere.iterdir()) == []  # nothing left behind in the wrong folder


def test_a_folder_name_with_uri_characters(tmp_path: Path) -> None:
    """`?`, `#` and `%` in a path must not be read as URL syntax by SQLAlchemy or SQLite."""
    folder = tmp_path / "my #1 library?mode=ro&x=%20"
    with Library.open(folder) as lib:
        lib.add_items(sample_items())
        saved = backup.make_backup(lib.db_path, lib.backups_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]
    assert (folder / "library.sqlite").stat().st_size > 0
    con = sqlite3.connect(saved)
    try:
        assert con.execute("SELECT count(*) FROM items").fetchone()[0] == len(sample_items())
    finally:
        con.close()
    with Library.open(folder) as lib:
        assert lib.count() == len(sample_items())


# ------------------------------------------------------------------ backups


def _count_items(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM items").fetchone()[0])
    finally:
        con.close()


def test_make_backup_writes_a_verified_copy(lib: Library) -> None:
    lib.add_items(sample_items())
    saved = backup.make_backup(lib.db_path, lib.backups_dir)
    assert saved.parent == lib.backups_dir
    assert re.fullmatch(r"library-\d{8}T\d{12}Z-manual\.sqlite", saved.name)
    sqlite.verify_database(saved)
    assert _count_items(saved) == len(sample_items())
    con = sqlite3.connect(saved)
    try:
        # a copy is a single self-contained file
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    assert not list(lib.backups_dir.glob(".tmp-*"))
    # the copy opens as a library of its own
    other = lib.folder.parent / "restored"
    other.mkdir()
    os.replace(saved, other / "library.sqlite")
    with Library.open(other, create=False) as restored:
        assert restored.count() == len(sample_items())
        assert restored.search("muller").total == 1


def test_backups_list_newest_first_with_reasons(lib: Library) -> None:
    reasons = ["manual", "auto", "pre-migration", "pre-repair"]
    for reason in reasons:
        backup.make_backup(lib.db_path, lib.backups_dir, reason)
    found = backup.list_backups(lib.backups_dir)
    assert [b.reason for b in found] == list(reversed(reasons))
    assert all(b.size > 0 for b in found)
    assert backup.list_backups(lib.folder / "nowhere") == []


def test_rotation_keeps_the_newest_ten(lib: Library) -> None:
    made = [backup.make_backup(lib.db_path, lib.backups_dir, "manual") for _ in range(13)]
    kept = backup.list_backups(lib.backups_dir)
    assert len(kept) == backup.KEEP == 10
    assert [b.path for b in kept] == list(reversed(made[3:]))
    assert not any(p.exists() for p in made[:3])


def test_rotation_never_pushes_out_another_reason(lib: Library) -> None:
    safety = backup.make_backup(lib.db_path, lib.backups_dir, "pre-migration")
    for _ in range(12):
        backup.make_backup(lib.db_path, lib.backups_dir, "manual")
    reasons = [b.reason for b in backup.list_backups(lib.backups_dir)]
    assert reasons.count("manual") == 10
    assert safety.exists()


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    with pytest.raises(LibraryError, match="could not back up"):
        backup.make_backup(tmp_path / "missing.sqlite", backups)
    assert list(backups.iterdir()) == []
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage" * 1000)
    with pytest.raises(LibraryError, match="could not back up"):
        backup.make_backup(bad, backups)
    assert list(backups.iterdir()) == []


def test_due(tmp_path: Path, lib: Library) -> None:
    assert backup.due(tmp_path / "none")
    assert backup.due(lib.backups_dir)
    saved = backup.make_backup(lib.db_path, lib.backups_dir)
    assert not backup.due(lib.backups_dir)
    old = time.time() - backup.INTERVAL_S - 60
    os.utime(saved, (old, old))
    assert backup.due(lib.backups_dir)
    assert not backup.due(lib.backups_dir, interval_s=backup.INTERVAL_S * 2)


def _age_backups(backups_dir: Path, seconds: float) -> None:
    when = time.time() - seconds
    for b in backup.list_backups(backups_dir):
        os.utime(b.path, (when, when))


def test_automatic_backup_before_the_first_write_of_a_session(folder: Path) -> None:
    item = sample_items()[0]
    with Library.open(folder) as lib:
        lib.add_items(sample_items())  # an empty library is not worth a copy
        lib.add_item(item)
    assert backup.list_backups(folder / "backups") == []

    with Library.open(folder) as lib:
        lib.count()
        assert backup.list_backups(lib.backups_dir) == []  # reading alone does not back up
        lib.create_collection("First write")
        first = backup.list_backups(lib.backups_dir)
        assert [b.reason for b in first] == ["auto"]
        assert _count_items(first[0].path) == len(sample_items()) + 1
        lib.create_collection("Second write")
        assert len(backup.list_backups(lib.backups_dir)) == 1

    with Library.open(folder) as lib:  # the last copy is recent: none needed
        lib.create_collection("Third")
        assert len(backup.list_backups(lib.backups_dir)) == 1

    _age_backups(folder / "backups", backup.INTERVAL_S + 3600)
    with Library.open(folder) as lib:  # older than a day: a new one
        lib.create_collection("Fourth")
        found = backup.list_backups(lib.backups_dir)
        assert len(found) == 2
        assert found[0].mtime > time.time() - 600


# ------------------------------------------------------------------ another program writing


def test_a_write_waits_then_reports_the_lock(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _closed_library(folder, sample_items())
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_S", 0.2)  # instead of two minutes
    other = sqlite3.connect(folder / "library.sqlite", isolation_level=None)
    try:
        with Library.open(folder) as lib:
            before = lib.search("").total
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE items SET title = 'held' WHERE id = 1")
            assert lib.count() == before  # WAL: readers are not blocked by the writer
            started = time.monotonic()
            with pytest.raises(LibraryLocked, match="busy in another program"):
                lib.add_item(Item("book", {"title": "blocked"}))
            assert time.monotonic() - started >= 0.15
            assert lib.history.undo_label is None
            other.execute("COMMIT")
            lib.add_item(Item("book", {"title": "after"}))
            assert lib.count() == before + 1
            assert lib.get_item(1).title == "held"
    finally:
        other.close()
