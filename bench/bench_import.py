"""Import of N CSL-JSON records: `citelib import` against a raw sqlite3 pipeline, same run.

The raw pipeline is the floor: the same normalised rows (made by citelib's own code, untimed)
written with plain sqlite3 `executemany` into the same schema, plus the FTS5 rows, one commit.
`citelib import` is timed as a whole process: start-up, reading, normalising, writing.

    python bench/bench_import.py 100000
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

from common import citelib_cmd, corpus, run_measured, timed

from citelib.formats import csljson
from citelib.library import Library
from citelib.library import rows as rowmap
from citelib.model import Item, new_key

Rows = tuple[
    list[tuple[object, ...]], list[tuple[object, ...]], dict[str, int], list[tuple[int, int]],
    list[tuple[object, ...]],
]  # fmt: skip


def raw_rows(items: list[Item]) -> Rows:
    """The rows citelib writes for `items`: items, creators, tag ids, tag links, FTS."""
    now = "2026-01-01T00:00:00.000000Z"
    item_rows: list[tuple[object, ...]] = []
    creator_rows: list[tuple[object, ...]] = []
    fts_rows: list[tuple[object, ...]] = []
    tag_rows: list[tuple[int, int]] = []
    names = sorted({t for it in items for t in it.tags})
    tag_ids = {n: i + 1 for i, n in enumerate(names)}
    for n, item in enumerate(items, start=1):
        item_rows.append(rowmap.item_tuple(item, n, new_key(), now))
        creator_rows.extend(rowmap.creator_tuples(n, item.creators))
        tag_rows.extend((n, tag_ids[t]) for t in dict.fromkeys(item.tags))
        fts_rows.append(rowmap.fts_tuple(n, item))
    return item_rows, creator_rows, tag_ids, tag_rows, fts_rows


def raw_write(folder: Path, rows: Rows) -> float:
    """Seconds to write prepared rows with raw sqlite3 into a new library of the same schema."""
    Library.open(folder).close()  # same schema, empty
    item_rows, creator_rows, tag_ids, tag_rows, fts_rows = rows
    con = sqlite3.connect(folder / "library.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("PRAGMA cache_size = -65536")

    def write() -> None:
        con.execute("BEGIN IMMEDIATE")
        cols = rowmap.ITEM_COLUMNS
        con.executemany(
            f"INSERT INTO items ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            item_rows,
        )
        con.executemany(
            "INSERT INTO creators (item_id, position, role, family, given, literal) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            creator_rows,
        )
        con.executemany(
            "INSERT INTO tags (id, name) VALUES (?, ?)", [(i, n) for n, i in tag_ids.items()]
        )
        con.executemany("INSERT INTO item_tags (item_id, tag_id) VALUES (?, ?)", tag_rows)
        con.executemany(
            "INSERT INTO items_fts (rowid, title, creators, publication, abstract, tags, notes, "
            "other) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            fts_rows,
        )
        con.execute("COMMIT")

    seconds = timed(write)
    con.close()
    return seconds


def raw_pipeline(json_path: Path, folder: Path) -> float:
    """Seconds to write the normalised rows with raw sqlite3 (rows prepared untimed)."""
    items = csljson.read(json_path.read_text(encoding="utf-8"), str(json_path)).items
    rows = raw_rows(items)
    del items
    return raw_write(folder, rows)


def _runs(values: list[float]) -> str:
    return " ".join(f"{v:.1f}" for v in values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--keep", type=Path, help="leave the imported library in this folder")
    ap.add_argument("--runs", type=int, default=3, help="runs of each pipeline (median)")
    args = ap.parse_args()
    source = corpus(args.n)
    work = Path(tempfile.mkdtemp(prefix="citelib-bench-"))
    raws, walls, rsss = [], [], []
    try:
        for run in range(args.runs):
            raws.append(raw_pipeline(source, work / f"raw{run}"))
            shutil.rmtree(work / f"raw{run}")
            target = args.keep if (args.keep and run == args.runs - 1) else work / f"lib{run}"
            if target.exists():
                shutil.rmtree(target)
            wall, rss = run_measured(
                [*citelib_cmd(), "--library", str(target), "import", str(source)]
            )
            walls.append(wall)
            rsss.append(rss)
            size = (target / "library.sqlite").stat().st_size / 2**20
            if target != args.keep:
                shutil.rmtree(target)
        raw, wall = statistics.median(raws), statistics.median(walls)
        print(f"records                     {args.n} (median of {args.runs} runs each)")
        print(f"raw sqlite3 executemany+FTS {raw:8.2f} s   runs: {_runs(raws)}")
        print(f"citelib import (process)    {wall:8.2f} s   runs: {_runs(walls)}")
        print(f"ratio                       {wall / raw:8.2f} x  (target <= 1.5)")
        print(f"peak RSS of the import      {max(rsss):8.0f} MiB")
        print(f"library size                {size:8.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
