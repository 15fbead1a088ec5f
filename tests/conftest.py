"""Shared fixtures. Qt runs offscreen: without a platform plugin Qt aborts the process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from citelib.library import Library
from citelib.model import Creator, Item

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
