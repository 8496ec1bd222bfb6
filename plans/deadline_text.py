"""Deadline cells as the parser reads them: plain lowercase ASCII, no markup, no document numbers."""
from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]{0,200}>")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})

# "Kế hoạch số 281/KH-UBND ngày 28/10/2022": the date is when a document was signed, not a deadline.
_STOP = (r"(?!(?:thang|quy|qui|ngay|nam|den|tu|toi|het|hk|lan|va|truoc|cham|hoan|hang|moi|dinh|sau|cuoi|dau"
         r"|trong|ca)\b)")
_DOC_NUMBER = rf"\b\d+(?:/\d+)*[/-]{_STOP}[a-z&][a-z0-9&.]*(?:[/-]\s?[a-z&][a-z0-9&.]*)*"
_DOC_KEYWORD = (r"\b(?:nghi dinh|quyet dinh|thong tu|chi thi|nghi quyet|cong van|ke hoach|van ban|thong bao)"
                r"\s+(?:so\s+)?\d+(?:/\d+)+")
_SIGNED = (r"(?:\s*,?\s*(?:ban hanh\s+)?(?:ngay\s+)?"
           r"(?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}))?")
_REFERENCE = re.compile(rf"(?:{_DOC_NUMBER}|{_DOC_KEYWORD}){_SIGNED}", re.ASCII)

_UNITS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6, "bay": 7,
          "tam": 8, "chin": 9}
_NUMBER_WORD = r"(?:mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi|gieng)"
_IN_PARENS = re.compile(rf"\b(\d{{1,2}})\s*\(\s*((?:{_NUMBER_WORD}\s*){{1,3}})\)", re.ASCII)
_DAY_WORDS = re.compile(rf"\bngay\s+((?:{_NUMBER_WORD}\s+){{1,3}})(?=(?:cua\s+)?(?:thang|hang|moi|cac)\b)",
                        re.ASCII)
# "tháng sau" is "next month", "tháng từ…" is "month from…" and "tháng năm 2026" is rarely May:
# those stay words
_MONTH_WORDS = re.compile(r"\bthang\s+(gieng|muoi mot|muoi hai|muoi|mot|hai|ba|bon|bay|tam|chin)\b"
                          r"(?!\s+(?:muoi|mot|hai|ba|bon|tu|lam|sau|bay|tam|chin)\b)", re.ASCII)
_APRIL = re.compile(r"\bthang\s+tu\b(?!\s+(?:thang|ngay|qu[yi]|nam hoc|\d))", re.ASCII)  # not "tháng từ tháng 3"
CONFLICT = " sokhongkhop "  # a digit and its words disagree: "06 (bảy)"


def number_from_words(words: str) -> int | None:
    """1–31 written in Vietnamese words ("mười lăm", "hai mươi mốt"); None if not such a number."""
    parts = words.split()
    if len(parts) == 1:  # "tư" alone is "từ" without its accent far more often than "4"
        return {"gieng": 1, "muoi": 10, "tu": None}.get(parts[0], _UNITS.get(parts[0]))
    if parts[0] == "muoi":
        tens, rest = 1, parts[1:]
    elif len(parts) >= 2 and parts[1] == "muoi" and _UNITS.get(parts[0]) in (2, 3):
        tens, rest = _UNITS[parts[0]], parts[2:]
    else:
        return None
    if not rest:
        return tens * 10
    if len(rest) != 1 or rest[0] not in _UNITS:
        return None
    value = tens * 10 + _UNITS[rest[0]]
    return value if value <= 31 else None


def fold(text: str) -> str:
    """Lowercase ASCII: diacritics gone, đ→d, markup and entities removed, spaces collapsed."""
    text = _TAG.sub(" ", html.unescape(text or ""))
    text = text.replace("đ", "d").replace("Đ", "D").translate(_DASHES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("*", " ").replace("_", " ")
    return " ".join(text.split())


def _in_parens(match: re.Match) -> str:
    value = number_from_words(" ".join(match.group(2).split()))
    return match.group(1) if value == int(match.group(1)) else match.group(1) + CONFLICT


def _words_to_digits(match: re.Match, prefix: str) -> str:
    value = number_from_words(" ".join(match.group(1).split()))
    return f"{prefix} {value} " if value is not None else match.group(0)


def prepare(text: str) -> str:
    """The cell ready for scanning: folded, document numbers dropped, numbers as digits."""
    t = _REFERENCE.sub(" ", fold(text))
    t = _IN_PARENS.sub(_in_parens, t)
    t = re.sub(r"\bngay\s+(?:mung|mong)\s+", "ngay ", t)  # "ngày mùng 5"
    t = _DAY_WORDS.sub(lambda m: _words_to_digits(m, "ngay"), t)
    t = _APRIL.sub("thang 4", _MONTH_WORDS.sub(lambda m: _words_to_digits(m, "thang"), t))
    t = re.sub(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", r"\1/\2/\3", t)  # 15-3-2026
    t = re.sub(r"\bq(iv|iii|ii|i|[1-4])\b", r"quy \1", t)  # "Q1/2026"
    t = re.sub(r"\s*-\s*", " - ", t)
    t = re.sub(r"\s*/\s*", "/", t)
    t = re.sub(r"[()\[\]\"'“”‘’]", " ", t)
    return " ".join(t.split())
