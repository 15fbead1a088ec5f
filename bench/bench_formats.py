"""Import and export of N records in each file format, against the raw pipeline, same run.

For each import format the floor is what the issue names: the plain parse of the file by a
well-known parser with nothing on top (rispy `load` for RIS; bibtexparser `parse_file` with no
middleware for BibTeX; for EndNote tagged, which no Python library parses, a bare split of the
`%X value` lines into one dict per record) followed by the raw sqlite3 `executemany` insert of
the same rows with FTS5 (bench_import.raw_write; the rows are made by citelib's code, untimed).
`citelib import` is timed as a whole process: start-up, decoding, parsing, LaTeX decoding,
normalising, the duplicate check, writing.

Export: the corpus is imported once, then `citelib export --format F -o FILE` is timed as a whole
process for every format citelib writes.

    python bench/bench_formats.py 100000
    python bench/bench_formats.py 100000 --only ris,enw
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench_import import raw_rows, raw_write
from common import citelib_cmd, corpus, run_measured, timed

from citelib.formats import FORMATS, read_file

TARGETS = {"ris": 1.5, "enw": 1.5, "bibtex": 2.0}
EXTENSIONS = {"ris": "ris", "enw": "enw", "bibtex": "bib"}


def _plain_ris(path: Path) -> object:
    import rispy

    with path.open(encoding="utf-8-sig") as fh:
        return rispy.load(fh)


def _plain_bibtex(path: Path) -> object:
    from bibtexparser.entrypoint import parse_file

    return parse_file(str(path))


def _plain_enw(path: Path) -> object:
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if line.startswith("%") and len(line) > 2:
                current.setdefault(line[:2], []).append(line[3:].rstrip("\n"))
            elif not line.strip() and current:
                records.append(current)
                current = {}
    if current:
        records.append(current)
    return records


PLAIN: dict[str, Callable[[Path], object]] = {
    "ris": _plain_ris,
    "enw": _plain_enw,
    "bibtex": _plain_bibtex,
}


def bench_import(name: str, n: int, runs: int, work: Path) -> list[str]:
    source = corpus(n, EXTENSIONS[name])
    items = read_file(source, name).items
    rows = raw_rows(items)
    del items
    raws, walls, rsss = [], [], []
    for run in range(runs):
        parse = timed(lambda: PLAIN[name](source))
        insert = raw_write(work / f"raw-{name}-{run}", rows)
        shutil.rmtree(work / f"raw-{name}-{run}")
        raws.append(parse + insert)
        target = work / f"lib-{name}-{run}"
        wall, rss = run_measured(
            [*citelib_cmd(), "--library", str(target), "import", "--format", name, str(source)]
        )
        shutil.rmtree(target)
        walls.append(wall)
        rsss.append(rss)
        print(f"  {name} run {run + 1}: raw {parse:.1f}+{insert:.1f} s, citelib {wall:.1f} s")
    raw, wall = statistics.median(raws), statistics.median(walls)
    return [
        f"| import {name} | {raw:.1f} s | {wall:.1f} s | **{wall / raw:.2f}x** "
        f"| <= {TARGETS[name]}x | {max(rsss):,.0f} MiB |"
    ]


def bench_export(n: int, runs: int, work: Path) -> list[str]:
    library = work / "export-lib"
    run_measured([*citelib_cmd(), "--library", str(library), "import", str(corpus(n, "json"))])
    lines = []
    for name, fmt in FORMATS.items():
        if fmt.write is None:
            continue
        out = work / f"out{fmt.extensions[0]}"
        command = [*citelib_cmd(), "--library", str(library), "export", "--format", name]
        measured = [run_measured([*command, "-o", str(out)]) for _ in range(runs)]
        wall = statistics.median(w for w, _ in measured)
        rss = max(r for _, r in measured)
        size = out.stat().st_size / 2**20
        lines.append(
            f"| export {name} | {wall:.1f} s | < 10 s | {rss:,.0f} MiB | {size:,.0f} MiB |"
        )
        print(f"  export {name}: {wall:.1f} s, {rss:.0f} MiB")
        out.unlink()
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--runs", type=int, default=3, help="runs of each pipeline (median)")
    ap.add_argument("--only", default="", help="comma-separated import formats, or 'export'")
    args = ap.parse_args()
    only = [x for x in args.only.split(",") if x]
    work = Path(tempfile.mkdtemp(prefix="citelib-bench-"))
    try:
        imports: list[str] = []
        for name in TARGETS:
            if not only or name in only:
                imports += bench_import(name, args.n, args.runs, work)
        exports = bench_export(args.n, args.runs, work) if not only or "export" in only else []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.n} records, median of {args.runs} runs\n")
    if imports:
        print("| what | plain parse + raw insert | citelib import | ratio | target | peak RSS |")
        print("|---|---|---|---|---|---|")
        print("\n".join(imports))
    if exports:
        print("\n| what | whole process | target | peak RSS | file |")
        print("|---|---|---|---|---|")
        print("\n".join(exports))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
