"""School levels (mầm non, tiểu học, THCS, THPT, GDTX) and the groups that plans name by them.

"Các trường Mầm non" must reach the kindergartens only, never every school. A unit's level comes from the
directory file's `level` column, else from its name ("Trường THPT Chu Văn An"); each level has a built-in group
(`truong_mn`, `truong_th`…) whose phrases name it. "Các trường MN, TH, THCS" is read as the three groups.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from units.normalize import normalize


@dataclass(frozen=True)
class Level:
    """One school level: its code, the group of its schools, and how documents write it."""

    code: str
    group: str
    title: str
    words: tuple[str, ...]      # folded spellings of the level on its own ("mam non", "mn")
    phrases: tuple[str, ...]    # phrases naming all its schools, stored on the group


LEVELS = (
    Level("mn", "truong_mn", "Các trường mầm non", ("mam non", "mn", "mau giao"), (
        "Các trường mầm non", "Các trường MN", "Trường mầm non", "Trường MN", "Các cơ sở giáo dục mầm non",
        "Các trường mẫu giáo")),
    Level("th", "truong_th", "Các trường tiểu học", ("tieu hoc", "th"), (
        "Các trường tiểu học", "Các trường TH", "Trường tiểu học", "Trường TH")),
    Level("thcs", "truong_thcs", "Các trường THCS", ("thcs", "trung hoc co so"), (
        "Các trường THCS", "Các trường trung học cơ sở", "Trường THCS", "Trường trung học cơ sở")),
    Level("thpt", "truong_thpt", "Các trường THPT", ("thpt", "trung hoc pho thong"), (
        "Các trường THPT", "Các trường trung học phổ thông", "Trường THPT", "Các trường THPT công lập",
        "Các trường trung học phổ thông công lập")),
    Level("gdtx", "truong_gdtx", "Các trung tâm GDNN-GDTX", ("gdtx", "gdnn gdtx", "giao duc thuong xuyen"), (
        "Các trung tâm GDNN-GDTX", "Các trung tâm GDTX", "Các trung tâm giáo dục nghề nghiệp - giáo dục thường xuyên",
        "Các trung tâm giáo dục thường xuyên", "Các trường GDTX")),
)
BY_CODE = {level.code: level for level in LEVELS}
_BY_WORD = {word: level for level in LEVELS for word in level.words}
_LEVEL_ALTERNATIVES = "|".join(sorted((re.escape(w) for w in _BY_WORD), key=len, reverse=True))
# "các trường MN, TH, THCS" as normalize() writes it: "cac truong mn th thcs" (plural: one school is not a list)
_LIST = re.compile(rf"\bcac\s+(?:truong|co so giao duc)\s+((?:{_LEVEL_ALTERNATIVES})"
                   rf"(?:\s+(?:va\s+)?(?:{_LEVEL_ALTERNATIVES}))+)\b")
_WORD = re.compile(rf"{_LEVEL_ALTERNATIVES}")


def parse_levels(text: str) -> list[str] | None:
    """Level codes written in a directory cell ("THPT", "th; thcs", "Mầm non"); None if a word is unknown."""
    codes = []
    for part in (p for p in re.split(r"[;,]", text or "") if p.strip()):
        level = _BY_WORD.get(normalize(part)) or BY_CODE.get(normalize(part))
        if level is None:
            return None
        codes.append(level.code)
    return list(dict.fromkeys(codes))


def infer_levels(name: str) -> list[str]:
    """The levels a school's or centre's name states ("Trường THPT Chu Văn An" → thpt); [] when it does not."""
    folded = normalize(name)
    if not folded.startswith(("truong", "trung tam")):
        return []
    found = [level.code for level in LEVELS if any(re.search(rf"\b{w}\b", folded) for w in level.words
                                                   if len(w) > 2 or folded.startswith("truong " + w + " "))]
    return found


def split_level_lists(text: str) -> str:
    """'các trường MN, TH, THCS' → 'Các trường mầm non; Các trường tiểu học; Các trường THCS' (a group each)."""
    folded = normalize(text)
    if not _LIST.search(folded):
        return text
    pieces = []
    for match in _LIST.finditer(folded):
        words = _WORD.findall(re.sub(r"\bva\b", " ", match.group(1)))
        pieces += [_BY_WORD[w].title for w in words]
    rest = _LIST.sub(" ", folded).strip()
    return "; ".join(dict.fromkeys(pieces)) + (f"; {rest}" if rest else "")
