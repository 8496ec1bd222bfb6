"""Task numbers written in a reply: "NV 23 xong rồi ạ", "xong nhiệm vụ 23", "23 xong", several in one message.

Each mention owns the words of its clause (up to the next mention); words before the first mention
("Dạ em báo cáo:") are a greeting, not an answer. A bare number counts only at the start of a clause
and before a status word ("23 xong"), so "xong 1/2", "ngày 23" and "70%" are never task numbers.
"""
from __future__ import annotations

import re
import unicodedata

from replies.words import plain

MAX_MENTIONS = 20
_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)(?![\d/%])"
_NAMED = re.compile(r"\b(?:nv|nhiem vu|nvu|cong viec)\s*(?:so\s*)?" + _NUMBER)
_LEADING = re.compile(r"(?:^|(?<=[,;.:\n]))\s*" + _NUMBER + r"\s*[:.)-]?\s+(?=(?:da |dang |chua |van )?"
                      r"(?:xong|hoan thanh|dang|chua|gui|nop|xin)\b)")
_CLAUSE_END = re.compile(r"[,;:\n]|\.(?!\d)")
_JOINERS = {"va", "voi", "cung", "ca", "nv", "nhiem", "vu", "so"}


def task_mentions(text: str) -> list[tuple[str, str]]:
    """(task number, the words about it) for each task named; [] when the reply names none."""
    written = unicodedata.normalize("NFC", text or "")[:2000]
    flat = plain(written)
    source = written if len(written) == len(flat) else flat  # hand back the words as written
    found = sorted({m.start(1): m.group(1) for rx in (_NAMED, _LEADING) for m in rx.finditer(flat)}.items())
    found = found[:MAX_MENTIONS]
    mentions = []
    for i, (start, number) in enumerate(found):
        begin = _clause_start(flat, start, found[i - 1][0] + len(found[i - 1][1]) if i else 0)
        end = _clause_start(flat, found[i + 1][0], start) if i + 1 < len(found) else len(flat)
        mentions.append((number, source[begin:max(end, start + len(number))].strip(" ,;.:")))
    # "NV 5 và NV 6 xong rồi": a mention with no words of its own shares those of the next one
    for i in range(len(mentions) - 2, -1, -1):
        number, words = mentions[i]
        if not set(re.sub(r"[\d.]+", " ", plain(words)).split()) - _JOINERS:
            mentions[i] = (number, mentions[i + 1][1])
    return mentions


def _clause_start(flat: str, position: int, floor: int) -> int:
    """Where the clause holding `position` begins (not before `floor`)."""
    ends = [m.end() for m in _CLAUSE_END.finditer(flat, floor, position)]
    return ends[-1] if ends else floor
