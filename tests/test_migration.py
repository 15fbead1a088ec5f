"""Opening a library with an older schema: a forced backup first, then one upgrade transaction.

These tests add a real further Alembic revision (0003) to a copy of the migration scripts, the
way the next schema change will, and upgrade a library made at 0001 to the real 0002.
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

REVISION_0002 = '''
"""A later schema: one more column."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("added_later", sa.Text(), nullable=True))
    {failure}


def downgrade() -> None:
    op.drop_column("items", "added_later")
'''


def migrations_with_0003(tmp_path: Path, failure: str = "") -> Migrations:
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS.directory, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "0003_added_later.py").write_text(
        REVISION_0002.format(failure=failure), encoding="utf-8"
    )
    return Migrations(directory, ("0001", "0002", "0003"))


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
    with Library.open(folder, migrations=migrations_with_0003(tmp_path)) as lib:
        assert lib.count() == len(sample_items())
        assert lib.search("rosenberg").total == 1
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == ("0003", True, 4)
    (saved,) = backup.list_backups(folder / "backups")
    assert saved.reason == "pre-migration"
    version, columns, count = schema_of(saved.path)
    assert (version, "added_later" in columns, count) == ("0002", False, 4)


def test_a_failed_upgrade_leaves_the_library_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    broken = migrations_with_0003(tmp_path, failure='raise RuntimeError("disk on fire")')
    with pytest.raises(LibraryError, match="left as it was"):
        Library.open(folder, migrations=broken)
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == ("0002", False, 4)
    assert [b.reason for b in backup.list_backups(folder / "backups")] == ["pre-migration"]
    with Library.open(folder) as lib:  # the current code still opens it
        assert lib.count() == 4


def test_code_that_knows_only_0002_refuses_a_0003_library(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    Library.open(folder, migrations=migrations_with_0003(tmp_path)).close()
    with pytest.raises(LibraryError, match="newer version of citelib"):
        Library.open(folder)


def test_a_0001_library_gains_filled_title_keys_at_0002(tmp_path: Path) -> None:
    directory = tmp_path / "migrations_0001"
    shutil.copytree(MIGRATIONS.directory, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "0002_title_key.py").unlink()
    folder = tmp_path / "lib"
    # Made by code that knew only 0001; its item written with the columns 0001 had.
    db = folder / "library.sqlite"
    folder.mkdir()
    Database.open(db, migrations=Migrations(directory, ("0001",))).engine.dispose()
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
    assert (version, "title_key" in columns) == ("0002", True)
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
