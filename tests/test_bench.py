"""`make bench` prints one table: a benchmark module that returns something else breaks the whole run."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_the_classifier_bench_prints_its_rows_in_the_one_table():
    done = subprocess.run([sys.executable, "-m", "bench", "classify", "--markdown"], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr   # 1: a target missed; a crash is anything else
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert "| what users wait for | measured | anchor (same run) | ratio | target |  |" in lines
    rows = [line for line in lines if line.startswith("| reply classifier, 40 KB message")]
    # Whether the target was met is the benchmark's verdict, not the test's (no timing asserted here).
    assert len(rows) == 4 and all("| < 50 ms |" in row for row in rows)
