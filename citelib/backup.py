"""Rotating, verified copies of the library database in `<library>/backups/`.

A copy is written to a temporary file, checked by reopening it, and only then moved into place,
so a crash or a full disk never leaves a half-written backup that looks like a good one.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from citelib.durable import replace_durably
from citelib.errors import LibraryError
from citelib.store import sqlite

KEEP: Final = 10
INTERVAL_S: Final = 24 * 3600
PREFIX: Final = "library-"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    reason: str
    size: int
    mtime: float


def make_backup(db_path: Path, backups_dir: Path, reason: str = "manual") -> Path:
    """Copy the database into `backups_dir`, verify the copy, then drop the oldest beyond KEEP."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"{PREFIX}{stamp}-{reason}.sqlite"
    tmp = backups_dir / f".tmp-{uuid.uuid4().hex}.sqlite"
    try:
        sqlite.backup_database(db_path, tmp)
        replace_durably(tmp, target)
    except (OSError, ValueError, sqlite3.Error) as e:
        tmp.unlink(missing_ok=True)
        raise LibraryError(f"could not back up {db_path}: {e}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    rotate(backups_dir)
    return target


def list_backups(backups_dir: Path) -> list[Backup]:
    """Backups, newest first."""
    if not backups_dir.is_dir():
        return []
    found = []
    for p in backups_dir.glob(f"{PREFIX}*.sqlite"):
        st = p.stat()
        # library-<stamp>-<reason>: the stamp has no dash, a reason may ("pre-migration")
        reason = p.stem.removeprefix(PREFIX).partition("-")[2]
        found.append(Backup(p, reason, st.st_size, st.st_mtime))
    return sorted(found, key=lambda b: b.path.name, reverse=True)


def rotate(backups_dir: Path, keep: int = KEEP) -> None:
    """Keep the newest `keep` backups of each reason: ten manual backups never push out the
    copy made before a migration or a repair."""
    seen: dict[str, int] = {}
    for b in list_backups(backups_dir):
        seen[b.reason] = seen.get(b.reason, 0) + 1
        if seen[b.reason] > keep:
            b.path.unlink(missing_ok=True)


def due(backups_dir: Path, interval_s: float = INTERVAL_S) -> bool:
    newest = list_backups(backups_dir)
    return not newest or time.time() - newest[0].mtime > interval_s
