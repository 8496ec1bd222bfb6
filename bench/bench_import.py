"""How fast a 1,000-row appendix is read from XLSX and DOCX (target: under 2 s on one core)."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from plans.appendix import find_appendix
from plans.readers import read_document
from tests.fixtures.builders import build_docx, build_xlsx, generate_rows

ROWS = 1_000
TARGET_SECONDS = 2.0
REPEATS = 3


def best_time(path: Path) -> tuple[float, int]:
    """Best of three: seconds for read_document + find_appendix, and the tasks found."""
    best, found = float("inf"), 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        found = len(find_appendix(read_document(path)).rows)
        best = min(best, time.perf_counter() - start)
    return best, found


def main() -> bool:
    """Build the files, time them, print the result; True if every form meets the target."""
    rows = generate_rows(ROWS)
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        for build, name in ((build_xlsx, "plan.xlsx"), (build_docx, "plan.docx")):
            seconds, found = best_time(build(Path(tmp) / name, rows))
            ok = seconds < TARGET_SECONDS and found == ROWS
            met = met and ok
            print(f"{name}: {found} rows in {seconds:.3f} s = {found / seconds:,.0f} rows/s; "
                  f"target {ROWS} rows < {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return met
