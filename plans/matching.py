"""Which row of a revised plan is which task already in the database: matched by content, not by STT.

A "Kế hoạch điều chỉnh" deletes rows and renumbers the rest, so the STT says little. Two rows are the same task
when their titles (folded: case, diacritics, punctuation, spacing) are equal or close. A pair that is only
plausible (a title rewritten under the same STT, or fairly close under another) is a guess: it is shown to the
officer and applied only when they accept it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from plans.read_common import fold

SURE = 88         # titles this close (0–100) are the same task, whatever their STT
GUESS_SAME = 35   # under the same STT, a title rewritten down to this is a possible match (a guess)
GUESS_OTHER = 70  # under another STT, this close is a guess
_PUNCT = re.compile(r"[^\w\s]|_")
_MARKERS = re.compile(r"\b(?:\d+|[ivx]{1,5})\b")  # numbers and roman numerals tell "quý I" from "quý II"


def normalise_title(text: str) -> str:
    """The title as compared: lower-case, no diacritics, no punctuation, single spaces."""
    return " ".join(_PUNCT.sub(" ", fold(text)).split())


@dataclass(frozen=True)
class Candidate:
    """An existing task that a new row may be."""

    key: int          # the task's id
    number: str
    title: str
    position: int
    retired: bool = False


@dataclass(frozen=True)
class Match:
    """Row `index` of the new reading is task `key`; `score` 0–100; `guessed` needs the officer's yes."""

    index: int
    key: int
    score: int
    guessed: bool


def match_rows(rows: list[tuple[str, str]], candidates: list[Candidate]) -> list[Match]:
    """Pair new rows (number, title) with existing tasks, best pairs first; each side used at most once."""
    new = [normalise_title(title) for _number, title in rows]
    old = [normalise_title(c.title) for c in candidates]
    found = _exact(rows, new, candidates, old)
    paired = {m.index for m in found}
    rest_rows = [i for i in range(len(rows)) if i not in paired]
    taken = {m.key for m in found}
    rest_old = [j for j, c in enumerate(candidates) if c.key not in taken]
    if rest_rows and rest_old:
        found += _close(rows, new, candidates, old, rest_rows, rest_old)
    return sorted(found, key=lambda m: m.index)


def _exact(rows, new, candidates, old) -> list[Match]:
    """Equal folded titles; among repeated titles, the same STT first, then the nearer position."""
    by_title: dict[str, list[int]] = {}
    for j, title in enumerate(old):
        by_title.setdefault(title, []).append(j)
    pairs = []
    for i, title in enumerate(new):
        for j in by_title.get(title, ()):
            c = candidates[j]
            pairs.append(((not c.retired, rows[i][0] == c.number, -abs(c.position - i)), i, j))
    return _greedy(pairs, candidates, lambda i, j: (100, False))


def _close(rows, new, candidates, old, rest_rows, rest_old) -> list[Match]:
    pairs, verdicts = [], {}
    for i in rest_rows:
        for j in rest_old:
            score = int(_score(new[i], old[j]))
            same_number = rows[i][0] == candidates[j].number
            sure = score >= SURE and _markers(new[i]) == _markers(old[j])
            if not (sure or score >= GUESS_OTHER or (same_number and score >= GUESS_SAME)):
                continue
            verdicts[(i, j)] = (score, not sure)
            order = (sure, score, not candidates[j].retired, same_number, -abs(candidates[j].position - i))
            pairs.append((order, i, j))
    return _greedy(pairs, candidates, lambda i, j: verdicts[(i, j)])


def _greedy(pairs, candidates, verdict) -> list[Match]:
    pairs.sort(reverse=True)
    used_rows, used_old, found = set(), set(), []
    for _order, i, j in pairs:
        if i in used_rows or j in used_old:
            continue
        used_rows.add(i)
        used_old.add(j)
        score, guessed = verdict(i, j)
        found.append(Match(index=i, key=candidates[j].key, score=score, guessed=guessed))
    return found


def _score(a: str, b: str) -> float:
    """Similarity of two folded titles; word order matters little, wording does."""
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _markers(text: str) -> list[str]:
    return sorted(_MARKERS.findall(text))
