"""Best guesses of a plan's title and issuing body from its opening lines."""
from __future__ import annotations

import re
from datetime import date

from plans.read_common import fold

_ORG = r"(?:Sở|Phòng|UBND|Ủy ban|Uỷ ban|Trường|Bộ|Ban|Trung tâm|Văn phòng)"
_ISSUER_IN_TITLE = re.compile(r"\bcủa\s+(" + _ORG + r"\b.*)$")
_ISSUER_IN_BODY = re.compile(r"(" + _ORG + r"\s[^.;:,]{2,80}?)\s+(?:ban hành|xây dựng)\s+[Kk]ế hoạch")
_DOC_NUMBER = re.compile(r"\b\d+/\d*[A-ZĐ]")
_TITLE_STOP = re.compile(r"^(?:can cu|kinh gui|phu luc|\(?kem theo|[ivx]+\.\s|\d+\.\s)")
_LINES_SCANNED = 60


def guess_title(lines: list[str]) -> str:
    """'Kế hoạch …' from a 'KẾ HOẠCH' line and the short lines under it, or ''."""
    for index, line in enumerate(lines[:_LINES_SCANNED]):
        folded = fold(line)
        if not folded.startswith("ke hoach") or folded.startswith("ke hoach so") or len(line) > 200:
            continue
        parts = ["Kế hoạch", *line.split()[2:]]
        for following in lines[index + 1:index + 4]:
            if _ends_title(following):
                break
            parts.append(_lower_first(following.strip()))
        return " ".join(p for p in parts if p).strip()
    return ""


def guess_issuer(lines: list[str], title: str) -> str:
    """The issuing body: from '… của Sở …' in the title, else '… ban hành/xây dựng kế hoạch' in the body."""
    found = _ISSUER_IN_TITLE.search(title)
    if found:
        return found.group(1).strip(" .")
    for line in lines[:_LINES_SCANNED]:
        found = _ISSUER_IN_BODY.search(line)
        if found:
            return found.group(1).strip()
    for line in lines[:10]:
        if line.isupper() and fold(line).startswith(("so ", "phong ", "truong ")):
            return _from_capitals(line)
    return ""


def _ends_title(line: str) -> bool:
    folded = fold(line)
    return (not folded or len(line) > 160 or line.rstrip().endswith((":", ";", "."))
            or bool(_TITLE_STOP.match(folded)) or bool(_DOC_NUMBER.search(line)))


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].islower():  # "Thực hiện" -> "thực hiện", but keep "CCHC"
        return text[0].lower() + text[1:]
    return text


def _from_capitals(line: str) -> str:
    text = line.strip().lower().replace("giáo dục và đào tạo", "Giáo dục và Đào tạo")
    return text[0].upper() + text[1:]


_TITLE_YEAR = re.compile(r"\bnam\s+(20\d\d)\b")
# "Hà Nội, ngày 09 tháng 02 năm 2026" under the emblem: where and when the document was signed
_ISSUE_DATE = re.compile(r"^[^\d,;.]{2,40},\s*ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})\b")


def stated_year(title: str) -> int | None:
    """The year a plan's title states ("… năm 2026"), or None; the last one when it names several."""
    years = _TITLE_YEAR.findall(fold(title))
    return int(years[-1]) if years else None


def issue_date(lines: list[str]) -> date | None:
    """The date the plan was signed ("Hà Nội, ngày 09 tháng 02 năm 2026"), or None."""
    for line in lines[:_LINES_SCANNED]:
        found = _ISSUE_DATE.match(fold(line).strip())
        if found:
            day, month, year = (int(g) for g in found.groups())
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None
