"""One table for every benchmark: what users wait for, next to an anchor measured in the same run."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    """One measurement: the value, the same-run anchor it is compared with, the target and whether it was met."""

    what: str
    value: str
    anchor: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "NOT met")


HEADER = ("what users wait for", "measured", "anchor (same run)", "ratio", "target", "")


def render(rows: list[Row], *, markdown: bool = False) -> str:
    """The rows as a Markdown table, or aligned columns for a terminal."""
    cells = [HEADER] + [(r.what, r.value, r.anchor, r.ratio, r.target, r.verdict) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(c) + " |" for c in cells]
        lines.insert(1, "|" + "---|" * len(HEADER))
        return "\n".join(lines)
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))).rstrip() for c in cells)
