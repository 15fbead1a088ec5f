"""Putting a finished file in place so that a crash or power cut leaves the old or the new one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX only; Windows cannot open a folder this way)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_durably(tmp: Path, target: Path) -> None:
    """fsync `tmp`, rename it over `target`, fsync the folder."""
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    sync_folder(target.parent)
