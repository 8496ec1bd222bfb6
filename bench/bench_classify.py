"""How fast the reply classifier reads a 40 KB message (target: under 50 ms; issue 10: it was 20 s)."""
from __future__ import annotations

import time
from datetime import date

from bench.table import Row
from replies.classifier import classify

TARGET_SECONDS = 0.05
TEXTS = {"dates": "xong ngày 20/3 " * 2700, "words": "mai " * 10_000, "done": "đã xong " * 5000,
         "one word": "a" * 40_000}


def main() -> list[Row]:
    """Time the classifier on each 40 KB message (a hostile or pasted reply) against the fixed target."""
    rows = []
    for name, text in TEXTS.items():
        start = time.perf_counter()
        classify(text, today=date(2026, 3, 5))
        seconds = time.perf_counter() - start
        rows.append(Row(f"reply classifier, 40 KB message ({name})", f"{seconds * 1000:.1f} ms",
                        target=f"< {TARGET_SECONDS * 1000:.0f} ms", met=seconds < TARGET_SECONDS))
    return rows
