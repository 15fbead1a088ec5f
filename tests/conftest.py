"""Shared fixtures. Qt runs offscreen: without a platform plugin Qt aborts the process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI runs the property tests on a fixed sequence of examples, so a landing never depends on
# luck; on developer machines they explore new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

from citelib.library import Library  # noqa: E402
from citelib.model import Creator, Item  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    """A fresh library in a real folder with a real SQLite file."""
    library = Library.open(tmp_path / "library")
    yield library
    library.close()


def sample_items() -> list[Item]:
    """A few realistic references across types, with non-ASCII names and an institution."""
    return [
        Item(
            "journalArticle",
            {
                "title": "Current development and challenges of NK cell-based immunotherapy "
                "for gastrointestinal cancers",
                "publicationTitle": "International Journal of Clinical Oncology",
                "journalAbbreviation": "Int J Clin Oncol",
                "date": "2026-01-12",
                "DOI": "10.1007/s10147-025-02954-4",
                "PMID": "41524997",
            },
            [
                Creator("Morodomi", "Yosuke"),
                Creator("Yonemitsu", "Yoshikazu"),
                Creator("Zheng", "Situo"),
            ],
            ["CAR-NK cells", "Adoptive cell transfer"],
        ),
        Item(
            "journalArticle",
            {
                "title": "Adoptive cell transfer as personalized immunotherapy for human cancer",
                "publicationTitle": "Science",
                "date": "2015",
                "volume": "348",
                "issue": "6230",
                "pages": "62-68",
                "DOI": "10.1126/science.aaa4967",
            },
            [Creator("Rosenberg", "Steven A."), Creator("Restifo", "Nicholas P.")],
            ["Adoptive cell transfer"],
        ),
        Item(
            "book",
            {"title": "Janeway's Immunobiology", "date": "2016", "publisher": "Garland Science"},
            [Creator("Murphy", "Kenneth"), Creator("Weaver", "Casey")],
            ["Textbook"],
        ),
        Item(
            "report",
            {"title": "Global cancer statistics für Ärzte", "date": "2020-05"},
            [
                Creator(literal="World Health Organization"),
                Creator("Müller", "Jürgen", role="editor"),
            ],
        ),
    ]


Dump = dict[str, list[tuple[Any, ...]]]


def dump_library(lib: Library, *, bookkeeping: bool = True) -> Dump:
    """Every row of every table and of the search index, in a stable order.

    With `bookkeeping=False`, `sqlite_sequence`, the planner's statistics (`sqlite_stat*`) and
    the library's change counter are left out: an undone insert leaves the id counter where it
    was (ids are never handed out twice), statistics describe the data rather than hold any,
    and an undo is itself a change.
    """
    skip = (
        "" if bookkeeping else (" AND name != 'sqlite_sequence' AND name NOT LIKE 'sqlite_stat%'")
    )
    out: Dump = {}
    with lib.db.read() as conn:
        names = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                f"AND name NOT LIKE 'items_fts%'{skip} ORDER BY name"
            )
        ]
        for name in names:
            width = len(conn.exec_driver_sql(f"SELECT * FROM {name} LIMIT 0").keys())
            order = ", ".join(str(n) for n in range(1, width + 1))
            out[name] = [
                tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY {order}")
            ]
        if not bookkeeping:
            out["library_meta"] = [r for r in out["library_meta"] if r[0] != "change_counter"]
        out["items_fts"] = [
            tuple(r) for r in conn.exec_driver_sql("SELECT rowid, * FROM items_fts ORDER BY rowid")
        ]
    return out


def cli_command() -> list[str]:
    """The installed `citelib` console script next to this Python, else `python -m citelib`."""
    script = Path(sys.executable).parent / "citelib"
    return [str(script)] if script.exists() else [sys.executable, "-m", "citelib"]


def run_cli(
    *args: str,
    library: Path | None = None,
    check: bool = False,
    timeout: float = 120,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    cmd = cli_command()
    if library is not None:
        cmd += ["--library", str(library)]
    env = dict(os.environ)
    env.pop("CITELIB_LIBRARY", None)
    proc = subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        input=input_text,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"citelib {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A QMimeData left on the clipboard segfaults the process at exit.
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.clipboard().clear()
