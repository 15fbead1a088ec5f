"""Opening a library with an older schema: a forced backup first, then one upgrade transaction.

Only one schema exists so far, so these tests add a real second Alembic revision to a copy of
the migration scripts, the way the next schema change will.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from citelib import backup
from citelib.errors import LibraryError
from citelib.library import Library
from citelib.store.database import MIGRATIONS, Migrations
from tests.conftest import sample_items

REVISION_0002 = '''
"""A later schema: one more column."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("added_later", sa.Text(), nullable=True))
    {failure}


def downgrade() -> None:
    op.drop_column("items", "added_later")
'''


def migrations_with_0002(tmp_path: Path, failure: str = "") -> Migrations:
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS.directory, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "0002_added_later.py").write_text(
        REVISION_0002.format(failure=failure), encoding="utf-8"
    )
    return Migrations(directory, ("0001", "0002"))


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
    with Library.open(folder, migrations=migrations_with_0002(tmp_path)) as lib:
        assert lib.count() == len(sample_items())
        assert lib.search("rosenberg").total == 1
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == ("0002", True, 4)
    (saved,) = backup.list_backups(folder / "backups")
    assert saved.reason == "pre-migration"
    version, columns, count = schema_of(saved.path)
    assert (version, "added_later" in columns, count) == ("0001", False, 4)


def test_a_failed_upgrade_leaves_the_library_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    broken = migrations_with_0002(tmp_path, failure='raise RuntimeError("disk on fire")')
    with pytest.raises(LibraryError, match="left as it was"):
        Library.open(folder, migrations=broken)
    version, columns, count = schema_of(folder / "library.sqlite")
    assert (version, "added_later" in columns, count) == ("0001", False, 4)
    assert [b.reason for b in backup.list_backups(folder / "backups")] == ["pre-migration"]
    with Library.open(folder) as lib:  # the current code still opens it
        assert lib.count() == 4


def test_code_that_knows_only_0001_refuses_a_0002_library(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    old_library(folder)
    Library.open(folder, migrations=migrations_with_0002(tmp_path)).close()
    with pytest.raises(LibraryError, match="newer version of citelib"):
        Library.open(folder)
