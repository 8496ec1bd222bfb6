"""Fold Vietnamese text for matching: no diacritics (đ → d), lower case, words separated by one space."""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Letters and digits only: "_", "-", "&" and every other mark separate words.
_WORD = re.compile(r"[^\W_]+")
# đ/Đ are letters of their own, not d + a combining mark, so NFD leaves them alone; Ð (U+00D0) looks the same.
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D", "ð": "d"})


@dataclass(frozen=True)
class Word:
    """One word of a text: its folded form and where it stands in the text."""

    folded: str
    start: int
    end: int


def strip_diacritics(text: str) -> str:
    """'Đơn vị trực thuộc' → 'Don vi truc thuoc'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(word: str) -> str:
    """One word without diacritics, in lower case."""
    return strip_diacritics(word).lower()


def words(text: str) -> list[Word]:
    """The words of `text` (expected in NFC, as `prepare` returns it) with their positions."""
    return [Word(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def prepare(text: str) -> str:
    """Compose the text (NFC) so a letter and its marks stay one character, as files from macOS may not."""
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """'Phòng KH-TC (thuộc Sở)' → 'phong kh tc thuoc so'."""
    return " ".join(w.folded for w in words(prepare(text)))


Pattern = tuple[str, ...]
_TAG = re.compile(r"<[^>]*>")
# Between two names: a comma or a dash with a space beside it ("KH-TC" stays one name) is a soft break that a
# name may still span ("Kế hoạch - Tài chính", "UBND xã, phường"); ; ( ) / + • : . and line breaks are hard.
_SOFT = re.compile(r",|(^|\s)[-–—]|[-–—](\s|$)")
_HARD = re.compile(r"[;\n()\[\]/+•:|.]")
NO_BREAK, SOFT_BREAK, HARD_BREAK = 0, 1, 2


@dataclass
class Cell:
    """A table cell as words, with where separators and parentheses stand."""

    text: str
    words: list[Word]
    breaks: list[int]      # the separator before each word: NO_BREAK, SOFT_BREAK or HARD_BREAK (first word)
    owner: list[int]       # inside "( )": the index of the word before the parenthesis, else -1

    def written(self, start: int, end: int) -> str:
        """Words start..end-1 as written in the cell."""
        return self.text[self.words[start].start:self.words[end - 1].end]


def read_cell(raw: str, rewrites: dict[Pattern, str] | None = None) -> Cell:
    """Split a cell (plain text or HTML like <ul><li>…) into words; `rewrites` merge spellings of one thing."""
    text = prepare(html.unescape(_TAG.sub("\n", raw)))  # each tag ends a name as a line break does
    ws = rewrite(words(text), rewrites or {})
    breaks, owner, depth, opener = [], [], 0, -1
    for i, w in enumerate(ws):
        gap = text[ws[i - 1].end if i else 0:w.start]
        breaks.append(HARD_BREAK if i == 0 or _HARD.search(gap) else SOFT_BREAK if _SOFT.search(gap) else NO_BREAK)
        for ch in gap:
            if ch == "(" and depth == 0:
                opener = i - 1
            depth = depth + 1 if ch == "(" else max(0, depth - 1) if ch == ")" else depth
        owner.append(opener if depth else -1)
    return Cell(text, ws, breaks, owner)


def rewrite(ws: list[Word], table: dict[Pattern, str]) -> list[Word]:
    """Replace word patterns by one word ("uy ban nhan dan" → "ubnd"), keeping positions in the text."""
    out, i = [], 0
    while i < len(ws):
        pattern = next((p for p in table if pattern_at(ws, i, (p,))), None)
        if pattern:
            out.append(Word(table[pattern], ws[i].start, ws[i + len(pattern) - 1].end))
            i += len(pattern)
        else:
            out.append(ws[i])
            i += 1
    return out


def pattern_at(ws: list[Word], i: int, patterns: tuple[Pattern, ...], end: int | None = None) -> int:
    """Length of the first of `patterns` that the words at i (before `end`) spell, else 0."""
    stop = len(ws) if end is None else end
    for pattern in patterns:
        n = len(pattern)
        if i >= 0 and i + n <= stop and all(ws[i + k].folded == pattern[k] for k in range(n)):
            return n
    return 0
