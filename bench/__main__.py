"""Run every bench_*.py module's main(); exit non-zero if any reports a missed target."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def run_all() -> int:
    """Import and run each benchmark in name order; 1 if any main() returned False."""
    failed = False
    package = Path(__file__).resolve().parent
    for module in sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_")):
        print(f"== {module}")
        result = importlib.import_module(f"bench.{module}").main()
        failed = failed or result is False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_all())
