"""CLI start-up: `nhacviec --help` and `nhacviec deadline …` against `python -c pass` (target < 0.5 s above it)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 7
TARGET = 0.5


def best_of(command: list[str]) -> float:
    """Fastest of REPEATS runs, in seconds (the least disturbed by other work on the machine)."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> list[Row]:
    """One row per command, each against bare Python measured just before."""
    rows = []
    for args in (["--help"], ["deadline", "--year", "2026", "Quý I/2026"], ["classify-reply", "xong ạ"]):
        bare = best_of([sys.executable, "-c", "pass"])
        seconds = best_of([sys.executable, "-m", "cli.main", *args])
        extra = seconds - bare
        rows.append(Row(f"CLI start-up: nhacviec {' '.join(args[:1])}", f"{seconds:.2f} s",
                        f"python -c pass {bare:.2f} s", f"+{extra:.2f} s", f"< +{TARGET} s", extra < TARGET))
    return rows
