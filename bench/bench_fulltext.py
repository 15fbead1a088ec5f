"""Full-text indexing of N generated PDFs (default 1,000 of 10 pages) while the app stays usable.

The PDFs are made once with reportlab (in worker processes) into bench/.cache/fulltext_pdfs_N:
ten pages of about 350 words each, from a vocabulary that shares its topic words with the
corpus. A new library gets one item per PDF and the PDF as a linked attachment, its row written
directly (as `attaching.attach_file` writes it, without the copy), then `index_pending` runs in
a worker thread, as the desktop app runs it, while the main thread plays the GUI:

- every 10 ms it wakes up and notes how late it woke (a stall there is a frozen window: the
  worker holding the GIL or the database);
- every 100 ms it runs a quick search ("All fields & full text", first page of 200 rows) and
  `fulltext_hits` for the 50 rows on screen.

Reported: PDFs/s and pages/s, the wake-up lateness and search times during indexing, search
times on the finished index, and peak RSS (this process; the PDF makers are other processes).

    python bench/bench_fulltext.py                 # 1,000 PDFs
    python bench/bench_fulltext.py 200 --pages 10
    python bench/bench_fulltext.py --library DIR   # attach the PDFs to the first N items of an
                                                   # existing library (modified: give a copy)
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from common import CACHE, median_ms, peak_rss_mib

from citelib.library import Library
from citelib.model import Creator, Item
from citelib.store import schema
from citelib.store.database import utc_now

TOPIC = [
    "car", "nk", "cells", "tumor", "immunotherapy", "leukemia", "lymphoma", "glioblastoma",
    "persistence", "cytokine", "release", "syndrome", "xenograft", "mouse", "single-cell",
    "profiling", "mesothelin", "ipsc", "cd19", "il-15", "pd-1", "tgf", "nkg2d", "trial", "phase",
    "off-the-shelf", "natural", "killer", "microenvironment", "gastric", "antigen", "receptor",
    "expansion", "exhaustion", "toxicity", "dose", "response", "cohort", "survival", "relapse",
]  # fmt: skip
QUERIES = ["car", "tumor microenvironment", "exhaustion", "nkg2d relapse", "zzzzq", "ca"]


def vocabulary(seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    syllables = ["ka", "ro", "mi", "ten", "lu", "sa", "vor", "ne", "di", "pal", "qu", "ex"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(5000)}
    return sorted(words) + TOPIC * 20


def make_pdf(args: tuple[Path, int, int]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path, seed, pages = args
    rng = random.Random(seed)
    words = vocabulary()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for page in range(pages):
        y = 800.0
        c.setFont("Helvetica-Bold" if page == 0 else "Times-Roman", 16 if page == 0 else 10)
        c.drawString(56, y, f"Document {seed} page {page + 1}")
        c.setFont("Times-Roman", 10)
        for _ in range(50):
            y -= 14
            c.drawString(56, y, " ".join(rng.choice(words) for _ in range(7)))
        c.showPage()
    c.save()


def pdfs(n: int, pages: int) -> list[Path]:
    folder = CACHE / f"fulltext_pdfs_{n}x{pages}"
    paths = [folder / f"doc{i:05d}.pdf" for i in range(n)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"making {len(missing)} PDFs of {pages} pages in {folder} (once)")
        started = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(make_pdf, [(p, paths.index(p), pages) for p in missing], chunksize=20))
        print(f"   made in {time.perf_counter() - started:.1f} s")
    return paths


def attach_rows(lib: Library, files: list[Path], item_ids: list[int]) -> None:
    """Linked-file attachment rows, as the attach API writes them (no copy, no hashing)."""
    a = schema.attachments
    now = utc_now()
    rows = [
        {
            "key": "".join(secrets.choice("23456789ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(8)),
            "item_id": item_id,
            "kind": "linked",
            "title": path.name,
            "path": str(path),
            "content_type": "application/pdf",
            "size": path.stat().st_size,
            "date_added": now,
        }
        for path, item_id in zip(files, item_ids, strict=True)
    ]
    with lib.db.write() as conn:
        conn.execute(a.insert(), rows)
        conn.exec_driver_sql(
            "UPDATE items SET attachment_count = "
            "(SELECT count(*) FROM attachments WHERE item_id = items.id)"
        )


def new_library(n: int) -> tuple[Library, list[int]]:
    folder = CACHE / f"fulltext_library_{n}"
    shutil.rmtree(folder, ignore_errors=True)
    lib = Library.open(folder)
    items = [
        Item("journalArticle", {"title": f"Generated paper {i}"}, [Creator("Author", f"A{i}")])
        for i in range(n)
    ]
    return lib, list(lib.add_items(items).new_ids)


def index_while(lib: Library, search_every: float | None) -> None:
    """Run index_pending in a worker thread; meanwhile the main thread ticks every 10 ms (and
    searches every `search_every` seconds), noting how late each tick is."""
    from citelib.library.fulltext import IndexRun

    result: dict[str, object] = {}

    def work() -> None:
        started = time.perf_counter()
        result["run"] = lib.index_fulltext_pending()
        result["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=work, name="fulltext-indexer")
    late: list[float] = []
    searches: list[float] = []
    worker.start()
    if search_every is None:
        worker.join()
    next_search = time.perf_counter()
    while worker.is_alive():
        asked = time.perf_counter()
        time.sleep(0.010)
        late.append((time.perf_counter() - asked - 0.010) * 1000)
        if search_every is not None and time.perf_counter() >= next_search:
            t = time.perf_counter()
            page = lib.search("car", fulltext=True, limit=200)
            lib.fulltext_hits([r.id for r in page.rows[:50]], "car")
            searches.append((time.perf_counter() - t) * 1000)
            next_search = time.perf_counter() + search_every
    worker.join()
    run = result["run"]
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    assert isinstance(run, IndexRun)
    print(
        f"   indexed {run.indexed:,} PDFs ({run.pages:,} pages) in {seconds:.1f} s: "
        f"{run.indexed / seconds:.1f} PDFs/s, {run.pages / seconds:.0f} pages/s; "
        f"failed {len(run.failed)}"
    )
    if late:
        late.sort()
        print(
            f"   main-thread ticks ({len(late):,}): late by median {statistics.median(late):.2f} "
            f"ms, p99 {late[int(len(late) * 0.99)]:.1f} ms, max {late[-1]:.1f} ms"
        )
    if searches:
        searches.sort()
        print(
            f"   full-text search 'car' + hits for 50 rows ({len(searches)}): median "
            f"{statistics.median(searches):.1f} ms, max {searches[-1]:.1f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--library", type=Path, help="an existing library (a copy: it is modified)")
    args = ap.parse_args()
    files = pdfs(args.n, args.pages)
    if args.library:
        lib = Library.open(args.library, create=False)
        item_ids = lib.item_ids("", sort="date_added", limit=args.n)
    else:
        lib, item_ids = new_library(args.n)
    attach_rows(lib, files, item_ids[: len(files)])
    total_items = lib.count()
    print(f"library: {lib.folder} ({total_items:,} items, {len(files):,} PDFs attached)")

    print(f"pending: {len(lib.fulltext_pending()):,} attachments")
    print("1. indexing alone (the main thread waits):")
    index_while(lib, search_every=None)
    print(f"2. again after reindex_fulltext() ({lib.reindex_fulltext():,} dropped), while the main "
          "thread plays the GUI (10 ms ticks; search + hits every 100 ms):")  # fmt: skip
    index_while(lib, search_every=0.100)
    print("on the finished index (median of 5):")
    for q in QUERIES:
        hits = lib.count(q, fulltext=True)
        plain = median_ms(partial(lib.search, q, limit=200), 5)
        full = median_ms(partial(lib.search, q, limit=200, fulltext=True), 5)
        ids = lib.item_ids(q, fulltext=True, limit=50)
        shown = median_ms(partial(lib.fulltext_hits, ids, q), 5)
        print(
            f"   {q!r:<26} {hits:>6,} hits  fields {plain:6.1f} ms  all fields & full text "
            f"{full:6.1f} ms  fulltext_hits(50 rows) {shown:6.1f} ms"
        )
    started = time.perf_counter()
    again = lib.index_fulltext_pending()
    print(
        f"index_pending again (nothing changed, {again.pending} pending): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    size = sum(p.stat().st_size for p in lib.folder.glob("library.sqlite*"))
    print(f"library file with the index: {size / 2**20:.1f} MiB")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    lib.close()


if __name__ == "__main__":
    main()
