"""The desktop app on a library of N items (offscreen Qt): start-up, search, sort, scroll, memory.

- start: `citelib --library L` as a new process, timed from launch until the item table has
  painted its first rows (the app prints a line then and quits; CITELIB_EXIT_AFTER_PAINT).
- search: the quick-search text is set and the search runs (what the debounce timer does once
  typing stops); timed until the table's rows are painted again (a synchronous repaint).
- sort: a click on each sortable column's header, both orders, until the rows are repainted.
- scroll: the table scrolled from top to bottom a page at a time, each step repainted; the
  slowest step is the stall a user would feel.
- memory: peak RSS of the process with the window open after all of the above.

    python bench/bench_gui.py 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CACHE, citelib_cmd, corpus, peak_rss_mib, run_measured

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUERIES = ["car", "nk cells", "tumor microenvironment", "author:smith", "year:2019", "zzzzq"]


def library(n: int) -> Path:
    """A library of the n-record corpus, imported once and kept in bench/.cache."""
    folder = CACHE / f"library_{n}"
    if not (folder / "library.sqlite").exists():
        print(f"importing the {n:,}-record corpus into {folder} (once)")
        run_measured([*citelib_cmd(), "--library", str(folder), "import", str(corpus(n))])
    return folder


def start_up(folder: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as config:
            env = {
                **os.environ,
                "QT_QPA_PLATFORM": "offscreen",
                "CITELIB_EXIT_AFTER_PAINT": "1",
                "XDG_CONFIG_HOME": config,  # a fresh QSettings: no remembered layout
                "PYTHONUNBUFFERED": "1",
            }
            started = time.perf_counter()
            proc = subprocess.Popen(
                [*citelib_cmd(), "--library", str(folder)],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()
            painted = time.perf_counter() - started
            proc.wait(timeout=60)
            if "first rows painted" not in line:
                sys.exit(f"bench: the app did not report its first paint: {line!r}")
            times.append(painted)
    return times


def in_process(folder: Path) -> dict[str, object]:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from citelib.gui.app import make_application
    from citelib.gui.mainwindow import MainWindow
    from citelib.library import Library

    app = make_application()
    lib = Library.open(folder, create=False)
    settings_file = Path(tempfile.mkdtemp()) / "bench.ini"
    window = MainWindow(lib, settings=QSettings(str(settings_file), QSettings.Format.IniFormat))
    window.show()
    table = window.table
    model = table.reference_model
    for _ in range(50):
        app.processEvents()

    def on_screen() -> None:
        app.processEvents()
        table.viewport().repaint()

    results: dict[str, object] = {}
    searches = {}
    for query in QUERIES:
        samples = []
        for _ in range(5):
            window.search.setText("")
            window.apply_view()
            on_screen()
            window.search.setText(query)
            start = time.perf_counter()
            window.apply_view()
            on_screen()
            samples.append((time.perf_counter() - start) * 1000)
        searches[query] = (statistics.median(samples), max(samples), model.total())
    results["search"] = searches
    window.search.setText("")
    window.apply_view()
    on_screen()

    sorts = {}
    header = table.horizontalHeader()
    for column in range(model.columnCount()):
        name = model.headerData(column, Qt.Orientation.Horizontal) or f"column {column}"
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                table.sortByColumn(column, order)
                on_screen()
                samples.append((time.perf_counter() - start) * 1000)
            label = "asc" if order == Qt.SortOrder.AscendingOrder else "desc"
            sorts[f"{name} {label}"] = statistics.median(samples)
        if not header.isSortIndicatorShown():
            break
    results["sort"] = sorts

    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    on_screen()
    bar = table.verticalScrollBar()
    steps = []
    value = 0
    while value <= bar.maximum():
        start = time.perf_counter()
        bar.setValue(value)
        on_screen()
        steps.append((time.perf_counter() - start) * 1000)
        value += max(1, bar.pageStep())
    results["scroll"] = (len(steps), statistics.median(steps), max(steps))
    results["rss"] = peak_rss_mib()
    window.close()
    window.close_library()
    QApplication.processEvents()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--runs", type=int, default=5, help="start-up runs (median)")
    args = ap.parse_args()
    folder = library(args.n)
    starts = start_up(folder, args.runs)
    print(
        f"start to first painted rows: median {statistics.median(starts):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in starts)})"
    )
    results = in_process(folder)
    print("\n| query | hits | on screen, median | slowest of 5 |\n|---|---|---|---|")
    searches = results["search"]
    assert isinstance(searches, dict)
    for query, (median, worst, hits) in searches.items():
        print(f"| `{query}` | {hits:,} | {median:.0f} ms | {worst:.0f} ms |")
    print("\n| sort | on screen (median of 3) |\n|---|---|")
    sorts = results["sort"]
    assert isinstance(sorts, dict)
    for name, ms in sorts.items():
        print(f"| {name} | {ms:.0f} ms |")
    scroll = results["scroll"]
    assert isinstance(scroll, tuple)
    print(f"\nscroll: {scroll[0]:,} pages, median {scroll[1]:.1f} ms, slowest {scroll[2]:.1f} ms")
    print(f"peak RSS with the window open: {results['rss']:.0f} MiB")


if __name__ == "__main__":
    main()
