"""Shared pieces of the benchmarks: corpus files, timing, memory of child processes.

Benchmarks are scripts, not tests: they print figures (and a Markdown table for
bench/RESULTS.md); they never pass or fail on time.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
GEN_CORPUS = BENCH.parent.parent / "shared" / "corpus" / "gen_corpus.py"


def corpus(n: int, ext: str = "json") -> Path:
    """The corpus file of n records (made once by ../shared/corpus/gen_corpus.py, then cached)."""
    path = CACHE / f"corpus_{n}.{ext}"
    if not path.exists():
        if not GEN_CORPUS.exists():
            sys.exit(f"bench: {GEN_CORPUS} not found (the shared corpus generator)")
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, str(GEN_CORPUS), str(n), "--outdir", str(CACHE)], check=True
        )
    return path


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    return statistics.median(timed(fn) for _ in range(repeat)) * 1000


def citelib_cmd() -> list[str]:
    script = Path(sys.executable).parent / "citelib"
    return [str(script)] if script.exists() else [sys.executable, "-m", "citelib"]


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS MiB) of that child alone."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:]).returncode\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'{dt} {rss}', file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *cmd],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    last = proc.stderr.strip().splitlines()[-1]
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stderr}")
    wall, rss_kib = last.split()
    return float(wall), int(rss_kib) / 1024


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
