"""Quick search, sorted pages and tag counts on a library of N corpus records.

    python bench/bench_search.py 100000            # imports the corpus first (cached library)
    python bench/bench_search.py --library DIR     # an existing library

Each figure is a median in milliseconds, through the Library service as the GUI will call it:
a search is the first sorted page of 200 rows plus the total count.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
from functools import partial
from pathlib import Path

from common import CACHE, citelib_cmd, corpus, median_ms, timed

from citelib.library import Library, Scope

QUERIES = [
    "car",
    "nk",
    "nk cells",
    "gastric",
    "tumor",
    "persistence",
    "leukemia",
    "glioblastoma",
    "ca",
    "im",
    "natural killer",
    '"natural killer cells"',
    '"tumor microenvironment"',
    "author:smith",
    "author:müller",
    "author:muller",
    "author:nguyen",
    "author:van",
    "title:phase",
    "title:crispr",
    "publication:blood",
    "publication:nature",
    "tag:CAR-NK",
    "tag:iCasp9",
    'tag:"adoptive cell transfer"',
    "tag:ADCC",
    "year:2020",
    "year:2010..2015",
    "year:..1990",
    "year:2024..",
    "car year:2020..2025",
    "nk tag:CAR-NK",
    "author:wang tumor",
    "leukemia -lymphoma",
    "cd19 car",
    "il-15",
    "pd-1",
    "tgf",
    "nkg2d",
    "mesothelin",
    "ipsc",
    "type:book",
    "type:bookSection",
    "type:conferencePaper tumor",
    "cytokine release syndrome",
    "xenograft mouse",
    "single-cell profiling",
    "doi:10.1047/nat.2025.00000",
    "trial phase",
    "off-the-shelf",
]


def library_for(n: int) -> Path:
    folder = CACHE / f"library_{n}"
    if not (folder / "library.sqlite").exists():
        subprocess.run(
            [*citelib_cmd(), "--library", str(folder), "import", str(corpus(n))], check=True
        )
    return folder


def query_ms(lib: Library, query: str) -> float:
    return median_ms(partial(lib.search, query, limit=200), 5)


def page_ms(lib: Library, sort: str, desc: bool, offset: int) -> float:
    return median_ms(
        partial(lib.search, "", Scope(), sort=sort, descending=desc, offset=offset, limit=200), 3
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--library", type=Path)
    args = ap.parse_args()
    folder = args.library or library_for(args.n)
    lib = Library.open(folder, create=False)
    total = lib.count()
    print(f"library: {folder} ({total} items)")

    for q in QUERIES[:3]:  # warm the page cache as a running app would be
        lib.search(q)
    per_query = []
    for q in QUERIES:
        ms = query_ms(lib, q)
        per_query.append((ms, q, lib.count(q)))
    times = [t for t, _, _ in per_query]
    print(
        f"quick search, {len(QUERIES)} queries: median {statistics.median(times):.1f} ms, "
        f"max {max(times):.1f} ms  (target median < 30)"
    )
    for ms, q, hits in sorted(per_query, reverse=True)[:5]:
        print(f"   slowest: {ms:7.1f} ms  {hits:>6} hits  {q}")

    print("sorted page of 200 (median of 9 offsets x 3 runs):")
    for sort in ("title", "creator", "year", "date_added", "publication"):
        for desc in (False, True):
            offsets = [0, total // 8, total // 4, total // 2, total - 200, 200, 400, 1000, 5000]
            samples = [page_ms(lib, sort, desc, max(o, 0)) for o in offsets]
            print(
                f"   {sort:<12} {'desc' if desc else 'asc ':<4} median "
                f"{statistics.median(samples):6.1f} ms  max {max(samples):6.1f} ms  "
                "(target < 50)"
            )
    print(
        f"all ids in title order (what a lazy table holds): "
        f"{median_ms(lambda: lib.item_ids(''), 5):.1f} ms"
    )
    print(f"tag counts: median {median_ms(lib.tags, 9):.1f} ms  (target < 50)")
    # What the tag pane reads (in its worker) after each search: the tags of the items shown.
    scoped = sorted(
        ((median_ms(partial(lib.tags, Scope(), q), 3), q, hits) for _, q, hits in per_query),
        reverse=True,
    )
    print(
        f"tag counts of a search's items, {len(scoped)} queries: median "
        f"{statistics.median(t for t, _, _ in scoped):.1f} ms, max {scoped[0][0]:.1f} ms"
    )
    for ms, q, hits in scoped[:5]:
        print(f"   slowest: {ms:7.1f} ms  {hits:>6} hits  {q}")
    print(
        f"open library: {timed(lambda: Library.open(folder, create=False).close()) * 1000:.1f} ms"
    )
    lib.close()


if __name__ == "__main__":
    main()
