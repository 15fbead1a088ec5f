"""The desktop app on a library of N items (offscreen Qt): start-up, search, sort, scroll, memory.

- start: `citelib --library L` as a new process, timed from launch until the item table has
  painted its first rows (the app prints a line then and quits; CITELIB_EXIT_AFTER_PAINT).
- search: the quick-search text is set and the search runs (what the debounce timer does once
  typing stops); timed until the table's rows are painted again: the paint Qt queued, or a
  synchronous repaint when it queued none (one paint per step, as on screen).
- sort: a click on each sortable column's header, both orders, until the rows are repainted.
- scroll: the table scrolled from top to bottom a page at a time, each step painted once; the
  slowest step is the stall a user would feel.
- memory: peak RSS of the process with the window open after all of the above.
- indexing (`--indexing N`, on its own): the window open on a library of N items with N
  generated PDFs attached (bench_fulltext's, 10 pages each), the quick search in "All Fields &
  Full Text"; the window's own indexer reads them in its worker thread while a 10 ms timer in
  the event loop notes how late each tick comes (the longest is the longest freeze a user
  could feel). Twice: with the window left alone, then (after a rebuild) with a search typed
  every 450 ms and the table scrolled a page twice in between (an action every 150 ms).

    python bench/bench_gui.py 100000
    python bench/bench_gui.py --indexing 1000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import CACHE, citelib_cmd, corpus, peak_rss_mib, run_measured

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUERIES = [
    "car",
    "nk cells",
    "tumor microenvironment",
    "author:smith",
    "year:2019",
    "zzzzq",
    "car year:2020..2025",
    "nk tag:CAR-NK",
    "leukemia -lymphoma",
    "single-cell profiling",
]


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
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from citelib.gui.app import make_application
    from citelib.gui.itemtable import COLUMNS
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

    class PaintCounter(QObject):
        """Counts the paint events the table's viewport receives."""

        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    painted = PaintCounter()
    table.viewport().installEventFilter(painted)

    def on_screen() -> None:
        """Until the rows are on screen: the paint Qt has queued, or one made now if it
        queued none (the first paint after an action is what the user sees; a second one
        would count the paint twice)."""
        before = painted.count
        app.processEvents()
        if painted.count == before:
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
    for column, spec in enumerate(COLUMNS):
        if not spec.sortable:  # the attachments column: a click leaves the order as it was
            continue
        name = spec.name
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


def indexing(n: int, pages: int) -> None:
    """The event loop's lateness while the window's indexer reads n PDFs (see the docstring)."""
    from bench_fulltext import attach_rows, new_library, pdfs
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from citelib.gui.app import make_application
    from citelib.gui.mainwindow import FULLTEXT_MODE, MainWindow

    files = pdfs(n, pages)
    app = make_application()
    lib, item_ids = new_library(n)
    attach_rows(lib, files, item_ids)
    settings_file = Path(tempfile.mkdtemp()) / "bench.ini"
    window = MainWindow(lib, settings=QSettings(str(settings_file), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    window.set_search_mode(FULLTEXT_MODE)
    window.search.setText("car")
    window.apply_view()
    indexer, table = window.indexer, window.table
    queries = ["car", "tumor microenvironment", "exhaustion", "nkg2d relapse", "cd19"]

    def run(busy: bool, start: Callable[[], None]) -> None:
        late: list[float] = []
        acted: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            late.append(max(0.0, (now - last[0] - 0.010) * 1000))
            last[0] = now

        def type_search() -> None:
            t = time.perf_counter()
            window.search.setText(queries[len(acted) % len(queries)])
            window.apply_view()
            table.viewport().repaint()
            acted.append((time.perf_counter() - t) * 1000)

        scrolled: list[float] = []
        steps = [0]

        def act() -> None:  # one user action at a time: a search typed, then two scrolls
            steps[0] += 1
            if steps[0] % 3 == 1:
                type_search()
                return
            t = time.perf_counter()
            bar = table.verticalScrollBar()
            bar.setValue((bar.value() + bar.pageStep()) % max(bar.maximum(), 1))
            table.viewport().repaint()
            scrolled.append((time.perf_counter() - t) * 1000)

        ticker, user = QTimer(), QTimer()
        ticker.setInterval(10)
        ticker.timeout.connect(tick)
        user.setInterval(150)
        user.timeout.connect(act)
        loop = QEventLoop()
        indexer.finished.connect(loop.quit)
        started = time.perf_counter()
        ticker.start()
        if busy:
            user.start()
        start()
        loop.exec()
        seconds = time.perf_counter() - started
        ticker.stop()
        user.stop()
        indexer.finished.disconnect(loop.quit)
        done = indexer.last_run
        assert done is not None
        worst = max(range(len(late)), key=late.__getitem__)
        at = sum(late[:worst]) / 1000 + worst * 0.010  # roughly when, from the start
        late.sort()
        what = "searching and scrolling" if busy else "left alone"
        print(
            f"   window {what}: {done.indexed:,} PDFs ({done.pages:,} pages) in {seconds:.1f} s "
            f"({done.indexed / seconds:.1f} PDFs/s); event loop late by median "
            f"{statistics.median(late):.1f} ms, p99 {late[int(len(late) * 0.99)]:.1f} ms, "
            f"max {late[-1]:.1f} ms at {at:.1f} s ({len(late):,} ticks)"
        )
        for name, times in (("a search typed", acted), ("a page scrolled", scrolled)):
            if times:
                print(
                    f"   {name} ({len(times)}): on screen in median "
                    f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms"
                )

    settled = time.perf_counter() + 0.5  # the first paint (the indexer's own start is later)
    while time.perf_counter() < settled:
        app.processEvents()
        time.sleep(0.005)
    print(f"indexing {n:,} PDFs of {pages} pages with the window open ({lib.folder}):")
    run(False, indexer.start)
    run(True, indexer.rebuild)
    alone = []
    for query in queries * 4:  # the same searches with no indexing going on
        t = time.perf_counter()
        window.search.setText(query)
        window.apply_view()
        table.viewport().repaint()
        alone.append((time.perf_counter() - t) * 1000)
    print(
        f"   the same searches on the finished index, nothing running: median "
        f"{statistics.median(alone):.0f} ms, max {max(alone):.0f} ms"
    )
    print(f"   peak RSS: {peak_rss_mib():.0f} MiB")
    window.close()
    window.close_library()
    app.processEvents()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--runs", type=int, default=5, help="start-up runs (median)")
    ap.add_argument(
        "--indexing", type=int, metavar="N", help="only measure indexing N PDFs (see above)"
    )
    ap.add_argument("--pages", type=int, default=10, help="pages per PDF for --indexing")
    args = ap.parse_args()
    if args.indexing:
        indexing(args.indexing, args.pages)
        return
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
