"""Where things live on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "citelib"
LIBRARY_ENV = "CITELIB_LIBRARY"


def default_library_dir() -> Path:
    """`$CITELIB_LIBRARY`, else the platform's data folder (e.g. ~/.local/share/citelib)."""
    chosen = os.environ.get(LIBRARY_ENV)
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """`resources/` of a source checkout, or its copy inside an installed package."""
    packaged = Path(__file__).with_name("resources")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "resources"
