"""Run the benchmarks and print ONE table (`make bench`); exit non-zero if a target is missed.

    python -m bench                 every bench_*.py module, in name order
    python -m bench cli inbound     only bench_cli.py and bench_inbound.py
    python -m bench --markdown      the table in Markdown (docs/BENCHMARKS.md records one run)

Each module's main() returns a list of bench.table.Row; a module's own progress goes to stderr.
"""
from __future__ import annotations

import argparse
import os
import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

from bench.table import Row, render


def run_all(names: list[str], markdown: bool) -> int:
    """Import and run each selected benchmark; 1 if any row missed its target."""
    package = Path(__file__).resolve().parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_"))
    if names:
        modules = [m for m in modules if m.removeprefix("bench_") in names]
    rows: list[Row] = []
    for module in modules:
        print(f"== {module}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rows += importlib.import_module(f"bench.{module}").main()
        print(f"   {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(f"{platform.node()}: {platform.python_version()}, {platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} CPUs, load {os.getloadavg()[0]:.1f}")
    print(render(rows, markdown=markdown))
    return 1 if any(r.met is False for r in rows) else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="cli, import, inbound, reminders (default: all)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    return run_all(args.names, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
