"""Crashes and concurrency: a killed import leaves all or nothing; two writers both succeed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from citelib.formats import csljson
from citelib.model import Creator, Item
from tests.conftest import cli_command, run_cli

pytestmark = pytest.mark.slow


def synthetic_items(n: int, prefix: str) -> list[Item]:
    """Synthetic records (made-up titles and names), enough text to make an import take time."""
    words = ["natural", "killer", "cells", "tumour", "persistence", "cytotoxicity"]
    words += ["engineered", "receptor"]
    return [
        Item(
            "journalArticle",
            {
                "title": f"{prefix} synthetic record {i}: " + " ".join(words[i % 5 :]),
                "abstract": " ".join(words * 12),
                "date": str(1990 + i % 35),
                "publicationTitle": "Synthetic Journal of Testing",
                "citationKey": f"{prefix}{i}",
            },
            [Creator(f"Family{i % 97}", "Given"), Creator(f"Other{i % 13}", "Name")],
            [f"tag{i % 7}", "synthetic"],
        )
        for i in range(n)
    ]


def library_state(db: Path) -> tuple[str, int]:
    con = sqlite3.connect(db)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        count = con.execute("SELECT count(*) FROM items").fetchone()[0]
        fts = con.execute("SELECT count(*) FROM items_fts").fetchone()[0]
        assert fts == count
        return integrity, count
    finally:
        con.close()


def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    n = 20_000
    src = tmp_path / "big.json"
    src.write_text(csljson.dumps(synthetic_items(n, "k")), encoding="utf-8")
    # How long a whole import takes here, so the kills land at known fractions of it.
    start = time.monotonic()
    run_cli("import", str(src), library=tmp_path / "timing", check=True, timeout=300)
    duration = time.monotonic() - start
    killed_while_writing = 0
    for fraction in (0.5, 0.65, 0.75, 0.85, 0.92):
        lib = tmp_path / f"lib{fraction}"
        proc = subprocess.Popen(
            [*cli_command(), "--library", str(lib), "import", str(src)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        wal = lib / "library.sqlite-wal"
        writing = wal.exists() and wal.stat().st_size > 0
        os.kill(proc.pid, signal.SIGKILL)
        returncode = proc.wait()
        if not (lib / "library.sqlite").exists():
            continue
        integrity, count = library_state(lib / "library.sqlite")
        assert integrity == "ok"
        if returncode == 0:  # finished just before the kill: then it must all be there
            assert count == n
            continue
        assert returncode == -signal.SIGKILL
        assert count in (0, n)
        killed_while_writing += writing
        # and the library is usable afterwards
        run_cli("check", library=lib, check=True)
    assert killed_while_writing >= 1, "no kill landed while the import was writing"


def test_two_processes_writing_the_same_library_both_succeed(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    run_cli("list", library=lib, check=True)  # create it first
    files = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.json"
        path.write_text(csljson.dumps(synthetic_items(3000, name)), encoding="utf-8")
        files.append(path)
    procs = [
        subprocess.Popen(
            [*cli_command(), "--library", str(lib), "import", str(f), "--tag", f.stem],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    reader = run_cli("list", "--limit", "5", library=lib)
    assert reader.returncode == 0, reader.stderr
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.strip().startswith("Imported 3000 items")
    integrity, count = library_state(lib / "library.sqlite")
    assert (integrity, count) == ("ok", 9000)
    for name in ("a", "b", "c"):
        listed = run_cli("list", "--tag", name, library=lib, check=True).stdout
        assert len(listed.splitlines()) == 3000
