"""Opening a library with an older schema: a forced backup first, then one upgrade transaction.

These tests add a real further Alembic revision (the one after the head) to a copy of the
migration scripts, the way the next schema change will, upgrade a library made at 0001 to the real
0002, and one made at 0002 to the real 0003 (full text).
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citelib import backup, check
from citelib.errors import LibraryError
from citelib.library import Library
from citelib.library import rows as rowmap
from citelib.model import Item, title_key
from citelib.store.database import MIGRATIONS, Database, Migrations
from tests.conftest import sample_items

HEAD = MIGRATIONS.head
NEXT = f"{int(HEAD) + 1:04d}"
LATER_REVISION = '''
"""A later schema: one more column."""

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("added_later", sa.Text(), nullable=True))
    {failure}


def downgrade() -> None:
    op.drop_column("items", "added_later")
'''


def migrations_with_next(tmp_path: Path, failure: str = "") -> Migrations:
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS.directory, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / f"{NEXT}_added_later.py").write_text(
        LATER_REVISION.format(failure=failure, next=NEXT, head=HEAD), encoding="utf-8"
    )
    return Migrations(directory, (*MIGRATIONS.known, NEXT))


def migrations_up_to(tmp_path: Path, last: str) -> Migrations:
    """A copy of the scripts that stops at revision `last` (what an older citelib shipped)."""
    directory = tmp_path / f"migrations_{last}"
    shutil.copytree(MIGRATIONS.directory, directory, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (directory / "versions").glob("*.py"):
        if script.name[:4] > last:
            script.unlink()
    return Migrations(directory, MIGRATIONS.known[: MIGRATIONS.known.index(last) + 1])


def schema_of(db: Path) -> tuple[str, list[str], int]:
    con = sqlite3.connect(db)
    try:
        version = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        columns = [r[1] for r in con.execute("PRAGMA table_info(items)")]
        count = con.execute("SELECT count(*) FROM items").fetchone()[0]
        return version, columns, count
    finally:
        con.close()


def old_library(folder: Path) -> None:
    with Library.open(folder) as lib:
        lib.add_items(sample_items())


def test_older_library_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    with Library.open(folder, migrations=migrations_with_next(tmp_path)) as lib:
        assert lib.count() == len(sample_items())
        assert lib.search("rosenberg").total == 1
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == (NEXT, True, 4)
    (saved,) = backup.list_backups(folder / "backups")
    assert saved.reason == "pre-migration"
    version, columns, count = schema_of(saved.path)
    assert (version, "added_later" in columns, count) == (HEAD, False, 4)


def test_a_failed_upgrade_leaves_the_library_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    broken = migrations_with_next(tmp_path, failure='raise RuntimeError("disk on fire")')
    with pytest.raises(LibraryError, match="left as it was"):
        Library.open(folder, migrations=broken)
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == (HEAD, False, 4)
    assert [b.reason for b in backup.list_backups(folder / "backups")] == ["pre-migration"]
    with Library.open(folder) as lib:  # the current code still opens it
        assert lib.count() == 4


def test_code_that_knows_only_the_head_refuses_a_later_library(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    Library.open(folder, migrations=migrations_with_next(tmp_path)).close()
    with pytest.raises(LibraryError, match="newer version of citelib"):
        Library.open(folder)


def test_a_0001_library_gains_filled_title_keys_at_0002(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    # Made by code that knew only 0001; its item written with the columns 0001 had.
    db = folder / "library.sqlite"
    folder.mkdir()
    Database.open(db, migrations=migrations_up_to(tmp_path, "0001")).engine.dispose()
    item = Item("book", {"title": "The Ünusual Title: NK-cells!"})
    values = {k: v for k, v in rowmap.derived(item).items() if k != "title_key"}
    values |= {"key": "AAAAAAAA", "item_type": "book", "date_added": "x", "date_modified": "x"}
    values["title"] = item.title
    con = sqlite3.connect(db)
    with con:
        names = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        con.execute(f"INSERT INTO items ({names}) VALUES ({marks})", values)
    con.close()
    assert "title_key" not in schema_of(db)[1]
    with Library.open(folder) as lib:
        assert lib.count() == 1
    version, columns, _ = schema_of(db)
    assert (version, "title_key" in columns) == (HEAD, True)
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT title_key FROM items").fetchone() == ("theunusualtitlenkcells",)
        indexes = [r[1] for r in con.execute("PRAGMA index_list(items)")]
        assert "ix_items_title_key" in indexes
    finally:
        con.close()
    with Library.open(folder) as lib:
        # The keys 0002 filled in are what the current code computes (no stale derived columns;
        # the hand-made row has no search-index row, which check reports separately).
        assert [f.kind for f in check.run_checks(lib)] == ["search-index"]


def _frozen_title_key() -> Callable[[str], str]:
    path = MIGRATIONS.directory / "versions" / "0002_title_key.py"
    spec = importlib.util.spec_from_file_location("citelib_migration_0002", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn: Callable[[str], str] = module._title_key
    return fn


_FROZEN_TITLE_KEY = _frozen_title_key()


@given(st.text())
def test_the_title_key_of_the_code_is_the_one_0002_filled_in(title: str) -> None:
    # A change to model.title_key needs a migration that recomputes the column.
    assert title_key(title) == _FROZEN_TITLE_KEY(title)


def test_a_0002_library_is_backed_up_and_gains_the_fulltext_index(tmp_path: Path) -> None:
    from tests.pdfmaker import Paper, write_paper

    folder = tmp_path / "lib"
    pdf = write_paper(tmp_path / "a.pdf", Paper(pages=[["the zymurgical page"]]))
    with Library.open(folder, migrations=migrations_up_to(tmp_path, "0002")) as lib:
        (item_id, *_) = lib.add_items(sample_items()).new_ids
        with lib.db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO attachments (key, item_id, kind, title, path, content_type, "
                "date_added) VALUES ('ATTACHAA', ?, 'linked', 'a.pdf', ?, 'application/pdf', "
                "'2026-01-01T00:00:00Z')",
                (item_id, str(pdf)),
            )
    db = folder / "library.sqlite"

    def tables(path: Path) -> set[str]:
        con = sqlite3.connect(path)
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()

    assert schema_of(db)[0] == "0002"
    assert "fulltext_state" not in tables(db)
    with Library.open(folder) as lib:
        assert lib.count() == 4
        (attachment_id,) = lib.fulltext_pending()  # derived data: the app indexes it
        assert lib.index_fulltext(attachment_id).status == "indexed"
        assert [r.id for r in lib.search("zymurgical", fulltext=True).rows] == [item_id]
        assert lib.search("zymurgical").total == 0
    assert schema_of(db)[0] == MIGRATIONS.head
    assert {"fulltext_state", "fulltext_fts"} <= tables(db)
    (saved,) = backup.list_backups(folder / "backups")
    assert saved.reason == "pre-migration"
    assert schema_of(saved.path)[0] == "0002"
    assert "fulltext_state" not in tables(saved.path)


def test_a_0003_library_keeps_its_saved_searches_in_the_fields_mode_at_0004(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "lib"
    with Library.open(folder, migrations=migrations_up_to(tmp_path, "0003")) as lib:
        lib.add_items(sample_items())
        with lib.db.write() as conn:  # what a 0003 citelib wrote: no mode
            conn.exec_driver_sql(
                "INSERT INTO saved_searches (name, query) VALUES ('Recent', 'year:2016..')"
            )
    db = folder / "library.sqlite"
    assert schema_of(db)[0] == "0003"
    with Library.open(folder) as lib:
        (saved,) = lib.saved_searches()
        assert (saved.name, saved.query, saved.fulltext) == ("Recent", "year:2016..", False)
        lib.save_search("In PDFs", "zymurgy", fulltext=True)
        assert [s.fulltext for s in lib.saved_searches()] == [True, False]
        assert check.run_checks(lib) == []
    assert schema_of(db)[0] == "0004"
    (backup_made,) = backup.list_backups(folder / "backups")
    assert schema_of(backup_made.path)[0] == "0003"
