"""Word's automatic list numbering, so an auto-numbered STT cell reads "1." as it does on screen."""
from __future__ import annotations

import re

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PLACEHOLDER = re.compile(r"%([1-9])")
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))

Level = tuple[str, str, int]  # (numFmt, lvlText, start)


class Numbering:
    """Counts numbered paragraphs in document order and renders their labels."""

    def __init__(self, lists: dict[str, dict[int, Level]]):
        self.lists = lists
        self.counters: dict[str, dict[int, int]] = {}

    @classmethod
    def of(cls, package) -> Numbering:
        """The numbering definitions of a python-docx Document (none if it has no numbering part)."""
        try:
            root = package.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return cls({})
        abstract = {a.get(W + "abstractNumId"): _levels(a) for a in root.iterchildren(W + "abstractNum")}
        lists = {}
        for num in root.iterchildren(W + "num"):
            levels = dict(abstract.get(_val(num.find(W + "abstractNumId")), {}))
            for override in num.iterchildren(W + "lvlOverride"):
                ilvl, start = int(override.get(W + "ilvl", "0")), override.find(W + "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = (levels[ilvl][0], levels[ilvl][1], int(_val(start, "1")))
            lists[num.get(W + "numId")] = levels
        return cls(lists)

    def label(self, p) -> str:
        """The label Word shows before paragraph `p` ("1. ", "a) ", "- "), or ""."""
        if not self.lists:
            return ""
        props = p.find(W + "pPr")
        num_pr = props.find(W + "numPr") if props is not None else None
        if num_pr is None:
            return ""
        num_id, ilvl = _val(num_pr.find(W + "numId")), int(_val(num_pr.find(W + "ilvl"), "0"))
        levels = self.lists.get(num_id, {})
        if ilvl not in levels:
            return ""
        fmt, text, start = levels[ilvl]
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts the sub-levels under it
        if fmt == "bullet":
            return "- " if text.strip() in ("-", "–", "+") else ""
        if fmt == "none":
            return ""

        def render(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, level_start = levels.get(level, ("decimal", "", 1))
            return _format(counters.get(level, level_start), level_fmt)

        return _PLACEHOLDER.sub(render, text) + " "


def _levels(abstract) -> dict[int, Level]:
    levels = {}
    for lvl in abstract.iterchildren(W + "lvl"):
        levels[int(lvl.get(W + "ilvl", "0"))] = (_val(lvl.find(W + "numFmt"), "decimal"),
                                                 _val(lvl.find(W + "lvlText"), ""),
                                                 int(_val(lvl.find(W + "start"), "1")))
    return levels


def _val(el, default: str = "") -> str:
    return default if el is None else el.get(W + "val", default)


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = ""
        for value, numeral in _ROMAN:
            count, n = divmod(n, value)
            roman += numeral * count
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)
